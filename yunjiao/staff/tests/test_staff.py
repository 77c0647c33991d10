"""Staff profiles, certificates (process, gating, public verification page), squads, team membership, training."""

from datetime import date

import pytest
from django.urls import reverse

from yunjiao.audit.models import AuditRecord
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.testing import assert_hidden, assert_visible
from yunjiao.staff import services
from yunjiao.staff.models import WorkCertificate
from yunjiao.subjects import services as subject_services

pytestmark = pytest.mark.django_db


def _active_cert(cast, user=None, establishment="civil_servant"):
    user = user or cast.officer_a1
    profile = services.save_profile(user, actor=cast.county_a_officer, establishment=establishment, position="所长")
    cert = services.apply_certificate(profile, actor=cast.county_a_officer)
    services.act_on_certificate(cert, "county_review", actor=cast.county_a_head)
    services.act_on_certificate(cert, "city_approve", actor=cast.city_admin)
    services.act_on_certificate(cert, "file", actor=cast.city_admin, reason="已报省厅备案")
    return services.act_on_certificate(cert, "activate", actor=cast.city_admin)


def test_full_process_numbers_and_audits(cast):
    cert = _active_cert(cast)
    assert cert.status == "active" and cert.number.startswith("鲁矫执3708")
    assert [h["action"] for h in cert.history] == ["apply", "county_review", "city_approve", "file", "activate"]
    assert AuditRecord.objects.filter(object_type="staff.WorkCertificate", object_id=str(cert.pk)).count() == 5
    aux = _active_cert(cast, cast.social_worker_a1, "social_worker")
    assert aux.number.startswith("鲁矫辅3708") and aux.card_type == "auxiliary"


def test_steps_must_be_taken_by_the_right_level(cast):
    profile = services.save_profile(cast.officer_a1, actor=cast.county_a_officer, establishment="career")
    cert = services.apply_certificate(profile, actor=cast.county_a_officer)
    with pytest.raises(NotAllowed):
        services.act_on_certificate(cert, "county_review", actor=cast.county_b_officer)
    with pytest.raises(ServiceError, match="县级审核须由县"):
        services.act_on_certificate(cert, "county_review", actor=cast.officer_a1)
    cert = services.act_on_certificate(cert, "county_review", actor=cast.county_a_head)
    with pytest.raises(ServiceError, match="须由市司法局办理"):
        services.act_on_certificate(cert, "city_approve", actor=cast.county_a_head)
    with pytest.raises(ServiceError, match="不能重复申领"):
        services.apply_certificate(profile, actor=cast.county_a_officer)


def test_gating_withheld_refused_then_reinstated_allowed(cast):
    assert "尚未建立工作人员档案" in services.enforcement_reasons(cast.officer_a1)[0]
    cert = _active_cert(cast)
    assert services.enforcement_reasons(cast.officer_a1) == []
    services.act_on_certificate(cert, "withhold", actor=cast.county_a_officer, reason="违反亮证执法规定")
    reasons = services.enforcement_reasons(cast.officer_a1)
    assert reasons == ["您的工作证件已被暂扣，暂扣期间不能办理执法事项；证件发还后即可办理。"]
    services.act_on_certificate(cert, "reinstate", actor=cast.county_a_officer, reason="")
    assert services.enforcement_reasons(cast.officer_a1) == []


def test_auxiliary_may_only_cosign(cast):
    _active_cert(cast, cast.social_worker_a1, "auxiliary")
    reasons = services.enforcement_reasons(cast.social_worker_a1)
    assert reasons and "只能协助并会签" in reasons[0]
    assert services.may_cosign(cast.social_worker_a1)


def test_job_change_recalls_the_card(cast):
    cert = _active_cert(cast)
    services.save_profile(cast.officer_a1, actor=cast.county_a_officer, establishment="civil_servant",
                          org=cast.town_a2)
    cert.refresh_from_db()
    assert cert.status == "recalled"
    assert "没有社区矫正工作证件" in services.enforcement_reasons(cast.officer_a1)[0]


