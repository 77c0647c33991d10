"""Two officers record a review decision on the same check-in at the same moment: exactly one decision is
stored, the other officer gets "已被他人处理", and the anomaly is acted on once."""

import threading

import pytest
from django.db import connection

from yunjiao.anomalies.models import Anomaly, AnomalyState
from yunjiao.audit.models import AuditRecord
from yunjiao.checkins import review_services
from yunjiao.checkins.models import Checkin
from yunjiao.core.errors import Conflict

from .test_officer_review import submit, submit_anyway


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="并发加锁测试需要 PostgreSQL（SQLite 内存测试库不支持多连接写）"
)
def test_two_officers_decide_at_once(cast, settings):
    from .conftest import CLIP_PERSON_PHOTO, read

    review_services.enrol_with_photos(cast.subject_a1, images=[read(CLIP_PERSON_PHOTO)], actor=cast.officer_a1)
    checkin = submit_anyway(submit(cast, settings, action="turn_left"), cast.portal_a1)
    outcomes, barrier = {}, threading.Barrier(2)

    def decide(actor, decision):
        from django.db import connections

        barrier.wait()
        try:
            review_services.decide_review(checkin, actor=actor, decision=decision, note="并发复核")
            outcomes[actor.username] = "stored"
        except Conflict as exc:
            outcomes[actor.username] = exc.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(cast.officer_a1, "confirmed")),
               threading.Thread(target=decide, args=(cast.county_a_officer, "not_person"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(v == "stored" for v in outcomes.values()) == [False, True], outcomes
    loser = next(v for v in outcomes.values() if v != "stored")
    assert "已被他人处理" in loser
    checkin = Checkin.objects.get(pk=checkin.pk)
    winner = next(u for u, v in outcomes.items() if v == "stored")
    assert checkin.reviewed_by.username == winner
    anomaly = Anomaly.objects.get(related_id=str(checkin.pk))
    assert anomaly.state == (AnomalyState.DISPOSED if checkin.review_decision == "confirmed" else AnomalyState.VERIFIED)
    assert AuditRecord.objects.filter(object_type="checkins.Checkin", object_id=str(checkin.pk),
                                      summary__startswith="复核信息化核查").count() == 1
