"""Fixtures for the phone pages and the check-in API: an enrolled subject_a1 (the clip's person), a bound
phone (session client with the device cookie), bursts of real clip frames."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from yunjiao.checkins import services as checkins
from yunjiao.checkins.tests.conftest import CLIP_PERSON_PHOTO, clip_burst, read

JINING = {"lat": 35.4153, "lon": 116.5871, "accuracy": 12}


@pytest.fixture
def turn_right_only(settings):
    settings.FACE_CHALLENGE_ACTIONS = ("turn_right",)  # clip frames 84–112 perform a right turn


@pytest.fixture
def enrolled(cast):
    return checkins.enroll_face(cast.subject_a1, images=[read(CLIP_PERSON_PHOTO)], actor=cast.officer_a1)


@pytest.fixture
def phone(cast):
    """portal_a1 signed in on the phone that got bound by its first request."""
    client = APIClient()
    client.force_login(cast.portal_a1)
    assert client.get("/m/").status_code == 200
    return client


def turn_burst():
    return clip_burst(84, 112, 2)


def multipart(nonce, frames, times, location=JINING, **extra):
    body = {"nonce": nonce, "capture_times": json.dumps(times),
            "frames": [SimpleUploadedFile(f"f{i}.jpg", data, content_type="image/jpeg")
                       for i, data in enumerate(frames)]}
    if location:
        body.update({k: str(v) for k, v in location.items()})
    body.update(extra)
    return body