def test_public_verification_page_shows_only_the_listed_fields(cast, client):
    cert = _active_cert(cast)
    url = reverse("staff:verify", args=[cert.token])
    client.logout()
    page = client.get(url).content.decode()
    assert "许庄所员" in page and "许庄街道司法所" in page and "有效" in page
    for secret in ("所长", "civil_servant", "公务员", "officer_a1", cert.token, "办理记录"):
        assert secret not in page
    assert client.get(reverse("staff:verify", args=[cert.number])).status_code == 200
    services.act_on_certificate(cert, "withhold", actor=cast.county_a_officer, reason="调查中")
    assert "暂扣" in client.get(url).content.decode()
    services.act_on_certificate(cert, "cancel", actor=cast.city_admin, reason="离职")
    for key in (cert.token, cert.number, "鲁矫执370820269999"):
        page = client.get(reverse("staff:verify", args=[key])).content.decode()
        assert "无效" in page and "许庄所员" not in page and "许庄街道司法所" not in page


def test_verify_view_is_public_and_named(cast):
    from yunjiao.core.views import PublicView
    from yunjiao.staff.views import CertificateVerifyView

    assert issubclass(CertificateVerifyView, PublicView)


def test_qr_code_svg_and_png_offline(cast, client):
    cert = _active_cert(cast)
    client.force_login(cast.county_a_officer)
    page = client.get(reverse("staff:certificate", args=[cert.pk])).content.decode()
    assert "<svg" in page
    png = client.get(reverse("staff:certificate_qr", args=[cert.pk]))
    assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_certificate_and_profile_scoping(cast, client):
    cert = _active_cert(cast)
    assert_hidden(client, cast.officer_b1, reverse("staff:certificate", args=[cert.pk]))
    assert_hidden(client, cast.county_b_officer, reverse("staff:certificate_qr", args=[cert.pk]))
    assert_hidden(client, cast.officer_a2, reverse("staff:detail", args=[cert.profile.pk]))
    assert_visible(client, cast.county_a_officer, reverse("staff:detail", args=[cert.profile.pk]))


def test_certificate_page_action_posts(cast, client):
    profile = services.save_profile(cast.officer_a1, actor=cast.county_a_officer, establishment="career")
    client.force_login(cast.county_a_officer)
    client.post(reverse("staff:detail", args=[profile.pk]), {"action": "apply"})
    cert = WorkCertificate.objects.get()
    page = client.post(reverse("staff:certificate", args=[cert.pk]), {"action": "city_approve"}, follow=True)
    assert "不能执行" in page.content.decode()
    client.post(reverse("staff:certificate", args=[cert.pk]), {"action": "county_review", "version": cert.version})
    cert.refresh_from_db()
    assert cert.status == "county_reviewed"


def test_correction_team_membership_from_the_staff_side(cast, client):
    subject_services.add_team_member(cast.subject_a1, actor=cast.officer_a1, name="许庄所员", sex="male",
                                     role="staff", user=cast.officer_a1)
    profile = services.save_profile(cast.officer_a1, actor=cast.county_a_officer, establishment="career")
    assert list(services.team_subjects(cast.officer_a1, viewer=cast.county_a_officer)) == [cast.subject_a1]
    client.force_login(cast.county_a_officer)
    assert "李明" in client.get(reverse("staff:detail", args=[profile.pk])).content.decode()


