"""manage.py geofence_eval FILE.jsonl — replay labelled trajectories through the real geofence engine and
print precision, recall and time-to-alert.  ``--set name=value`` overrides a GeofenceSettings field."""

import dataclasses
import time

from django.core.management.base import BaseCommand, CommandError

from yunjiao.geo.evaluation import evaluate
from yunjiao.geo.rules import GeofenceSettings


def parse_overrides(pairs):
    fields = {f.name: f for f in dataclasses.fields(GeofenceSettings)}
    out = {}
    for pair in pairs or []:
        name, _, value = pair.partition("=")
        if name not in fields:
            raise CommandError(f"未知的参数 {name}；可用：{', '.join(fields)}")
        typ = type(getattr(GeofenceSettings(), name))
        out[name] = (value.lower() in ("1", "true", "yes")) if typ is bool else typ(value)
    return GeofenceSettings(**out)


class Command(BaseCommand):
    requires_system_checks = []  # pure computation: no database, no URL or API configuration involved
    help = "回放带真值标注的轨迹（JSONL），输出越界告警的精确率、召回率和告警时延"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override an engine setting")
        parser.add_argument("--batch", type=int, default=12, help="fixes per simulated upload")

    def handle(self, *args, **opts):
        settings = parse_overrides(opts["set"])
        try:
            with open(opts["file"], encoding="utf-8") as fh:
                lines = fh.readlines()
        except OSError as exc:
            raise CommandError(f"无法读取 {opts['file']}：{exc}")
        t0 = time.perf_counter()
        res = evaluate(lines, settings, batch=opts["batch"])
        self.stdout.write(res.summary())
        self.stdout.write(f"replayed in {time.perf_counter() - t0:.1f} s")
