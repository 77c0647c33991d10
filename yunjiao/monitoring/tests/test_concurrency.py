"""Gateways retry: the same alarms posted concurrently are stored once and form one anomaly (PostgreSQL)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from yunjiao.accounts.tokens import token_for_key
from yunjiao.anomalies.models import Anomaly
from yunjiao.core.testing import build_cast
from yunjiao.geo import services as geo
from yunjiao.monitoring import services
from yunjiao.monitoring.models import DeviceAlarm


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_store_each_alarm_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises writers; set DATABASE_URL to run)")
    cast = build_cast()
    device = geo.register_device(actor=cast.officer_a1, subject=cast.subject_a1, device_id="WB-C", kind="wristband")
    key = geo.issue_device_token(actor=cast.county_a_officer, device=device)
    t = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    batch = [{"device_id": "WB-C", "time": (t + timedelta(minutes=k)).isoformat(), "type": "tamper"} for k in range(3)]
    barrier = threading.Barrier(4)
    results = []

    def worker():
        try:
            token = token_for_key(key)
            barrier.wait()
            results.append(services.ingest_alarms(batch, device_token=token).as_dict())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(results) == 4
    assert sum(r["accepted"] for r in results) == 3 and sum(r["duplicates"] for r in results) == 9
    assert DeviceAlarm.objects.count() == 3
    assert Anomaly.objects.count() == 1 and Anomaly.objects.get().count == 3
