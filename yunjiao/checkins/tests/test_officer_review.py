"""Check-in list and review, on real check-ins (real clip frames through the real pipeline): the officer sees
every kept frame and score, the decision acts on the anomaly and the audit trail, a second decision is
refused, and everything is scoped."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from yunjiao.anomalies import services as anomalies
from yunjiao.anomalies.models import Anomaly, AnomalyState
from yunjiao.audit.models import AuditRecord
from yunjiao.checkins import review_services, services
from yunjiao.checkins.models import Checkin, Outcome, ReviewDecision
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError

from .conftest import CLIP_PERSON_PHOTO, clip_burst, read

pytestmark = pytest.mark.django_db

JINING = {"lat": 35.4153, "lon": 116.5871, "accuracy": 12}
DEVICE = "device-abc"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def enrolled(cast):
    return review_services.enrol_with_photos(
        cast.subject_a1, images=[read(CLIP_PERSON_PHOTO)], actor=cast.officer_a1
    )


def submit(cast, settings, *, action: str) -> Checkin:
    """A real check-in of subject_a1: the clip turns right; asking for ``action`` decides the outcome."""
    settings.FACE_CHALLENGE_ACTIONS = (action,)
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = clip_burst(84, 112, 2)
    return services.submit_checkin(
        cast.subject_a1, nonce=nonce, frames=frames, capture_times=times, location=JINING, actor=cast.portal_a1
    )


def submit_anyway(checkin: Checkin, actor) -> Checkin:
    """"仍然提交，交由工作人员审核" from the phone.  The phone pages' service (portal.services.request_review,
    another branch) sets outcome → review and keeps the face/liveness outcome; use it when present, else do
    exactly that as test setup."""
    try:
        from yunjiao.portal.services import request_review
    except ImportError:
        Checkin.objects.filter(pk=checkin.pk).update(outcome=Outcome.REVIEW)
    else:
        request_review(checkin, actor=actor)
    checkin.refresh_from_db()
    return checkin


@pytest.fixture
def failed(cast, enrolled, settings):
    """Liveness failed (asked to turn left, the person turned right), then "submit anyway" from the phone."""
    checkin = submit(cast, settings, action="turn_left")
    assert checkin.outcome == Outcome.LIVENESS_FAILED
    return submit_anyway(checkin, cast.portal_a1)


def pipeline_anomaly(checkin: Checkin) -> Anomaly:
    """The anomaly submit_checkin opened for the failed outcome."""
    return Anomaly.objects.get(related_type="checkins.Checkin", related_id=str(checkin.pk))


def test_failed_checkin_keeps_every_frame_encrypted_and_passed_keeps_none(cast, enrolled, settings, private_media):
    failed = submit(cast, settings, action="turn_left")
    assert failed.frames_stored == failed.frame_count == 15
    files = sorted((private_media / "checkins" / "faces" / "checkins" / str(failed.pk)).iterdir())
    assert len(files) == 15 and all(not f.read_bytes().startswith(b"\xff\xd8") for f in files)
    passed = submit(cast, settings, action="turn_right")
    assert passed.outcome == Outcome.PASS and passed.frames_stored == 0
    assert not (private_media / "checkins" / "faces" / "checkins" / str(passed.pk)).exists()


def test_failed_checkins_open_one_grouped_anomaly_per_kind_and_day(cast, enrolled, settings):
    first = submit(cast, settings, action="turn_left")
    second = submit(cast, settings, action="turn_left")
    passed = submit(cast, settings, action="turn_right")
    anomaly = Anomaly.objects.get()
    assert (anomaly.kind, anomaly.source, anomaly.count, anomaly.related_id) == ("liveness_failed", "checkin", 2, str(first.pk))
    assert [a.pk for a in review_services.related_anomalies(second)] == [anomaly.pk]
    assert review_services.related_anomalies(passed) == []
    assert "转头向左" in anomaly.summary


def test_confirming_one_of_two_grouped_checkins_keeps_the_anomaly_open(cast, enrolled, settings):
    first = submit_anyway(submit(cast, settings, action="turn_left"), cast.portal_a1)
    second = submit_anyway(submit(cast, settings, action="turn_left"), cast.portal_a1)
    anomaly = pipeline_anomaly(first)
    review_services.decide_review(first, actor=cast.officer_a1, decision="confirmed")
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.ACKNOWLEDGED  # the second check-in still waits for review
    review_services.decide_review(second, actor=cast.officer_a1, decision="confirmed")
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.DISPOSED and anomaly.is_false_alarm


def test_review_page_shows_all_frames_scores_and_the_enrolment_photo(client, cast, failed, enrolled):
    client.force_login(cast.officer_a1)
    page = client.get(reverse("checkins:review", args=[failed.pk])).content.decode()
    for i in range(15):
        assert reverse("checkins:frame", args=[failed.pk, i]) in page
    assert reverse("checkins:enrolment_photo", args=[enrolled.pk, 0]) in page
    assert "转头向左" in page and "未检测到" in page and "本人坚持提交（活体动作未通过）" in page
    matched = [f["match_score"] for f in failed.scores["frames"] if f.get("match_score") is not None]
    assert matched and all(f"{m:.3f}" in page for m in matched)  # every stored similarity is shown
    assert "在允许区域内" in page  # the geofence verdict stored with the check
    assert "确认本人" in page and "非本人" in page and "无法判断" in page

    before = AuditRecord.objects.filter(action="read", object_type="checkins.Checkin").count()
    for i in (0, 14):
        r = client.get(reverse("checkins:frame", args=[failed.pk, i]))
        assert r.status_code == 200 and r.content[:2] == b"\xff\xd8" and "no-store" in r["Cache-Control"]
    rows = AuditRecord.objects.filter(action="read", object_type="checkins.Checkin").order_by("-seq")
    assert rows.count() == before + 2 and "第 15/15 张" in rows.first().summary
    assert client.get(reverse("checkins:frame", args=[failed.pk, 15])).status_code == 404


def test_confirm_disposes_the_anomaly_as_false_alarm_and_audits(client, cast, failed):
    anomaly = pipeline_anomaly(failed)
    client.force_login(cast.officer_a1)
    r = client.post(reverse("checkins:review", args=[failed.pk]), {"decision": "confirmed", "note": "画面为本人，光线暗"})
    assert r.status_code == 302
    failed.refresh_from_db()
    anomaly.refresh_from_db()
    assert (failed.review_decision, failed.reviewed_by, failed.review_note) == (
        ReviewDecision.CONFIRMED, cast.officer_a1, "画面为本人，光线暗")
    assert anomaly.state == AnomalyState.DISPOSED and anomaly.is_false_alarm
    assert "人工复核：确认本人" in anomaly.disposition and anomaly.closed_by == cast.officer_a1
    audit = AuditRecord.objects.filter(object_type="checkins.Checkin", object_id=str(failed.pk)).order_by("-seq")
    assert "复核信息化核查：确认本人" in audit.first().summary and audit.first().data["anomalies"] == [anomaly.pk]
    assert not review_services.pending_reviews(cast.officer_a1).exists()
    page = client.get(reverse("checkins:review", args=[failed.pk])).content.decode()
    assert "确认本人" in page and "许庄所员" in page and "保存复核结论" not in page


def test_not_person_verifies_the_anomaly(client, cast, failed):
    anomaly = pipeline_anomaly(failed)
    client.force_login(cast.officer_a1)
    r = client.post(reverse("checkins:review", args=[failed.pk]), {"decision": "not_person", "note": "画面中是另一名男子"})
    assert r.status_code == 302
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.VERIFIED and anomaly.is_open
    assert "非本人" in anomaly.verification and "另一名男子" in anomaly.verification


def test_not_person_opens_a_new_anomaly_when_the_old_one_was_closed_in_the_queue(cast, failed):
    old = pipeline_anomaly(failed)
    anomalies.dispose(old, actor=cast.officer_a1, text="已电话联系本人")
    review_services.decide_review(failed, actor=cast.county_a_officer, decision="not_person", note="不是本人")
    new = Anomaly.objects.exclude(pk=old.pk).get()
    assert (new.kind, new.state, new.related_id) == ("face_mismatch", AnomalyState.VERIFIED, str(failed.pk))


def test_decision_is_kept_when_the_anomaly_was_closed_meanwhile(cast, failed, monkeypatch):
    anomaly = pipeline_anomaly(failed)
    stale = Anomaly.objects.get(pk=anomaly.pk)  # read by the review just before another officer closes it
    anomalies.dispose(anomaly, actor=cast.county_a_officer, text="电话核实为本人")
    monkeypatch.setattr(review_services, "related_anomalies", lambda checkin: [stale])
    checkin = review_services.decide_review(failed, actor=cast.officer_a1, decision="confirmed")
    assert checkin.review_decision == "confirmed"
    anomaly.refresh_from_db()
    assert anomaly.disposition == "电话核实为本人" and anomaly.closed_by == cast.county_a_officer
    row = AuditRecord.objects.filter(object_type="checkins.Checkin", object_id=str(failed.pk)).order_by("-seq").first()
    assert row.data["skipped_anomalies"] == [anomaly.pk] and row.data["anomalies"] == []


def test_not_person_can_escalate_at_once(cast, failed):
    anomaly = pipeline_anomaly(failed)
    assert anomalies.ESCALATIONS, "the risk app registers escalations (warning…)"
    target = next(iter(anomalies.ESCALATIONS))
    review_services.decide_review(failed, actor=cast.officer_a1, decision="not_person", note="冒名顶替",
                                  escalate_to=target)
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.ESCALATED and anomaly.escalated_to == target


def test_undetermined_needs_a_note_and_keeps_the_anomaly_open(client, cast, failed):
    anomaly = pipeline_anomaly(failed)
    client.force_login(cast.officer_a1)
    r = client.post(reverse("checkins:review", args=[failed.pk]), {"decision": "undetermined", "note": ""})
    assert r.status_code == 400 and "请填写复核说明" in r.content.decode()
    failed.refresh_from_db()
    assert failed.review_decision == ""
    r = client.post(reverse("checkins:review", args=[failed.pk]), {"decision": "undetermined", "note": "画面太暗，安排走访"})
    assert r.status_code == 302
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.ACKNOWLEDGED and anomaly.is_open


def test_second_decision_gets_already_handled(client, cast, failed):
    anomaly = pipeline_anomaly(failed)
    other = cast.county_a_officer
    # both officers opened the page; officer_a1 decides first
    review_services.decide_review(failed, actor=cast.officer_a1, decision="confirmed")
    client.force_login(other)
    r = client.post(reverse("checkins:review", args=[failed.pk]), {"decision": "not_person", "note": "非本人"}, follow=True)
    text = r.content.decode()
    assert "已被他人处理" in text and "许庄所员" in text
    failed.refresh_from_db()
    anomaly.refresh_from_db()
    assert failed.review_decision == "confirmed" and failed.reviewed_by == cast.officer_a1
    assert anomaly.state == AnomalyState.DISPOSED
    with pytest.raises(Conflict, match="已被他人处理"):
        review_services.decide_review(failed, actor=other, decision="undetermined", note="x")


def test_review_is_scoped(client, cast, failed):
    client.force_login(cast.officer_a2)
    assert client.get(reverse("checkins:review", args=[failed.pk])).status_code == 404
    assert client.get(reverse("checkins:frame", args=[failed.pk, 0])).status_code == 404
    r = client.post(reverse("checkins:review", args=[failed.pk]), {"decision": "confirmed"})
    assert r.status_code == 404
    listing = client.get(reverse("checkins:list")).content.decode()
    assert cast.subject_a1.name not in listing
    assert review_services.pending_reviews(cast.officer_a2).count() == 0
    with pytest.raises(NotAllowed):
        review_services.decide_review(failed, actor=cast.officer_a2, decision="confirmed")
    with pytest.raises(NotAllowed):
        review_services.checkin_frame(failed, 0, actor=cast.officer_b1)
    failed.refresh_from_db()
    assert failed.review_decision == ""
    assert not AuditRecord.objects.filter(actor=cast.officer_a2, object_type="checkins.Checkin").exists()


def test_social_worker_may_look_but_not_decide(client, cast, failed):
    client.force_login(cast.social_worker_a1)
    page = client.get(reverse("checkins:review", args=[failed.pk])).content.decode()
    assert "保存复核结论" not in page
    r = client.post(reverse("checkins:review", args=[failed.pk]), {"decision": "confirmed"}, follow=True)
    assert "您的角色不能复核核查" in r.content.decode()
    failed.refresh_from_db()
    assert failed.review_decision == ""


def test_list_filters_and_pending_count_in_menu(client, cast, failed, settings):
    passed = submit(cast, settings, action="turn_right")
    client.force_login(cast.officer_a1)
    url = reverse("checkins:list")
    everything = client.get(url).content.decode()
    assert everything.count(reverse("checkins:review", args=[failed.pk])) == 1
    assert reverse("checkins:review", args=[passed.pk]) in everything
    # the left menu shows 待复核 with the count
    assert "待复核" in everything and '<span class="tag tag-red">1</span>' in everything
    pending = client.get(url + "?review=pending").content.decode()
    assert reverse("checkins:review", args=[failed.pk]) in pending and reverse("checkins:review", args=[passed.pk]) not in pending
    by_outcome = client.get(url + "?outcome=pass").content.decode()
    assert reverse("checkins:review", args=[passed.pk]) in by_outcome and reverse("checkins:review", args=[failed.pk]) not in by_outcome
    today = timezone.localdate()
    assert reverse("checkins:review", args=[passed.pk]) in client.get(url + f"?date_from={today}&date_to={today}").content.decode()
    assert "没有符合条件" in client.get(url + "?date_from=2020-01-01&date_to=2020-01-02").content.decode()
    assert "起始日期不能晚于截止日期" in client.get(url + "?date_from=2020-01-02&date_to=2020-01-01").content.decode()
    outside = client.get(url + f"?org={cast.town_b1.pk}").content.decode()  # not in officer_a1's scope
    assert "机构：" in outside and "没有符合条件" in outside
    client.force_login(cast.county_a_officer)
    assert "没有符合条件" in client.get(url + f"?org={cast.town_a2.pk}").content.decode()
    assert reverse("checkins:review", args=[failed.pk]) in client.get(url + f"?org={cast.town_a1.pk}").content.decode()
    client.force_login(cast.officer_a1)
    workbench = client.get("/").content.decode()
    assert "待人工复核的核查" in workbench and reverse("checkins:pending") in workbench
    # 待复核 menu entry lands on the pending filter
    r = client.get(reverse("checkins:pending"))
    assert r.status_code == 302 and "review=pending" in r["Location"]


def test_passed_checkin_is_not_reviewable(client, cast, enrolled, settings):
    passed = submit(cast, settings, action="turn_right")
    client.force_login(cast.officer_a1)
    page = client.get(reverse("checkins:review", args=[passed.pk])).content.decode()
    assert "未留存：通过的核查不保存画面" in page and "无需人工复核" in page and "保存复核结论" not in page
    assert client.get(reverse("checkins:frame", args=[passed.pk, 0])).status_code == 404
    with pytest.raises(ServiceError, match="无需人工复核"):
        review_services.decide_review(passed, actor=cast.officer_a1, decision="confirmed")


def test_failed_but_not_submitted_can_still_be_reviewed_and_is_not_pending(cast, enrolled, settings):
    checkin = submit(cast, settings, action="turn_left")
    assert not review_services.pending_reviews(cast.officer_a1).exists()  # the person may still retry
    review_services.decide_review(checkin, actor=cast.officer_a1, decision="confirmed", note="回放画面为本人")
    assert pipeline_anomaly(checkin).state == AnomalyState.DISPOSED


def test_review_band_checkin_is_pending_without_submit_anyway(cast, enrolled, settings):
    settings.FACE_VERIFICATION = {"accept_threshold": 0.99, "review_threshold": 0.30}
    checkin = submit(cast, settings, action="turn_right")
    assert checkin.outcome == Outcome.REVIEW and checkin.frames_stored == 15
    assert review_services.pending_reviews(cast.officer_a1).get() == checkin
    assert review_services.pending_reviews(cast.officer_b1).count() == 0


def test_missing_location_opens_its_own_anomaly_and_is_not_a_face_review(cast, enrolled, settings):
    settings.FACE_CHALLENGE_ACTIONS = ("turn_right",)
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = clip_burst(84, 112, 2)
    checkin = services.submit_checkin(cast.subject_a1, nonce=nonce, frames=frames, capture_times=times,
                                      location=None, actor=cast.portal_a1)
    assert checkin.outcome == Outcome.LOCATION_MISSING and checkin.frames_stored == 15
    anomaly = pipeline_anomaly(checkin)
    assert anomaly.kind == "location_missing" and anomaly.source == "checkin"
    assert not review_services.is_reviewable(checkin) and not review_services.pending_reviews(cast.officer_a1).exists()


def test_purge_removes_only_old_orphan_images(cast, failed, private_media):
    import os
    import time as _time

    from django.core.management import call_command

    root = private_media / "checkins" / "faces" / "checkins"
    orphan_dir = root / "999999"  # a check-in whose transaction rolled back after its frames were written
    orphan_dir.mkdir(parents=True)
    old, young = orphan_dir / "0.enc", orphan_dir / "1.enc"
    old.write_bytes(b"x")
    young.write_bytes(b"y")
    past = _time.time() - 7200
    os.utime(old, (past, past))
    for f in (root / str(failed.pk)).iterdir():  # kept frames of a real check-in, also old
        os.utime(f, (past, past))
    assert review_services.purge_orphan_images(dry_run=True) == ["checkins/faces/checkins/999999/0.enc"]
    assert old.exists()
    call_command("purge_face_images", stdout=open(os.devnull, "w"))
    assert not old.exists() and young.exists()
    assert len(list((root / str(failed.pk)).iterdir())) == 15
    row = AuditRecord.objects.order_by("-seq").first()
    assert row.action == "delete" and "清理无对应记录的人脸图像 1 个" in row.summary
