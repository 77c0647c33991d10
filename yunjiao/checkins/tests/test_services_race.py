"""Two simultaneous submissions of one nonce: exactly one check-in, the other is refused."""

import threading

import pytest
from django.db import connection

from yunjiao.checkins import services
from yunjiao.checkins.models import Checkin
from yunjiao.core.errors import Conflict

from .conftest import CLIP_PERSON_PHOTO, clip_burst, read


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="并发加锁测试需要 PostgreSQL（SQLite 内存测试库不支持多连接写）"
)
def test_same_nonce_submitted_twice_at_once(cast, settings):
    settings.FACE_CHALLENGE_ACTIONS = ("turn_right",)
    services.enroll_face(cast.subject_a1, images=[read(CLIP_PERSON_PHOTO)], actor=cast.officer_a1)
    _, nonce = services.start_checkin(cast.subject_a1, device_id="d", actor=cast.portal_a1)
    frames, times = clip_burst(84, 112, 2)
    outcomes, barrier = [], threading.Barrier(2)

    def submit():
        from django.db import connections

        barrier.wait()
        try:
            services.submit_checkin(
                cast.subject_a1,
                nonce=nonce,
                frames=frames,
                capture_times=times,
                location=None,
                actor=cast.portal_a1,
            )
            outcomes.append("stored")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "stored"]
    assert Checkin.objects.count() == 1
