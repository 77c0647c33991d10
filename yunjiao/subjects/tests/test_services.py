"""Creating and editing records: validation, encryption, audit, nothing stored on bad input."""

from datetime import date

import pytest

from yunjiao.audit.models import AuditRecord
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError
from yunjiao.core.testing import make_id_number
from yunjiao.subjects import services
from yunjiao.subjects.models import Subject

pytestmark = pytest.mark.django_db


def valid_data(**over):
    data = dict(name="孙立新", sex="male", birth_date=date(1988, 3, 4), category="probation", charges="危险驾驶罪",
                deciding_authority="济宁市任城区人民法院", period_start=date(2026, 6, 1), period_end=date(2027, 6, 1),
                id_number=make_id_number(region="370811", born=date(1988, 3, 4), sex="male", serial=7),
                phone="13905370001", residence_address="任城区许庄街道建设路1号", household_address="")
    data.update(over)
    return data


def test_create_encrypts_and_indexes(cast):
    s = services.create_subject(actor=cast.officer_a1, data=valid_data(), township=cast.town_a1)
    raw = Subject.objects.values("id_number_enc", "phone_enc", "residence_address_enc").get(pk=s.pk)
    assert "370811" not in raw["id_number_enc"] and "1390537" not in raw["phone_enc"]
    assert "建设路" not in raw["residence_address_enc"]
    assert s.id_number_masked.startswith("3708") and "*" in s.id_number_masked
    assert s.name_initials == "slx" and s.org_path == cast.town_a1.path
    assert list(services.find_by_id_number(actor=cast.officer_a1, id_number=valid_data()["id_number"])) == [s]
    assert list(services.find_by_id_number(actor=cast.officer_b1, id_number=valid_data()["id_number"])) == []
    assert AuditRecord.objects.filter(object_type="subjects.Subject", object_id=str(s.pk), action="create").exists()
    assert s.number.startswith("3708112026")


@pytest.mark.parametrize("over,field", [
    ({"id_number": "37081119880304007"}, "id_number"),  # 17 digits
    ({"id_number": "370811198803040071"}, "id_number"),  # wrong check digit (correct one computed below)
    ({"sex": "female"}, "id_number"),  # sex inconsistent with the number
    ({"period_end": date(2026, 1, 1)}, "period_end"),
    ({"name": "张三'; DROP TABLE subjects_subject;--"}, "name"),
    ({"charges": "<script>alert(1)</script>"}, "charges"),
    ({"residence_address": "<img src=x onerror=alert(1)>"}, "residence_address"),
    ({"phone": "12345"}, "phone"),
    ({"category": "temporary_release"}, "temporary_release_type"),
])
def test_bad_input_is_refused_and_nothing_stored(cast, over, field):
    before = Subject.objects.count()
    audit_before = AuditRecord.objects.count()
    data = valid_data(**over)
    if field == "id_number" and over.get("id_number", "").startswith("370811198803040071"):
        good = make_id_number(region="370811", born=date(1988, 3, 4), sex="male", serial=7)
        data["id_number"] = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ServiceError) as exc:
        services.create_subject(actor=cast.officer_a1, data=data, township=cast.town_a1)
    assert field in exc.value.field_errors, exc.value.field_errors
    assert all("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message[:2])  # message is Chinese
    assert Subject.objects.count() == before and AuditRecord.objects.count() == audit_before


def test_township_officer_cannot_create_in_another_township(cast):
    with pytest.raises(NotAllowed):
        services.create_subject(actor=cast.officer_a1, data=valid_data(), township=cast.town_b1)


def test_social_worker_and_police_cannot_write(cast):
    for user in (cast.social_worker_a1, cast.police_a):
        with pytest.raises(NotAllowed):
            services.create_subject(actor=user, data=valid_data(), township=cast.town_a1)


def test_duplicate_id_number_of_active_subject_refused(cast):
    services.create_subject(actor=cast.officer_a1, data=valid_data(), township=cast.town_a1)
    with pytest.raises(ServiceError) as exc:
        services.create_subject(actor=cast.officer_a1, data=valid_data(), township=cast.town_a1)
    assert "已有在册" in exc.value.field_errors["id_number"][0]


def test_update_audits_diff_and_checks_version(cast):
    s = cast.subject_a1
    updated = services.update_subject(s, actor=cast.officer_a1, data={"charges": "诈骗罪"}, expected_version=1)
    assert updated.version == 2 and updated.charges == "诈骗罪"
    row = AuditRecord.objects.filter(object_id=str(s.pk), action="update").latest("seq")
    assert row.before == {"charges": "盗窃罪"} and row.after == {"charges": "诈骗罪"}
    with pytest.raises(Conflict):
        services.update_subject(s, actor=cast.officer_a1, data={"charges": "抢夺罪"}, expected_version=1)


def test_update_cannot_move_subject_to_another_county(cast):
    with pytest.raises(ServiceError):
        services.update_subject(cast.subject_a1, actor=cast.city_admin, data={}, township=cast.town_b1)
    cast.subject_a1.refresh_from_db()
    assert cast.subject_a1.execution_org == cast.county_a


def test_county_officer_can_reassign_township_within_county(cast):
    s = services.update_subject(cast.subject_a1, actor=cast.county_a_officer, data={}, township=cast.town_a2)
    assert s.org_path == cast.town_a2.path


def test_township_officer_cannot_push_subject_out_of_own_scope(cast):
    with pytest.raises(NotAllowed):
        services.update_subject(cast.subject_a1, actor=cast.officer_a1, data={}, township=cast.town_a2)
    cast.subject_a1.refresh_from_db()
    assert cast.subject_a1.township == cast.town_a1


def test_search_by_initials_name_number_and_id(cast):
    qs = Subject.objects.visible_to(cast.city_admin)
    assert list(services.search(qs, "LM")) == [cast.subject_a1]  # 李明
    assert list(services.search(qs, "王")) == [cast.subject_a2]
    assert list(services.search(qs, cast.subject_b1.id_number)) == [cast.subject_b1]
    assert list(services.search(qs, cast.subject_b1.number[:9]))


def test_family_and_team_members(cast):
    m = services.add_family_member(cast.subject_a1, actor=cast.officer_a1, name="李父", relation="父亲",
                                   phone="13900001111")
    assert m.phone_masked == "139****1111" and m.phone == "13900001111"
    with pytest.raises(NotAllowed):
        services.add_team_member(cast.subject_a1, actor=cast.officer_b1, name="某人", sex="male", role="volunteer")
    with pytest.raises(ServiceError):
        services.add_family_member(cast.subject_a1, actor=cast.officer_a1, name="<b>x</b>", relation="父亲")
