"""Errors raised by services: a stable code plus a Chinese message a person can act on."""

from __future__ import annotations


class ServiceError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field_errors: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field_errors = field_errors or {}


class NotAllowed(ServiceError):
    code = "not_allowed"
    status = 403


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class Conflict(ServiceError):
    """Someone else changed the object meanwhile (stale form, concurrent transition)."""

    code = "conflict"
    status = 409
