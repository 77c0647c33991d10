"""manage.py plan_checks [--date YYYY-MM-DD] [--days N]: plan scheduled checks (idempotent per day)."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yunjiao.checkins import tasks_services
from yunjiao.core.actors import SYSTEM


class Command(BaseCommand):
    help = "按管理等级生成某日的定时核查任务（可重复运行，不会重复生成）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--days", type=int, default=1, help="从该日起连续生成的天数")

    def handle(self, *args, **opts):
        try:
            day = date.fromisoformat(opts["date"]) if opts["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("日期格式应为 YYYY-MM-DD。")
        if not 1 <= opts["days"] <= 31:
            raise CommandError("天数应在 1～31 之间。")
        for i in range(opts["days"]):
            r = tasks_services.plan_day(day + timedelta(days=i), actor=SYSTEM)
            self.stdout.write(f"{r.day}: 对象 {r.subjects} 名，新建 {r.created} 条（其中外出核查 {r.leave} 条），"
                              f"已存在 {r.existing} 条，已过时未生成 {r.skipped_past} 条；"
                              f"{r.not_enrolled} 名对象未登记人脸，未安排")
