"""`/api/v1/checkins/`: start → submit with real clip frames, the own history, and every refusal as JSON
(`code` + Chinese `message`) with nothing half-stored."""

from datetime import timedelta

import cv2
import numpy as np
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from yunjiao.accounts.models import ApiToken
from yunjiao.accounts.services import issue_token
from yunjiao.audit.models import AuditRecord
from yunjiao.checkins import services as checkins
from yunjiao.checkins.models import Checkin, CheckinChallenge
from yunjiao.checkins.tests.conftest import DATA, read
from yunjiao.portal.models import PortalDevice, ReviewRequest

from .conftest import multipart, turn_burst

pytestmark = pytest.mark.django_db

START, SUBMIT, LIST = "/api/v1/checkins/start/", "/api/v1/checkins/submit/", "/api/v1/checkins/"


def start(client):
    response = client.post(START)
    assert response.status_code == 201, response.json()
    return response.json()


def stored():
    """What a refused request must not have changed."""
    return (Checkin.objects.count(), CheckinChallenge.objects.filter(used_at__isnull=False).count(),
            AuditRecord.objects.filter(summary__startswith="提交信息化核查").count())


def assert_refused(response, status, code, text=""):
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code, body
    assert body["message"] and (text in body["message"]), body
    return body


def test_start_submit_pass_and_history(cast, enrolled, phone, turn_right_only):
    ch = start(phone)
    assert ch["actions"] == ["turn_right"] and ch["prompt"] == "转头向右" and len(ch["nonce"]) == 48
    assert ch["seconds"] == checkins.challenge_seconds() and ch["attempts_left"] == 3
    challenge = CheckinChallenge.objects.get(pk=ch["challenge"])
    assert challenge.device_id == PortalDevice.objects.get(user=cast.portal_a1).device_id
    frames, times = turn_burst()
    response = phone.post(SUBMIT, multipart(ch["nonce"], frames, times), format="multipart")
    body = response.json()
    assert response.status_code == 201, body
    assert (body["outcome"], body["code"], body["location_status"]) == ("pass", "pass", "inside")
    assert body["frame_count"] == len(frames) and body["best_match"] >= 0.42
    assert body["can_retry"] is False and body["can_request_review"] is False
    checkin = Checkin.objects.get()
    assert checkin.latitude == pytest.approx(35.4153) and checkin.accuracy_m == 12
    # the own history; another subject's account sees none of it
    rows = phone.get(LIST).json()["results"]
    assert [r["id"] for r in rows] == [checkin.pk] and rows[0]["outcome_label"] == "通过"
    officer_b = APIClient()
    officer_b.force_login(cast.officer_b1)
    assert officer_b.get(LIST).json()["results"] == []
    officer_a = APIClient()
    officer_a.force_login(cast.officer_a1)
    assert [r["id"] for r in officer_a.get(LIST).json()["results"]] == [checkin.pk]
    # the page lists it too
    assert "通过" in phone.get("/m/checkins/").content.decode()


def test_officers_cannot_check_in_for_a_subject(cast, enrolled):
    officer = APIClient()
    officer.force_login(cast.officer_a1)
    assert_refused(officer.post(START), 403, "not_allowed")
    assert not CheckinChallenge.objects.exists()


