"""The phone page's pause flush and periodic flush of the same playback reach the server at the same moment:
the row lock serialises them, both are credited, the overlap once (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from yunjiao.core.testing import build_cast
from yunjiao.education import services
from yunjiao.education.models import StudySession

from .conftest import fake_mp4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_heartbeats_are_both_credited():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises writers; set DATABASE_URL to run)")
    cast = build_cast()
    course = services.create_course(actor=cast.county_a_officer, org=cast.county_a, title="四秒课", kind="video",
                                    category="law", hours="0.5", video=fake_mp4(), duration_seconds=600)
    services.publish_course(course, actor=cast.county_a_officer)
    session = services.start_session(cast.subject_a1, course, actor=cast.portal_a1)
    StudySession.objects.filter(pk=session.pk).update(started_at=timezone.now() - timedelta(seconds=8),
                                                      last_heartbeat_at=timezone.now() - timedelta(seconds=8))
    barrier = threading.Barrier(2)
    errors = []

    def worker(start, end):
        try:
            barrier.wait()
            services.heartbeat(session, actor=cast.portal_a1, start=start, end=end, visible=True)
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=seg) for seg in ((0, 4.0), (4.0, 8.0))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    session.refresh_from_db()
    assert session.watched_seconds == 8.0 and session.intervals == [[0, 8.0]] and session.rejected_seconds == 0
