"""manage.py import_boundaries FILE.geojson [--source TEXT] — load county/city polygons keyed by adcode
(WGS-84).  A changed polygon becomes a new version; alerts keep the version they were judged against."""

import json

from django.core.management.base import BaseCommand, CommandError

from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import ServiceError
from yunjiao.geo.services import import_boundaries


class Command(BaseCommand):
    help = "导入行政区划边界（GeoJSON，WGS-84，按 adcode）；边界变化时生成新版本"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", default="", help="provenance text stored with each version")

    def handle(self, *args, **opts):
        try:
            with open(opts["file"], encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取 {opts['file']}：{exc}")
        try:
            result = import_boundaries(doc, actor=SYSTEM, source=opts["source"] or opts["file"])
        except ServiceError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"新版本 {len(result['created'])} 个：{', '.join(result['created']) or '无'}；"
                          f"未变化 {len(result['unchanged'])} 个")
