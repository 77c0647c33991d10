"""The fixed test cast (healthchecks-style): every scoping test is one line.

    city 济宁市司法局
    ├── county A 任城区司法局 ── town A1 许庄街道司法所, town A2 李营街道司法所
    └── county B 兖州区司法局 ── town B1 (first township of 兖州区)

officer_b1 must never see subject_a1; county_a_officer sees subject_a1 and subject_a2 but not subject_b1;
city users see all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from yunjiao.accounts.models import Role, User
from yunjiao.orgs.models import Org
from yunjiao.orgs.services import load_jining_orgs
from yunjiao.subjects import choices as c
from yunjiao.subjects.models import Subject
from yunjiao.subjects.rules import id_check_digit, pinyin_full, pinyin_initials

PASSWORD = "Yunjiao#2026test"

_SEQ = iter(range(1, 10**9))


def make_id_number(*, region: str = "370811", born: date = date(1990, 1, 1), sex: str = "male",
                   serial: int | None = None) -> str:
    serial = serial if serial is not None else next(_SEQ) % 500
    body = f"{region}{born:%Y%m%d}{serial % 100:02d}{(serial % 5) * 2 + (1 if sex == 'male' else 0)}"
    return body + id_check_digit(body)


def make_user(username: str, role: str, org: Org | None = None, **extra) -> User:
    user = User(username=username, role=role, org=org, display_name=extra.pop("display_name", username), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_subject(org: Org, *, name: str = "张三", status: str = c.Status.IN_CORRECTION, **fields) -> Subject:
    """Create a subject directly (test data only: real writes go through subjects.services)."""
    township = org if org.level == "township" else None
    county = org.parent if township else org
    sex = fields.pop("sex", c.Sex.MALE)
    born = fields.pop("birth_date", date(1990, 5, 17))
    id_number = fields.pop("id_number", None) or make_id_number(region=county.code, born=born, sex=sex)
    phone = fields.pop("phone", "13800000000")
    defaults = dict(
        name=name, sex=sex, birth_date=born, category=c.Category.PROBATION, charges="盗窃罪",
        deciding_authority=f"{county.division_name}人民法院", period_start=date(2026, 3, 1),
        period_end=date(2027, 9, 1), execution_org=county, township=township, org_path=org.path,
        status=status, number=f"T{next(_SEQ):08d}",
        name_initials=pinyin_initials(name), name_pinyin=pinyin_full(name),
    )
    defaults.update(fields)
    subject = Subject(**defaults)
    subject.set_id_number(id_number)
    subject.set_phone(phone)
    subject.set_residence_address(f"{org.division_name or org.name}某某路1号")
    subject.save()
    return subject


@dataclass
class Cast:
    city: Org
    county_a: Org
    county_b: Org
    town_a1: Org
    town_a2: Org
    town_b1: Org
    city_admin: User
    city_officer: User
    county_a_head: User
    county_a_officer: User
    county_b_officer: User
    officer_a1: User
    officer_a2: User
    officer_b1: User
    social_worker_a1: User
    police_a: User
    subject_a1: Subject
    subject_a2: Subject
    subject_b1: Subject
    portal_a1: User

    @property
    def officers(self) -> list[User]:
        return [self.city_admin, self.city_officer, self.county_a_head, self.county_a_officer,
                self.county_b_officer, self.officer_a1, self.officer_a2, self.officer_b1, self.social_worker_a1]


def grant_certificates(users, *, establishment: str = "civil_servant") -> None:
    """Test data only: give officers a staff profile and an active work certificate in two bulk inserts, so
    enforcement transitions (宣告, searches, sanction decisions) are allowed.  Gating tests withhold one."""
    import secrets

    from yunjiao.staff.models import StaffProfile, WorkCertificate
    from yunjiao.staff.rules import card_type_for

    profiles = StaffProfile.objects.bulk_create([
        StaffProfile(user=u, name=u.display_name or u.username, establishment=establishment, org=u.org,
                     org_path=u.org.path) for u in users])
    WorkCertificate.objects.bulk_create([
        WorkCertificate(profile=p, card_type=card_type_for(establishment), number=f"测{p.user_id:06d}",
                        token=secrets.token_hex(8), status="active", org=p.org, org_path=p.org_path)
        for p in profiles])


def build_cast() -> Cast:
    load_jining_orgs()
    org = {o.code: o for o in Org.objects.filter(code__in=["370800", "370811", "370812", "370811002",
                                                             "370811005"])}
    county_b = org["370812"]
    town_b1 = Org.objects.filter(parent=county_b).order_by("code").first()
    city, county_a = org["370800"], org["370811"]
    town_a1, town_a2 = org["370811002"], org["370811005"]
    subject_a1 = make_subject(town_a1, name="李明", sex=c.Sex.MALE)
    subject_a2 = make_subject(town_a2, name="王芳", sex=c.Sex.FEMALE, birth_date=date(1985, 8, 9))
    subject_b1 = make_subject(town_b1, name="赵强", category=c.Category.PAROLE)
    cast = Cast(
        city=city, county_a=county_a, county_b=county_b, town_a1=town_a1, town_a2=town_a2, town_b1=town_b1,
        city_admin=make_user("city_admin", Role.CITY_ADMIN, city, display_name="市局管理员"),
        city_officer=make_user("city_officer", Role.CITY_OFFICER, city, display_name="市局科员"),
        county_a_head=make_user("county_a_head", Role.COUNTY_HEAD, county_a, display_name="任城区局长"),
        county_a_officer=make_user("county_a_officer", Role.COUNTY_OFFICER, county_a, display_name="任城矫正科"),
        county_b_officer=make_user("county_b_officer", Role.COUNTY_OFFICER, county_b, display_name="兖州矫正科"),
        officer_a1=make_user("officer_a1", Role.TOWNSHIP_OFFICER, town_a1, display_name="许庄所员"),
        officer_a2=make_user("officer_a2", Role.TOWNSHIP_OFFICER, town_a2, display_name="李营所员"),
        officer_b1=make_user("officer_b1", Role.TOWNSHIP_OFFICER, town_b1, display_name="兖州所员"),
        social_worker_a1=make_user("social_worker_a1", Role.SOCIAL_WORKER, town_a1, display_name="许庄社工"),
        police_a=make_user("police_a", Role.POLICE_LIAISON, county_a, display_name="任城联络室民警"),
        subject_a1=subject_a1, subject_a2=subject_a2, subject_b1=subject_b1,
        portal_a1=make_user("portal_a1", Role.SUBJECT, town_a1, subject=subject_a1, display_name="李明"),
    )
    # Civil-servant officers hold active work certificates (持证上岗); the social worker does not enforce.
    grant_certificates([u for u in cast.officers if u.role != Role.SOCIAL_WORKER])
    return cast


def login(client, user) -> None:
    client.force_login(user)


def assert_hidden(client, user, url: str) -> None:
    """`user` gets 404 for `url` (out of scope objects do not exist for them)."""
    client.force_login(user)
    status = client.get(url).status_code
    assert status == 404, f"{user.username} should get 404 for {url}, got {status}"


def assert_visible(client, user, url: str) -> None:
    client.force_login(user)
    status = client.get(url).status_code
    assert status == 200, f"{user.username} should get 200 for {url}, got {status}"
