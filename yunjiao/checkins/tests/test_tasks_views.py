"""Officer pages of the check tasks: scope, ordering spot checks, the subject tab, frequency settings."""

from __future__ import annotations

from django.urls import reverse

from yunjiao.checkins import tasks_services as ts
from yunjiao.checkins.models import CheckPolicySetting, CheckTask
from yunjiao.core.testing import assert_hidden, assert_visible


def test_task_list_warns_about_subjects_without_face_enrolment(client, cast):
    from yunjiao.checkins.models import FaceEnrolment

    FaceEnrolment.objects.create(subject=cast.subject_a1, version=1, photo_count=1)
    client.force_login(cast.county_a_officer)
    page = client.get(reverse("checkins:tasks")).content.decode()
    assert "尚未登记人脸" in page and "王芳" in page and "李明</a>" not in page
    client.force_login(cast.officer_a1)
    assert "尚未登记人脸" not in client.get(reverse("checkins:tasks")).content.decode()


def test_task_list_is_scoped_and_filtered(client, cast):
    from yunjiao.checkins.models import FaceEnrolment

    for s in (cast.subject_a1, cast.subject_a2, cast.subject_b1):
        FaceEnrolment.objects.create(subject=s, version=1, photo_count=1)
    ts.order_checks([cast.subject_a1], actor=cast.officer_a1, reason="核查甲")
    ts.order_checks([cast.subject_b1], actor=cast.officer_b1, reason="核查乙")
    client.force_login(cast.officer_a1)
    page = client.get(reverse("checkins:tasks")).content.decode()
    assert "李明" in page and "赵强" not in page
    client.force_login(cast.city_officer)
    page = client.get(reverse("checkins:tasks"), {"org": cast.town_b1.pk}).content.decode()
    assert "赵强" in page and "李明" not in page
    assert "李明" not in client.get(reverse("checkins:tasks"), {"status": "done"}).content.decode()
    assert client.get(reverse("checkins:tasks"), {"date": "2026-13-45"}).status_code == 200  # bad date: ignored


def test_officer_of_town_a1_cannot_order_checks_for_subject_b1(client, cast):
    client.force_login(cast.officer_a1)
    r = client.post(reverse("checkins:spot_check"), {"mode": "list", "subjects": [cast.subject_b1.pk]})
    assert r.status_code == 404
    r = client.post(reverse("checkins:spot_check"),
                    {"mode": "list", "subjects": [cast.subject_a1.pk, cast.subject_b1.pk]})
    assert r.status_code == 404
    r = client.post(reverse("checkins:spot_check"), {"mode": "sample", "n": "3", "org": cast.town_b1.pk})
    assert r.status_code == 404
    assert not CheckTask.objects.exists()


def test_order_list_and_sample_from_the_page(client, cast):
    client.force_login(cast.county_a_officer)
    r = client.post(reverse("checkins:spot_check"), {"mode": "list", "subjects": [cast.subject_a1.pk],
                                                     "minutes": "15", "kind": "spot"})
    assert r.status_code == 302 and "batch=" in r["Location"]
    assert CheckTask.objects.get().subject == cast.subject_a1
    r = client.post(reverse("checkins:spot_check"), {"mode": "sample", "n": "5"})
    assert r.status_code == 302
    assert set(CheckTask.objects.values_list("subject__name", flat=True)) == {"李明", "王芳"}
    r = client.post(reverse("checkins:spot_check"), {"mode": "list", "kind": "ordered",
                                                     "subjects": [cast.subject_a2.pk]})
    assert r.status_code == 400 and "指令核查须填写事由" in r.content.decode()
    r = client.post(reverse("checkins:spot_check"), {"mode": "sample", "n": "abc"})
    assert r.status_code == 400 and "抽查人数" in r.content.decode()


def test_social_worker_and_subject_accounts_cannot_order(client, cast):
    client.force_login(cast.social_worker_a1)
    assert client.get(reverse("checkins:spot_check")).status_code == 403
    assert client.get(reverse("checkins:tasks")).status_code == 200
    client.force_login(cast.portal_a1)
    assert client.get(reverse("checkins:tasks")).status_code == 302  # sent to the phone pages


def test_subject_tab_and_cancel(client, cast):
    [task] = ts.order_checks([cast.subject_a1], actor=cast.officer_a1, reason="入户前核查")
    url = reverse("checkins:subject_tasks", args=[cast.subject_a1.pk])
    assert_visible(client, cast.county_a_officer, url)
    assert_hidden(client, cast.officer_b1, url)
    client.force_login(cast.officer_a1)
    assert "入户前核查" in client.get(url).content.decode()
    detail = client.get(reverse("subjects:detail", args=[cast.subject_a1.pk])).content.decode()
    assert url in detail  # registered as a tab of the subject page
    client.force_login(cast.officer_b1)
    assert client.post(reverse("checkins:task_cancel", args=[task.pk]), {"reason": "x"}).status_code == 404
    client.force_login(cast.officer_a1)
    client.post(reverse("checkins:task_cancel", args=[task.pk]), {"reason": "对象在医院，改为电话核实"})
    task.refresh_from_db()
    assert task.status == "cancelled"


def test_policy_settings_page(client, cast):
    url = reverse("checkins:task_policy")
    form = {"level": "lenient", "per_week": "4", "extra_key_subject": "7", "extra_high_risk": "3",
            "response_minutes": "30", "waking_start": "08:00", "waking_end": "21:00", "min_gap_minutes": "120"}
    client.force_login(cast.county_a_head)
    assert client.get(url).status_code == 200
    assert client.post(url, form).status_code == 403
    client.force_login(cast.city_admin)
    assert client.post(url, {**form, "waking_end": "23:00"}).status_code == 400
    assert client.post(url, {**form, "per_week": "-1"}).status_code == 400
    assert client.post(url, form).status_code == 302
    assert CheckPolicySetting.objects.get(level="lenient").per_week == 4