def test_squads_managed_within_the_county(cast, client):
    squad = services.save_squad(actor=cast.county_a_head, org=cast.county_a, name="任城区执法一中队", kind="squad",
                                members=[cast.officer_a1, cast.officer_a2], subjects=[cast.subject_a1])
    assert set(squad.members.all()) == {cast.officer_a1, cast.officer_a2}
    with pytest.raises(ServiceError, match="不在"):
        services.save_squad(actor=cast.county_a_head, org=cast.county_a, name="x", kind="matrix",
                            members=[cast.officer_b1])
    with pytest.raises(NotAllowed):
        services.save_squad(actor=cast.officer_a1, org=cast.county_a, name="x", kind="matrix")
    assert list(services.squads_visible_to(cast.county_b_officer)) == []
    client.force_login(cast.county_a_officer)
    assert "任城区执法一中队" in client.get(reverse("staff:squads")).content.decode()
    client.force_login(cast.county_b_officer)
    assert "任城区执法一中队" not in client.get(reverse("staff:squads")).content.decode()


def test_training_person_times_per_person_and_org(cast, client):
    profiles = [services.save_profile(u, actor=cast.city_admin, establishment="career")
                for u in (cast.officer_a1, cast.officer_a2, cast.officer_b1)]
    t1 = services.create_training(actor=cast.city_admin, org=cast.city, title="全市社区矫正业务培训班（第一期）",
                                  start_date=date(2026, 4, 1), end_date=date(2026, 4, 3), hours=16,
                                  organiser="济宁市司法局", mode="invite_in")
    t2 = services.create_training(actor=cast.city_admin, org=cast.city, title="赴外地学习（第二期）",
                                  start_date=date(2026, 9, 1), end_date=date(2026, 9, 2), hours=8,
                                  organiser="济宁市司法局", mode="go_out")
    services.record_attendance(t1, profiles, actor=cast.city_admin)
    services.record_attendance(t1, profiles[:1], actor=cast.city_admin)  # repeated name merged
    services.record_attendance(t2, profiles[:2], actor=cast.city_admin)
    r = services.training_report(cast.city_admin, 2026)
    assert (r["person_times"], r["people"], r["hours"]) == (5, 3, 64)
    assert (r["invite_in"], r["go_out"]) == (1, 1)
    assert {o["profile__org__name"]: o["times"] for o in r["per_org"]} == {
        "许庄街道司法所": 2, "李营街道司法所": 2, cast.town_b1.name: 1}
    # a county sees its own people's trainings only
    rb = services.training_report(cast.county_b_officer, 2026)
    assert rb["person_times"] == 1
    client.force_login(cast.city_admin)
    assert "培训 <b>5</b> 人次" in client.get(reverse("staff:training_report"), {"year": 2026}).content.decode()
    resp = client.get(reverse("staff:training_report"), {"year": 2026, "export": "xlsx"})
    assert resp.status_code == 200
    client.post(reverse("staff:training", args=[t2.pk]), {"action": "certificates"})
    numbers = sorted(t2.attendances.values_list("certificate_number", flat=True))
    assert len(numbers) == 2 and numbers[0].endswith("0001号") and numbers[1].endswith("0002号")
    with pytest.raises(ServiceError, match="结束日期"):
        services.create_training(actor=cast.city_admin, org=cast.city, title="x", start_date=date(2026, 5, 2),
                                 end_date=date(2026, 5, 1), hours=1, organiser="市局", mode="go_out")


def test_api_scoping(cast, api_client):
    cert = _active_cert(cast)
    api_client.force_authenticate(cast.county_a_officer)
    assert api_client.get(f"/api/v1/staff/certificates/{cert.pk}/").json()["number"] == cert.number
    api_client.force_authenticate(cast.county_b_officer)
    assert api_client.get(f"/api/v1/staff/certificates/{cert.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/staff/profiles/{cert.profile.pk}/").status_code == 404
    api_client.force_authenticate(cast.portal_a1)
    assert api_client.get("/api/v1/staff/certificates/").status_code == 403


def test_workflow_guard_signature_and_test_helper(cast):
    from yunjiao.core.actors import SYSTEM
    from yunjiao.staff.testing import give_certificate

    assert services.enforcement_guard(object(), cast.county_a_officer, None)
    give_certificate(cast.county_a_officer)
    assert services.enforcement_guard(object(), cast.county_a_officer, {"x": 1}) == []
    assert services.enforcement_reasons(SYSTEM) == []
