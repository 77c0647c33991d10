"""Test helper for other apps: give a cast officer an active enforcement certificate in one line, so
workflow tests that pass through `enforcement_guard` can act.  Test data only (writes through services)."""

from __future__ import annotations

from yunjiao.core.actors import SYSTEM
from yunjiao.staff import services
from yunjiao.staff.models import WorkCertificate


def give_certificate(user, *, establishment: str = "civil_servant", position: str = "") -> WorkCertificate:
    profile = services.save_profile(user, actor=SYSTEM, establishment=establishment, position=position)
    cert = services.apply_certificate(profile, actor=SYSTEM, reason="测试")
    for action in ("county_review", "city_approve", "file", "activate"):
        cert = services.act_on_certificate(cert, action, actor=SYSTEM, reason="测试")
    return cert
