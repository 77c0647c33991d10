"""Password policy (等保 2.0): at least 10 characters from at least three character classes."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError

MIN_LENGTH = 10
MIN_CLASSES = 3


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


def policy_errors(password: str) -> list[str]:
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(f"密码长度至少 {MIN_LENGTH} 位。")
    if character_classes(password) < MIN_CLASSES:
        errors.append("密码须包含大写字母、小写字母、数字、特殊符号中的至少三类。")
    return errors


class PolicyValidator:
    def validate(self, password, user=None):
        errors = policy_errors(password)
        if errors:
            raise ValidationError(errors, code="password_policy")

    def get_help_text(self):
        return f"至少 {MIN_LENGTH} 位，包含大写字母、小写字母、数字、特殊符号中的至少三类。"
