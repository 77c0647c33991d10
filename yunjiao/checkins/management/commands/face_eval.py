"""manage.py face_eval DIR — AUC, FAR/FRR at the configured thresholds, threshold for FAR ≤ 0.1 %."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yunjiao.checkins.face.config import get_config
from yunjiao.checkins.face.evaluation import evaluate, read_labels


class Command(BaseCommand):
    help = "评估人脸比对误识率：DIR 中的 CSV（列 file,person）列出照片；跳过 DUPLICATE/MULTI/SPOOF/VIDEO 行。"

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--csv", default=None, help="标注文件名（默认：DIR 中第一个 .csv）")
        parser.add_argument("--far", type=float, default=0.001, help="目标误识率（默认 0.001 = 0.1%%）")

    def handle(self, directory, csv=None, far=0.001, **options):
        cfg = get_config()
        try:
            rows = read_labels(Path(directory), csv)
        except FileNotFoundError as exc:
            raise CommandError(str(exc))
        r = evaluate(rows, cfg, far_target=far)
        if r.genuine_pairs == 0 or r.impostor_pairs == 0:
            raise CommandError("同人或异人照片对为 0，无法评估（每人至少需要 2 张照片，且至少 2 人）。")
        w = self.stdout.write
        w(f"images: {r.images} ({r.people} people), skipped: {len(r.skipped)}")
        for name, why in r.skipped:
            w(f"  skipped {name}: {why}")
        w(
            f"pairs: {r.genuine_pairs} genuine, {r.impostor_pairs} impostor (FAR resolution {r.far_resolution:.4%})"
        )
        w(f"AUC: {r.auc:.4f}")
        w(f"genuine min: {r.genuine_min:.3f}, impostor max: {r.impostor_max:.3f}")
        w(f"accept threshold {cfg.accept_threshold:.3f}: FAR {r.far_accept:.3%}, FRR {r.frr_accept:.3%}")
        w(
            f"review threshold {cfg.review_threshold:.3f} (pass or review): "
            f"FAR {r.far_review:.3%}, FRR {r.frr_review:.3%}"
        )
        w(f"threshold for FAR <= {far:.2%}: {r.threshold_far_0_1:.3f} (FRR there {r.frr_at_far_0_1:.3%})")
        if r.far_resolution > far:
            w(
                f"note: {r.impostor_pairs} impostor pairs cannot resolve FAR {far:.2%}; the threshold above is just "
                "over the highest impostor score (FAR 0 on this set). Re-check on a larger set."
            )
