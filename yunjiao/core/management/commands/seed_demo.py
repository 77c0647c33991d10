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
PORTAL_USERNAME = "duixiang"  # the supervised person's phone pages (/m/)

COUNTY_USERNAMES = {
    "370811": "rencheng", "370812": "yanzhou", "370826": "weishan", "370827": "yutai", "370828": "jinxiang",
    "370829": "jiaxiang", "370830": "wenshang", "370831": "sishui", "370832": "liangshan", "370881": "qufu",
    "370883": "zoucheng",
}
# A few township officers with memorable names for the README; all others are so_<division code>.
NAMED_TOWNSHIP_USERS = {"370811002": "xuzhuang", "370811005": "liying"}
# A 辅助人员 of 许庄 with a valid 辅助工作证 but no enforcement rights (only assists and co-signs).
AUXILIARY_USERNAME = "fz_370811002"


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
    users.append((AUXILIARY_USERNAME, "许庄辅助人员", Role.TOWNSHIP_OFFICER, "370811002"))
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
        if not no_users:
            certified = self._staff()
            portal = self._portal()
            self.stdout.write(f"已为 {certified} 名演示工作人员办理工作证件；手机端演示账号：{portal}")

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

    def _staff(self) -> int:
        """Work certificates the real way (申领 → 县级审核 → 市局审批 → 省厅备案 → 制发), each step by the office that
        does it: the county's 矫正科 (`<county>_officer`) files the profile and the application of its county and
        township staff, the county head reviews (the 矫正科 reviews the head's own application), `city_admin`
        approves, files with the province and issues.  The city's own staff apply through `city_admin`; there is
        no county above them, so their county step is recorded as done by the system.

        Enforcement cards (公务员) for every county head and officer, the city officers and the two named township
        officers.  The 许庄 辅助人员 gets a valid 辅助工作证 through the same steps and still may not enforce, and
        the 许庄 social worker has a 社工 profile without a card: enforcement buttons tell them why they are
        disabled."""
        users = {u.username: u for u in User.objects.select_related("org", "org__parent")}
        wanted = [(name, "civil_servant") for name in ("city_admin", "city_officer", *NAMED_TOWNSHIP_USERS.values())]
        for slug in COUNTY_USERNAMES.values():
            wanted += [(f"{slug}_head", "civil_servant"), (f"{slug}_officer", "civil_servant")]
        wanted.append((AUXILIARY_USERNAME, "auxiliary"))
        done = sum(self._certify(users, username, establishment) for username, establishment in wanted)
        self._certify(users, "sg_370811002", "social_worker", apply=False)  # a profile, no card
        return done

    @transaction.atomic
    def _certify(self, users: dict, username: str, establishment: str, *, apply: bool = True) -> bool:
        from yunjiao.staff import rules as staff_rules
        from yunjiao.staff import services as staff
        from yunjiao.staff.models import StaffProfile

        user = users.get(username)
        if user is None or StaffProfile.objects.filter(user=user).exists():
            return False
        city_admin = users["city_admin"]
        county = user.org if user.org.level == OrgLevel.COUNTY else (
            user.org.parent if user.org.level == OrgLevel.TOWNSHIP else None)
        slug = COUNTY_USERNAMES.get(county.code, "") if county else ""
        clerk = users.get(f"{slug}_officer") or city_admin      # files the profile and the application
        reviewer = users.get(f"{slug}_head") if county else None
        if reviewer is not None and reviewer.pk == user.pk:
            reviewer = users.get(f"{slug}_officer")             # the head's own application
        if reviewer is None or reviewer.pk == user.pk:
            reviewer = SYSTEM                                   # city staff: no county above them
        position = {"auxiliary": "社区矫正辅助人员", "social_worker": "社区矫正社会工作者"}.get(
            establishment, "负责人" if username.endswith("_head") else "社区矫正工作人员")
        profile = staff.save_profile(user, actor=clerk, establishment=establishment, position=position)
        if not apply:
            return False
        cert = staff.apply_certificate(profile, actor=clerk, reason="演示数据：新申领"
                                       f"{staff_rules.CARD_TYPE_LABELS[staff_rules.card_type_for(establishment)]}")
        cert = staff.act_on_certificate(cert, "county_review", actor=reviewer)
        for action in ("city_approve", "file", "activate"):
            cert = staff.act_on_certificate(cert, action, actor=city_admin)
        return True

    def _portal(self) -> str:
        """A phone (portal) account for one 许庄 subject, with a point-to-point check ordered by the township, so a
        visitor sees the supervised person's pages (today's task, messages, courses, history)."""
        from yunjiao.accounts.services import create_portal_account
        from yunjiao.checkins.tasks_services import order_checks

        if User.objects.filter(username=PORTAL_USERNAME).exists():
            return PORTAL_USERNAME
        subject = (Subject.objects.filter(township__code="370811002", status="in_correction").order_by("pk").first()
                   or Subject.objects.filter(township__code="370811002").order_by("pk").first())
        if subject is None:
            return "（无）"
        create_portal_account(actor=SYSTEM, subject=subject, username=PORTAL_USERNAME, password=DEMO_PASSWORD)
        officer = User.objects.filter(username="xuzhuang").first()
        if officer is not None and subject.status == "in_correction":
            order_checks([subject], actor=officer, minutes=240, reason="演示：点对点抽查")
        return f"{PORTAL_USERNAME}（{subject.name}）"
