from django.core.management.base import BaseCommand

from yunjiao.orgs.services import load_jining_orgs


class Command(BaseCommand):
    help = "载入济宁市机构树（市司法局、11个县市区司法局及其司法所）。可重复执行。"

    def handle(self, *args, **options):
        created = load_jining_orgs()
        self.stdout.write(self.style.SUCCESS(f"机构树已就绪，本次新增 {created} 个机构。"))
