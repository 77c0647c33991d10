"""Write docs/workflows/<process>.mmd and .svg from the process declarations (make diagrams)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from yunjiao.workflows.diagrams import write_all


class Command(BaseCommand):
    requires_system_checks: list = []  # a documentation generator: no database, no checks
    help = "从流程声明生成 docs/workflows/ 下的 Mermaid 和 SVG 流程图"

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "workflows"))

    def handle(self, *args, out, **options):
        for path in write_all(Path(out)):
            self.stdout.write(str(path))
