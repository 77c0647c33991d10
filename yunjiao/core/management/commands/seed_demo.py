"""`manage.py seed_demo --subjects N --seed S`: the org tree, demo officers and synthetic subjects."""

from __future__ import annotations

import random

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from yunjiao.accounts.models import Role, User
from yunjiao.core.actors import SYSTEM
from yunjiao.orgs.models import Org, OrgLevel
from yunjiao.orgs.services import load_jining_orgs
from yunjiao.subjects.demo import demo_subject
from yunjiao.subjects.models import Subject
from yunjiao.subjects.services import import_subjects

DEMO_PASSWORD = "Yunjiao@2026"

COUNTY_USERNAMES = {
    "370811": "rencheng", "370812": "yanzhou", "370826": "weishan", "370827": "yutai", "370828": "jinxiang",
    "370829": "jiaxiang", "370830": "wenshang", "370831": "sishui", "370832": "liangshan", "370881": "qufu",
    "370883": "zoucheng",
}
# A few township officers with memorable names for the README; all others are so_<division code>.
NAMED_TOWNSHIP_USERS = {"370811002": "xuzhuang", "370811005": "liying"}


def demo_users() -> list[tuple[str, str, str, str]]:
    """(username, display name, role, org code)."""
    users = [("city_admin", "市局管理员", Role.CITY_ADMIN, "370800"),
             ("city_officer", "市局社区矫正科", Role.CITY_OFFICER, "370800")]
    for code, slug in COUNTY_USERNAMES.items():
        users += [(f"{slug}_head", f"{slug}局负责人", Role.COUNTY_HEAD, code),
                  (f"{slug}_officer", f"{slug}矫正科", Role.COUNTY_OFFICER, code),
                  (f"{slug}_police", f"{slug}警务联络室", Role.POLICE_LIAISON, code)]
    for org in Org.objects.filter(level=OrgLevel.TOWNSHIP).order_by("code"):
        name = NAMED_TOWNSHIP_USERS.get(org.code) or f"so_{org.code}"
        users.append((name, f"{org.division_name}司法所", Role.TOWNSHIP_OFFICER, org.code))
    users.append(("sg_370811002", "许庄社工", Role.SOCIAL_WORKER, "370811002"))
    return users


class Command(BaseCommand):
    help = "生成演示数据：济宁市机构树、各机构演示账号（密码见 README）和虚构的矫正对象。"

    def add_arguments(self, parser):
        parser.add_argument("--subjects", type=int, default=300, help="矫正对象人数")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（相同种子生成相同数据）")
        parser.add_argument("--if-empty", action="store_true", help="已有矫正对象时跳过（make run 使用）")
        parser.add_argument("--no-users", action="store_true", help="不创建演示账号")

    def handle(self, *args, subjects, seed, if_empty, no_users, **options):
        load_jining_orgs()
        if if_empty and Subject.objects.exists():
            self.stdout.write("已有数据，跳过演示数据生成。")
            return
        if not no_users:
            self._users()
        rng = random.Random(seed)
        townships = list(Org.objects.filter(level=OrgLevel.TOWNSHIP).select_related("parent").order_by("code"))
        today = timezone.localdate()
        # Some townships are busier: weight by a stable random factor.
        weights = [rng.uniform(0.5, 2.0) for _ in townships]
        rows = []
        for _ in range(subjects):
            township = rng.choices(townships, weights=weights)[0]
            rows.append((demo_subject(rng, township, today=today), township))
        # Make the named demo township always have subjects.
        xuzhuang = next(t for t in townships if t.code == "370811002")
        for _ in range(min(12, subjects)):
            rows.append((demo_subject(rng, xuzhuang, today=today), xuzhuang))
        created = import_subjects(rows, actor=SYSTEM)
        self.stdout.write(self.style.SUCCESS(f"已生成 {created} 名虚构矫正对象。演示账号密码：{DEMO_PASSWORD}"))

    @transaction.atomic
    def _users(self):
        orgs = {o.code: o for o in Org.objects.all()}
        existing = set(User.objects.values_list("username", flat=True))
        new = []
        # One hash for all demo accounts (same documented password): hashing ~200 times would take minutes.
        hashed = make_password(DEMO_PASSWORD)
        for username, display, role, code in demo_users():
            if username in existing:
                continue
            u = User(username=username, display_name=display, role=role, org=orgs[code])
            u.password = hashed
            new.append(u)
        User.objects.bulk_create(new)
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", password=DEMO_PASSWORD, display_name="系统管理员",
                                          role=Role.CITY_ADMIN, org=orgs["370800"])
        from yunjiao.audit import services as audit

        audit.record(SYSTEM, "create", None, summary=f"创建演示账号 {len(new)} 个", org_path="370800")
