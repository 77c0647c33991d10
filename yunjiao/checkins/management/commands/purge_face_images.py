"""manage.py purge_face_images — delete encrypted face images no enrolment or check-in refers to."""

from django.core.management.base import BaseCommand

from yunjiao.checkins.review_services import purge_orphan_images


class Command(BaseCommand):
    help = "清理无对应登记/核查记录的人脸图像（事务回滚后遗留的加密文件）；默认只处理 1 小时前的文件。"

    def add_arguments(self, parser):
        parser.add_argument("--min-age", type=int, default=3600, help="只处理早于此秒数的文件（默认 3600）")
        parser.add_argument("--dry-run", action="store_true", help="只列出，不删除")

    def handle(self, min_age=3600, dry_run=False, **options):
        removed = purge_orphan_images(min_age_seconds=min_age, dry_run=dry_run)
        for name in removed:
            self.stdout.write(name)
        self.stdout.write(f"{'将删除' if dry_run else '已删除'} {len(removed)} 个文件")
