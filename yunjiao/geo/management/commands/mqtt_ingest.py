"""manage.py mqtt_ingest — consume location fixes from MQTT (topic yunjiao/devices/+/location, QoS 1)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from yunjiao.geo.mqtt import TOPIC, MqttIngestor


class Command(BaseCommand):
    help = "从 MQTT 接收定位点（主题 yunjiao/devices/+/location，QoS 1，持久会话）"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=getattr(settings, "MQTT_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=getattr(settings, "MQTT_PORT", 1883))
        parser.add_argument("--client-id", default="yunjiao-location-ingest")
        parser.add_argument("--topic", default=TOPIC)
        parser.add_argument("--idle-exit", type=float, default=None, help="stop after N seconds without messages")
        parser.add_argument("--max-seconds", type=float, default=None)

    def handle(self, *args, **opts):
        ingestor = MqttIngestor(opts["host"], opts["port"], client_id=opts["client_id"], topic=opts["topic"],
                                username=getattr(settings, "MQTT_USERNAME", None) or None,
                                password=getattr(settings, "MQTT_PASSWORD", None) or None)
        stats = ingestor.run(idle_exit=opts["idle_exit"], max_seconds=opts["max_seconds"])
        self.stdout.write(f"MQTT 接收结束：{stats}")
