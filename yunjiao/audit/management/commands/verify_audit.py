from django.core.management.base import BaseCommand

from yunjiao.audit.services import verify_chain


class Command(BaseCommand):
    help = "校验审计哈希链 (SM3)，报告第一处断裂。Verify the audit hash chain; exit 1 at the first broken link."

    def handle(self, *args, **options):
        broken, count = verify_chain()
        if broken is None:
            self.stdout.write(self.style.SUCCESS(f"审计链完整：共校验 {count} 条记录。"))
            return
        self.stdout.write(self.style.ERROR(
            f"审计链断裂：第 {broken.seq} 号记录 (id={broken.pk})：{broken.reason}"))
        raise SystemExit(1)
