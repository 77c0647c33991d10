"""MQTT consumer of location fixes: topic ``yunjiao/devices/<device_id>/location``, QoS 1, persistent session.

Each message is a JSON fix, a JSON array of fixes, or {"fixes": [...]}; the device id comes from the topic
(a payload naming another device is rejected).  Messages are acknowledged (PUBACK) only after
services.ingest_fixes has committed, so a crash or a broker restart loses nothing that was acknowledged to
the publisher (the broker holds it, with persistence, for our persistent session) and redeliveries are
harmless (ingestion is idempotent on device + time).  Device authentication is the broker's job
(per-device credentials and an ACL restricting each device to its own topic).
"""

from __future__ import annotations

import json
import logging
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from yunjiao.core.actors import SYSTEM

from . import services

log = logging.getLogger(__name__)

TOPIC = "yunjiao/devices/+/location"
SESSION_EXPIRY_S = 7 * 24 * 3600


def parse_message(topic: str, payload: bytes) -> tuple[str, list]:
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "yunjiao" or parts[1] != "devices" or parts[3] != "location":
        raise ValueError(f"unexpected topic {topic}")
    device_id = parts[2]
    body = json.loads(payload.decode("utf-8"))
    fixes = body.get("fixes") if isinstance(body, dict) and "fixes" in body else body
    if isinstance(fixes, dict):
        fixes = [fixes]
    if not isinstance(fixes, list):
        raise ValueError("payload is not a fix or a list of fixes")
    for f in fixes:
        if isinstance(f, dict):
            f.setdefault("device_id", device_id)
    return device_id, fixes


class MqttIngestor:
    def __init__(self, host="127.0.0.1", port=1883, *, client_id="yunjiao-location-ingest", topic=TOPIC,
                 username=None, password=None, session_expiry_s: int = SESSION_EXPIRY_S):
        self.host, self.port, self.topic = host, port, topic
        self.session_expiry_s = session_expiry_s
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                                  manual_ack=True)
        if username:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.stats = {"messages": 0, "accepted": 0, "duplicates": 0, "rejected": 0, "errors": 0}
        self.last_message_at = time.monotonic()
        self.subscribed = False

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("MQTT connect failed: %s", reason_code)
            return
        client.subscribe(self.topic, qos=1)
        self.subscribed = True

    def _on_message(self, client, userdata, msg):
        self.last_message_at = time.monotonic()
        self.stats["messages"] += 1
        try:
            device_id, fixes = parse_message(msg.topic, msg.payload)
        except (ValueError, UnicodeDecodeError) as exc:
            log.warning("dropping malformed location message on %s: %s", msg.topic, exc)
            self.stats["errors"] += 1
            client.ack(msg.mid, msg.qos)  # malformed forever: acknowledging avoids endless redelivery
            return
        try:
            result = services.ingest_fixes(fixes, actor=SYSTEM, only_device=device_id)
        except Exception:  # noqa: BLE001 - not acknowledged: the broker redelivers after reconnect
            log.exception("location ingestion failed; message left unacknowledged")
            self.stats["errors"] += 1
            return
        self.stats["accepted"] += result.accepted
        self.stats["duplicates"] += result.duplicates
        self.stats["rejected"] += len(result.rejected)
        client.ack(msg.mid, msg.qos)

    def connect(self):
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.session_expiry_s
        self.client.connect(self.host, self.port, keepalive=30, clean_start=False, properties=props)

    def run(self, *, idle_exit: float | None = None, max_seconds: float | None = None):
        """Blocking loop; reconnects after broker restarts.  ``idle_exit``: stop after that many seconds
        without a message (tests, batch catch-up); ``max_seconds``: stop after that long."""
        self.connect()
        start = time.monotonic()
        self.last_message_at = start
        try:
            while True:
                rc = self.client.loop(timeout=0.2)
                if rc != mqtt.MQTT_ERR_SUCCESS:
                    time.sleep(0.5)
                    try:
                        self.client.reconnect()
                    except OSError:
                        pass
                now = time.monotonic()
                if idle_exit is not None and now - self.last_message_at > idle_exit:
                    break
                if max_seconds is not None and now - start > max_seconds:
                    break
        finally:
            self.client.disconnect()
        return self.stats
