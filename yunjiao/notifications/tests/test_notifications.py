import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse

from yunjiao.notifications import services
from yunjiao.notifications.models import Message, SmsOutbox

pytestmark = pytest.mark.django_db


def test_messages_are_private_to_the_recipient(client, cast):
    services.notify([cast.officer_a1], title="新的异常", body="李明 越界", link="/anomalies/")
    client.force_login(cast.officer_a1)
    assert "新的异常" in client.get(reverse("notifications:inbox")).content.decode()
    client.force_login(cast.city_admin)  # even a city admin does not read other people's messages
    assert "新的异常" not in client.get(reverse("notifications:inbox")).content.decode()
    msg = Message.objects.get()
    assert client.get(reverse("notifications:read", args=[msg.pk])).status_code == 404


def test_read_marks_and_follows_link(client, cast):
    services.notify([cast.portal_a1], title="请今天完成核查", link="/m/")
    client.force_login(cast.portal_a1)
    msg = Message.objects.get()
    r = client.get(reverse("notifications:read", args=[msg.pk]))
    assert r.status_code == 302 and r.url == "/m/"
    msg.refresh_from_db()
    assert msg.read_at is not None


def test_officers_of(cast):
    assert set(services.officers_of(cast.town_a1)) == {cast.officer_a1, cast.social_worker_a1}
    assert set(services.officers_of(cast.town_a1, roles=["township_officer"])) == {cast.officer_a1}


def test_sms_disabled_without_gateway(cast, settings):
    settings.SMS_GATEWAY_URL = ""
    services.notify([cast.officer_a1], title="x", sms_phones=["13800001111"])
    assert SmsOutbox.objects.get().state == "disabled"


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_sms_is_posted_to_a_real_http_gateway(cast, settings, django_capture_on_commit_callbacks):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
        with django_capture_on_commit_callbacks(execute=True):
            services.notify([cast.officer_a1], title="红色预警", body="请立即处置", sms_phones=["13800001111"])
        row = SmsOutbox.objects.get()
        assert row.state == "sent" and row.phone_masked == "138****1111"
        assert _Receiver.received[-1] == {"phone": "13800001111", "text": "【云矫】红色预警 请立即处置"}
    finally:
        server.shutdown()


def test_unreachable_gateway_is_recorded(cast, settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/none"
    row = SmsOutbox.objects.create(phone_enc=__import__("yunjiao.core.crypto", fromlist=["x"]).encrypt("1"),
                                   phone_masked="1", text="t")
    for _ in range(3):
        services.deliver_sms(row.pk)
    row.refresh_from_db()
    assert row.state == "failed" and "不可达" in row.last_error
