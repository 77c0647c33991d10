"""Documents a step declares are created inside the step's transaction: missing content makes them 待补全
(never blocks the step), complete_document fills and renders them, a real error rolls the step back."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.test import Client
from django.utils import timezone

from yunjiao.audit.models import AuditRecord
from yunjiao.core.errors import ServiceError
from yunjiao.documents import rendering
from yunjiao.documents.models import Document, NumberSequence
from yunjiao.documents.services import complete_document
from yunjiao.workflows import engine, services
from yunjiao.workflows.models import Case, TransitionRecord

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setenv("YUNJIAO_SOFFICE", str(tmp_path / "no-soffice"))  # Word only: no LibreOffice run


def assessment(cast, **data):
    base = {"commissioning_body": "任城区人民法院", "commissioning_type": "court", "person_name": "钱八",
            "person_type": "defendant", "proposed_category": "probation", "received_date": TODAY().isoformat()}
    base.update(data)
    return services.start_case("pre_sentence_assessment", actor=cast.county_a_officer, org=cast.county_a, data=base)


def assign(cast, case):
    return services.fire(case, "assign", actor=cast.county_a_officer, data={"township": cast.town_a1.pk})


def test_missing_content_does_not_block_the_step_the_document_waits_to_be_completed(cast):
    case = assign(cast, assessment(cast))  # no 委托函文号 given at registration
    assert case.state == "assigned"
    [doc] = Document.objects.filter(case=case)
    record = TransitionRecord.objects.get(case=case, transition="assign")
    assert doc.subject is None and doc.transition_record_id == record.pk
    assert doc.status == Document.Status.INCOMPLETE and doc.missing_fields == ["commission_number"]
    assert doc.number.startswith("济任司矫调字〔") and doc.issuing_org == cast.county_a
    assert doc.fields == {"recipient": cast.town_a1.name, "commissioning_body": "任城区人民法院",
                          "assessee_role": "被告人", "proposed_category": "缓刑",
                          "due_date_cn": doc.fields["due_date_cn"]}
    assert doc.fields["due_date_cn"].endswith("日") and "〇" in doc.fields["due_date_cn"]
    assert not doc.file and doc.file_status == Document.FileStatus.PENDING


def test_complete_document_fills_renders_and_audits(cast, django_capture_on_commit_callbacks):
    case = assign(cast, assessment(cast))
    doc = Document.objects.get(case=case)
    with pytest.raises(ServiceError) as exc:
        complete_document(doc, {"commission_number": "  "}, actor=cast.county_a_officer)
    assert exc.value.code == "missing_fields" and "委托函文号" in exc.value.message
    doc.refresh_from_db()
    assert doc.status == Document.Status.INCOMPLETE
    before = AuditRecord.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        complete_document(doc, {"commission_number": "（2026）鲁0811刑初5号", "facts": "不属于该类型"},
                          actor=cast.county_a_officer)
    doc.refresh_from_db()
    assert doc.status == Document.Status.NORMAL and doc.missing_fields == []
    assert "facts" not in doc.fields
    assert doc.file_status == Document.FileStatus.READY
    text = rendering.docx_text(doc.file.read())
    assert "（2026）鲁0811刑初5号" in text and "钱八" in text and cast.town_a1.name in text
    row = AuditRecord.objects.order_by("-seq").first()
    assert AuditRecord.objects.count() > before and row.summary.startswith("补全文书：调查评估指派通知书")
    assert row.org_path == case.org_path
    with pytest.raises(ServiceError, match="无需补全"):
        complete_document(doc, {"commission_number": "x"}, actor=cast.county_a_officer)


def test_complete_document_with_all_content_from_the_case_is_rendered_at_once(cast, django_capture_on_commit_callbacks):
    case = assessment(cast, commission_number="（2026）鲁0811刑初9号")
    with django_capture_on_commit_callbacks(execute=True):
        case = assign(cast, case)
    doc = Document.objects.get(case=case)
    assert doc.status == Document.Status.NORMAL and doc.file_status == Document.FileStatus.READY
    assert "（2026）鲁0811刑初9号" in rendering.docx_text(doc.file.read())


def _with_documents(monkeypatch, process, transition, codes):
    wf = engine.get_workflow(process)
    changed = [replace(t, documents=codes) if t.name == transition else t for t in wf.transitions]
    monkeypatch.setitem(engine._REGISTRY, process, replace(wf, transitions=changed))


def test_a_real_error_in_document_generation_rolls_the_step_back(cast, monkeypatch):
    case = assessment(cast)
    _with_documents(monkeypatch, "pre_sentence_assessment", "assign",
                    ("assessment_assignment_notice", "no_such_document"))
    records, sequences = TransitionRecord.objects.count(), list(NumberSequence.objects.values_list("last"))
    with pytest.raises(ServiceError) as exc:
        assign(cast, case)
    assert exc.value.code == "unknown_type" and "no_such_document" in exc.value.message
    assert "本步骤的文书无法生成" in exc.value.message
    case.refresh_from_db()
    assert (case.state, case.version, case.org_path) == ("received", 1, cast.county_a.path)
    assert TransitionRecord.objects.count() == records and not Document.objects.exists()
    assert list(NumberSequence.objects.values_list("last")) == sequences


def test_no_document_number_prefix_is_a_real_error(cast):
    case = assessment(cast)
    type(cast.county_a).objects.filter(pk=cast.county_a.pk).update(short_name="")
    with pytest.raises(ServiceError, match="县级机构简称"):
        assign(cast, case)
    case.refresh_from_db()
    assert case.state == "received" and not Document.objects.exists()


def test_documents_of_a_case_without_subject_are_scoped_by_the_case(cast):
    case = assign(cast, assessment(cast))
    doc = Document.objects.get(case=case)
    for user in (cast.county_a_officer, cast.officer_a1, cast.city_officer):
        assert Document.objects.visible_to(user).filter(pk=doc.pk).exists(), user
    for user in (cast.officer_a2, cast.county_b_officer, cast.officer_b1, cast.portal_a1):
        assert not Document.objects.visible_to(user).filter(pk=doc.pk).exists(), user


def test_discharge_documents_take_the_case_data_and_wait_for_the_rest(cast):
    from datetime import timedelta

    from yunjiao.core.actors import SYSTEM
    from yunjiao.subjects.models import Subject

    subject = Subject.objects.get(pk=cast.subject_a1.pk)
    subject.period_end = TODAY()
    subject.save(update_fields=["period_end"])
    [case] = services.open_due_discharges(actor=SYSTEM, today=TODAY() - timedelta(days=1))
    services.fire(case, "evaluate", actor=cast.officer_a1,
                  data={"summary_received_on": TODAY().isoformat(), "evaluation": "认罪悔罪，遵纪守法"})
    docs = {d.doc_type: d for d in Document.objects.filter(case=case)}
    assert set(docs) == {"personal_summary", "expiry_appraisal_form"}
    assert docs["personal_summary"].missing_fields == ["summary_content"]
    assert docs["expiry_appraisal_form"].fields["performance"] == "认罪悔罪，遵纪守法"
    assert docs["expiry_appraisal_form"].missing_fields == ["attitude"]
    assert all(d.subject_id == subject.pk for d in docs.values())
    case = Case.objects.get(pk=case.pk)
    case = services.fire(case, "announce", actor=cast.officer_a1, data={"announcement_date": TODAY().isoformat()})
    announcement = Document.objects.get(case=case, doc_type="discharge_announcement")
    assert announcement.status == Document.Status.NORMAL
    assert announcement.fields["performance"] == "认罪悔罪，遵纪守法" and announcement.fields["discharge_date_cn"]


def test_case_page_lists_the_documents_and_completes_one(cast):
    case = assign(cast, assessment(cast))
    doc = Document.objects.get(case=case)
    client = Client()
    client.force_login(cast.county_a_officer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-documents"' in page and "调查评估指派通知书" in page and doc.number in page
    assert "待补全" in page and 'name="commission_number"' in page
    detail = client.get(f"/documents/{doc.pk}/").content.decode()
    assert "被调查评估人" in detail and "钱八" in detail and 'id="complete"' in detail
    assert "重新生成" not in detail
    assert client.get(f"/documents/{doc.pk}/docx/").status_code == 404  # nothing rendered while waiting
    response = client.post(f"/documents/{doc.pk}/complete/", {"commission_number": "（2026）鲁0811刑初7号",
                                                             "next": f"/cases/{case.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    doc.refresh_from_db()
    assert doc.status == Document.Status.NORMAL and doc.fields["commission_number"] == "（2026）鲁0811刑初7号"
    outsider = Client()
    outsider.force_login(cast.officer_b1)
    assert outsider.post(f"/documents/{doc.pk}/complete/", {"commission_number": "x"}).status_code == 404


def test_incomplete_documents_in_the_e_file_and_the_api(cast, api_client):
    from datetime import timedelta

    from yunjiao.core.actors import SYSTEM
    from yunjiao.subjects.models import Subject

    subject = Subject.objects.get(pk=cast.subject_a1.pk)
    subject.period_end = TODAY()
    subject.save(update_fields=["period_end"])
    [case] = services.open_due_discharges(actor=SYSTEM, today=TODAY() - timedelta(days=1))
    services.fire(case, "evaluate", actor=cast.officer_a1,
                  data={"summary_received_on": TODAY().isoformat(), "evaluation": "认罪悔罪"})
    summary = Document.objects.get(case=case, doc_type="personal_summary")
    client = Client()
    client.force_login(cast.officer_a1)
    page = client.get(f"/documents/subject/{subject.pk}/").content.decode()
    assert f'data-document="{summary.pk}" data-status="incomplete"' in page and 'name="summary_content"' in page
    toc = client.get(f"/documents/subject/{subject.pk}/file/working/").content.decode()
    assert "待补全" in toc

    api_client.force_authenticate(cast.officer_a1)
    url = f"/api/v1/documents/{summary.pk}/complete/"
    bad = api_client.post(url, {"fields": {"summary_content": ""}}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "missing_fields"
    ok = api_client.post(url, {"fields": {"summary_content": "遵守规定，按时报告。"}}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "normal" and ok.json()["missing_fields"] == []
    listed = api_client.get(f"/api/v1/documents/?case={case.pk}&status=incomplete").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["title"] for r in rows] == ["社区矫正期满鉴定表"]
