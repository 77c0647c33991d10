"""manage.py geofence_synth OUT.jsonl [--subjects 300] [--seed 1] — write the deterministic synthetic
development set (trajectories + ground truth) used by geofence_eval."""

from django.core.management.base import BaseCommand

from yunjiao.geo.synth import write_jsonl


class Command(BaseCommand):
    requires_system_checks = []  # pure computation: no database, no URL or API configuration involved
    help = "生成带真值标注的合成轨迹（JSONL，固定随机种子，可复现）"

    def add_arguments(self, parser):
        parser.add_argument("out")
        parser.add_argument("--subjects", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **opts):
        with open(opts["out"], "w", encoding="utf-8") as fh:
            counts = write_jsonl(fh, opts["subjects"], seed=opts["seed"])
        self.stdout.write(f"wrote {opts['out']}: {counts}")
