"""Two phones signing in to one portal account at the same moment: exactly one gets bound."""

import threading

import pytest
from django.db import connection

from yunjiao.accounts.models import User
from yunjiao.portal import services
from yunjiao.portal.models import PortalDevice


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="并发加锁测试需要 PostgreSQL（SQLite 内存测试库不支持多连接写）"
)
def test_two_phones_binding_at_once(cast):
    outcomes, barrier = [], threading.Barrier(2)

    def first_use(agent):
        from django.db import connections

        user = User.objects.get(pk=cast.portal_a1.pk)
        barrier.wait()
        try:
            result = services.check_device(user, None, user_agent=agent)
            outcomes.append("bound" if result.new_key else "accepted")
        except services.DeviceRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_use, args=(f"phone-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["bound", "refused"]
    assert PortalDevice.objects.filter(user=cast.portal_a1, released_at__isnull=True).count() == 1
    cast.portal_a1.refresh_from_db()
    assert cast.portal_a1.bound_device_id == PortalDevice.objects.get().device_id
