"""MQTT ingestion against a real Mosquitto: the shared broker on 127.0.0.1:1883, and a private broker
(same binary, persistence on) that is restarted in the middle of a stream."""

import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from yunjiao.geo import services
from yunjiao.geo.models import LocationFix
from yunjiao.geo.mqtt import MqttIngestor, parse_message

from .geo_helpers import Border, tracker
from .test_services import boundaries  # noqa: F401  (fixture)

pytestmark = pytest.mark.services


def _reachable(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def device(cast, boundaries):  # noqa: F811
    return services.register_device(actor=cast.officer_a1, subject=cast.subject_a1, device_id="WB-7", kind="wristband")


@pytest.fixture
def home():
    return Border(tracker(home=("370811", "370812"))).lonlat(-3000)


def _publisher(port, client_id):
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    pub.reconnect_delay_set(min_delay=0.1, max_delay=0.5)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    return pub


def _payload(t, lonlat, **extra):
    return json.dumps({"time": t.isoformat(), "lon": lonlat[0], "lat": lonlat[1], "accuracy": 12, **extra})


def test_parse_message_variants():
    assert parse_message("yunjiao/devices/D1/location", b'{"time": 1, "lon": 1, "lat": 2, "accuracy": 3}')[1][0][
        "device_id"] == "D1"
    assert len(parse_message("yunjiao/devices/D1/location", b'{"fixes": [{}, {}]}')[1]) == 2
    with pytest.raises(ValueError):
        parse_message("other/D1", b"{}")


def test_mqtt_ingest_against_shared_mosquitto(cast, device, home):
    if not _reachable(1883):
        pytest.skip("Mosquitto is not running on 127.0.0.1:1883 (CI starts it)")
    cid = f"yunjiao-test-{uuid.uuid4().hex[:8]}"
    MqttIngestor(port=1883, client_id=cid, session_expiry_s=120).run(max_seconds=1.0)  # create the session
    pub = _publisher(1883, cid + "-pub")
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    msgs = [_payload(t0 + timedelta(minutes=k), home) for k in range(5)]
    msgs.append(msgs[0])  # redelivered / resent: must not duplicate
    msgs.append(_payload(t0, home, device_id="OTHER"))  # names another device than its topic
    msgs.append("not json")
    for m in msgs:
        pub.publish("yunjiao/devices/WB-7/location", m, qos=1).wait_for_publish(5)
    pub.loop_stop()
    pub.disconnect()
    stats = MqttIngestor(port=1883, client_id=cid, session_expiry_s=1).run(idle_exit=1.5, max_seconds=20)
    assert stats["messages"] == 8
    assert stats["accepted"] == 5 and stats["duplicates"] == 1 and stats["rejected"] == 1 and stats["errors"] == 1
    assert LocationFix.objects.filter(device=device).count() == 5


@pytest.fixture
def private_broker():
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not shutil.which(binary):
        pytest.skip("mosquitto binary not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # mosquitto started as root drops to its own user, which must be able to write its database here
    # (pytest's tmp_path lives under a 0700 directory)
    tmp_path = Path(tempfile.mkdtemp(prefix="yunjiao-mosquitto-"))
    tmp_path.chmod(0o777)
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                    f"persistence_location {tmp_path}/\nautosave_interval 1\n")

    class Broker:
        proc = None

        def start(self):
            self.proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            for _ in range(50):
                if _reachable(port):
                    return
                time.sleep(0.1)
            raise RuntimeError("private mosquitto did not start")

        def stop(self):
            self.proc.terminate()  # SIGTERM: mosquitto saves its persistence file
            self.proc.wait(10)

    b = Broker()
    b.port = port
    b.start()
    yield b
    if b.proc and b.proc.poll() is None:
        b.stop()
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_broker_restart_during_stream_loses_no_acknowledged_fix_and_duplicates_none(cast, device, home,
                                                                                    private_broker):
    port = private_broker.port
    cid = "yunjiao-restart-test"
    MqttIngestor(port=port, client_id=cid, session_expiry_s=600).run(max_seconds=1.0)
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    acked = []

    def publish_stream():
        pub = _publisher(port, "restart-pub")
        for k in range(60):
            if k == 25:
                private_broker.stop()
                time.sleep(0.5)
                private_broker.start()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # a device retries until the broker acknowledges
                info = pub.publish("yunjiao/devices/WB-7/location",
                                   _payload(t0 + timedelta(minutes=k), home), qos=1)
                try:
                    info.wait_for_publish(3)
                except (RuntimeError, ValueError):
                    time.sleep(0.2)
                    continue
                if info.is_published():
                    acked.append(k)
                    break
            time.sleep(0.02)
        pub.loop_stop()
        pub.disconnect()

    thread = threading.Thread(target=publish_stream)
    thread.start()
    accepted = 0
    for _ in range(40):  # the consumer runs (and is itself restarted) until the stream is over and drained
        alive = thread.is_alive()
        st = MqttIngestor(port=port, client_id=cid, session_expiry_s=600).run(idle_exit=2, max_seconds=30)
        accepted += st["accepted"]
        if not alive:
            break
    thread.join(30)
    assert len(acked) == 60, acked  # every publish was eventually acknowledged despite the restart
    stored = sorted(LocationFix.objects.filter(device=device).values_list("time", flat=True))
    missing = sorted(k for k in acked if t0 + timedelta(minutes=k) not in set(stored))
    assert not missing, f"acknowledged fixes lost: {missing}"
    assert len(stored) == len(set(stored)) and len(stored) <= 60
    assert accepted == len(stored)