def test_corrupt_jpeg_is_refused_and_the_nonce_stays_usable(cast, enrolled, phone, turn_right_only):
    ch = start(phone)
    frames, times = turn_burst()
    broken = list(frames)
    broken[3] = frames[3][: len(frames[3]) // 3]  # truncated upload
    before = stored()
    assert_refused(phone.post(SUBMIT, multipart(ch["nonce"], broken, times), format="multipart"),
                   400, "corrupt_frame", "第 4 张画面")
    assert stored() == before
    # the same nonce still works with the intact burst (what the phone's automatic retry relies on)
    response = phone.post(SUBMIT, multipart(ch["nonce"], frames, times), format="multipart")
    assert response.status_code == 201 and response.json()["outcome"] == "pass"


def test_30_mb_upload_is_refused_before_it_is_read(cast, enrolled, phone):
    ch = start(phone)
    big = [b"\xff\xd8" + b"\0" * (1536 * 1024)] * 20  # 30 MB of "frames"
    before = stored()
    body = assert_refused(phone.post(SUBMIT, multipart(ch["nonce"], big, list(range(20))), format="multipart"),
                          413, "upload_too_large", "MB")
    assert "30." in body["message"] or "31." in body["message"]
    assert stored() == before


@pytest.mark.parametrize("count", [200, 25])
def test_too_many_frames_are_refused(cast, enrolled, phone, count):
    ch = start(phone)
    tiny = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
    before = stored()
    assert_refused(phone.post(SUBMIT, multipart(ch["nonce"], [tiny] * count, list(range(count))),
                              format="multipart"), 400, "too_many_frames", "最多只接受 20 张")
    assert stored() == before


def test_frames_without_a_face_are_a_failed_check_with_the_reason(cast, enrolled, phone, turn_right_only):
    ch = start(phone)
    blank = cv2.imencode(".jpg", np.full((480, 640, 3), 128, np.uint8))[1].tobytes()
    response = phone.post(SUBMIT, multipart(ch["nonce"], [blank] * 12, [i / 5 for i in range(12)]),
                          format="multipart")
    body = response.json()
    assert response.status_code == 201, body
    assert body["code"] == "no_face" and "没有检测到人脸" in body["message"]
    assert body["can_retry"] is True and body["attempts_left"] == 2 and body["can_request_review"] is True
    checkin = Checkin.objects.get()  # stored whole: outcome, reasons, every per-frame score
    assert checkin.outcome == "no_face" and len(checkin.scores["frames"]) == 12


def test_expired_nonce_is_refused(cast, enrolled, phone, turn_right_only):
    ch = start(phone)
    CheckinChallenge.objects.filter(pk=ch["challenge"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    frames, times = turn_burst()
    before = stored()
    assert_refused(phone.post(SUBMIT, multipart(ch["nonce"], frames, times), format="multipart"),
                   400, "nonce_expired", "超时")
    assert stored() == before


def test_nonce_of_another_subject_is_refused(cast, enrolled, phone, turn_right_only):
    checkins.enroll_face(cast.subject_a2, images=[read(DATA / "faces" / "fr_obama.jpg")], actor=checkins.SYSTEM)
    _, foreign = checkins.start_checkin(cast.subject_a2, device_id="phone-a2", actor=checkins.SYSTEM)
    frames, times = turn_burst()
    before = stored()
    assert_refused(phone.post(SUBMIT, multipart(foreign, frames, times), format="multipart"),
                   403, "not_allowed", "不属于您本人")
    assert stored() == before


def test_replayed_nonce_is_refused(cast, enrolled, phone, turn_right_only):
    ch = start(phone)
    frames, times = turn_burst()
    assert phone.post(SUBMIT, multipart(ch["nonce"], frames, times), format="multipart").status_code == 201
    before = stored()
    assert_refused(phone.post(SUBMIT, multipart(ch["nonce"], frames, times), format="multipart"),
                   409, "conflict", "已经使用过")
    assert stored() == before


def test_unknown_nonce_and_bad_capture_times(cast, enrolled, phone):
    frames, times = turn_burst()
    assert_refused(phone.post(SUBMIT, multipart("0" * 48, frames, times), format="multipart"),
                   400, "nonce_unknown")
    ch = start(phone)
    body = multipart(ch["nonce"], frames, times)
    body["capture_times"] = "not json"
    assert_refused(phone.post(SUBMIT, body, format="multipart"), 400, "bad_capture_times")
    assert not Checkin.objects.exists()


def test_device_token_of_the_bound_phone(cast, enrolled, phone, turn_right_only):
    device = PortalDevice.objects.get(user=cast.portal_a1)
    _, key = issue_token(actor=cast.officer_a1, name="对象手机", kind=ApiToken.Kind.DEVICE, org=cast.town_a1,
                         user=cast.portal_a1, device_id=device.device_id)
    app = APIClient()
    app.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    ch = start(app)
    frames, times = turn_burst()
    response = app.post(SUBMIT, multipart(ch["nonce"], frames, times), format="multipart")
    assert response.status_code == 201 and response.json()["outcome"] == "pass"
    assert len(app.get(LIST).json()["results"]) == 1
    # a device token of another phone is refused; so is the subject's own user token (no phone)
    _, other = issue_token(actor=cast.officer_a1, name="旧手机", kind=ApiToken.Kind.DEVICE, org=cast.town_a1,
                           user=cast.portal_a1, device_id="m-someotherphone")
    app.credentials(HTTP_AUTHORIZATION=f"Token {other}")
    assert_refused(app.post(START), 403, "not_allowed", "绑定")
    _, user_key = issue_token(actor=cast.portal_a1, name="x", kind=ApiToken.Kind.USER, org=cast.town_a1,
                              user=cast.portal_a1)
    app.credentials(HTTP_AUTHORIZATION=f"Token {user_key}")
    assert_refused(app.post(START), 400, "device_missing")


def test_mismatch_offers_retry_and_submit_for_officer_review(cast, phone, turn_right_only, settings):
    checkins.enroll_face(cast.subject_a1, images=[read(DATA / "faces" / "fr_obama.jpg")], actor=cast.officer_a1)
    settings.CHECKIN_MAX_ATTEMPTS = 2
    frames, times = turn_burst()
    ch = start(phone)
    first = phone.post(SUBMIT, multipart(ch["nonce"], frames, times), format="multipart").json()
    assert first["outcome"] == "mismatch" and "不匹配" in first["message"]
    assert (first["can_retry"], first["attempts_left"], first["can_request_review"]) == (True, 1, True)
    ch = start(phone)
    second = phone.post(SUBMIT, multipart(ch["nonce"], frames, times), format="multipart").json()
    assert (second["can_retry"], second["attempts_left"], second["can_request_review"]) == (False, 0, True)
    assert_refused(phone.post(START), 400, "attempts_exhausted", "仍然提交，交由工作人员审核")
    # only the latest failed check-in can be escalated
    assert_refused(phone.post(f"{LIST}{first['id']}/request-review/"), 400, "not_latest")
    response = phone.post(f"{LIST}{second['id']}/request-review/")
    body = response.json()
    assert response.status_code == 200, body
    assert body["outcome"] == "review" and body["face_outcome"] == "mismatch" and body["review_requested"]
    assert ReviewRequest.objects.get().original_outcome == "mismatch"
    assert AuditRecord.objects.filter(summary__contains="本人申请人工复核").count() == 1
    assert_refused(phone.post(f"{LIST}{second['id']}/request-review/"), 409, "conflict")
    # after the review request the person may check in again
    assert phone.post(START).status_code == 201


def test_anonymous_gets_a_json_401(cast):
    response = APIClient().post(START)
    assert response.status_code in (401, 403) and response.json()["code"] == "not_authenticated"
    assert not CheckinChallenge.objects.exists()
