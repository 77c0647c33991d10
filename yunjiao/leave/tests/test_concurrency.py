"""Two simultaneous submissions of the same form (double tap, retry) create one leave (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from yunjiao.leave import services
from yunjiao.leave.models import Leave


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submission_creates_one_record():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises writers; set DATABASE_URL to run)")
    from yunjiao.core.testing import build_cast

    cast = build_cast()
    start = timezone.localdate() + timedelta(days=5)
    barrier = threading.Barrier(2)
    ids: list[int] = []

    def worker():
        try:
            barrier.wait()
            leave = services.apply_leave(cast.subject_a1, actor=cast.portal_a1, idempotency_key="same-tap",
                                         destination_codes=["370102"], destination_names="济南市历下区", start=start,
                                         end=start + timedelta(days=2), reason_kind="medical", reason="复查")
            ids.append(leave.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 2 and ids[0] == ids[1]
    assert Leave.objects.count() == 1
