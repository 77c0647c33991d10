"""Issuing, numbering, regeneration, templates and the e-file table of contents (database)."""

from datetime import date

import pytest
from django.db import transaction

from yunjiao.audit.models import AuditRecord
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.documents import catalogue, rendering, services
from yunjiao.documents.build_templates import template_path
from yunjiao.documents.demo import demo_context
from yunjiao.documents.models import Document, NumberSequence, TemplateVersion

WARNING = {"facts": "该对象于十一月二十日擅自离开居住地。", "legal_basis": "《中华人民共和国社区矫正法》第二十八条"}
DAY = date(2026, 11, 28)


@pytest.fixture
def no_pdf(monkeypatch, tmp_path):
    monkeypatch.setenv("YUNJIAO_SOFFICE", str(tmp_path / "no-soffice"))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _issue(cast, code="warning_decision", fields=WARNING, **kw):
    return services.issue_document(cast.subject_a1, code, actor=cast.county_a_officer, context_extra=fields,
                                   issue_date=kw.pop("issue_date", DAY), **kw)


def test_issue_numbers_renders_after_commit_and_audits(cast, media, no_pdf, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = _issue(cast, transition_record=41)
    doc.refresh_from_db()
    assert doc.number == "济任司矫警字〔2026〕第1号"
    assert doc.issuing_org == cast.county_a and doc.transition_record_id == 41
    assert doc.file_status == Document.FileStatus.READY
    assert doc.pdf_status == Document.PdfStatus.UNAVAILABLE  # LibreOffice missing: said, no broken file
    assert not doc.pdf
    text = rendering.docx_text(doc.file.read())
    assert "济任司矫警字〔2026〕第1号" in text and cast.subject_a1.name in text and "二〇二六年十一月二十八日" in text
    assert AuditRecord.objects.filter(object_type="documents.Document", object_id=str(doc.pk)).exists()


def test_numbers_are_consecutive_per_org_series_and_year(cast, media, no_pdf):
    a = _issue(cast)
    b = _issue(cast)
    other_series = _issue(cast, "admonition_decision")
    next_year = _issue(cast, issue_date=date(2027, 1, 2))
    assert [a.seq, b.seq, other_series.seq, next_year.seq] == [1, 2, 1, 1]
    assert other_series.number == "济任司矫训字〔2026〕第1号"
    assert next_year.number == "济任司矫警字〔2027〕第1号"


def test_types_sharing_a_series_word_share_the_counter(cast, media, no_pdf):
    probation = _issue(cast, "probation_revocation_proposal",
                       {**WARNING, "recipient": "任城区人民法院", "evidence": "询问笔录"})
    parole = _issue(cast, "parole_revocation_proposal", {**WARNING, "recipient": "任城区人民法院", "evidence": "笔录"})
    assert (probation.number, parole.number) == ("济任司矫撤字〔2026〕第1号", "济任司矫撤字〔2026〕第2号")


def test_missing_fields_refused_before_a_number_is_used(cast, media, no_pdf):
    with pytest.raises(ServiceError, match="缺少必填内容：事实"):
        _issue(cast, fields={"legal_basis": "第二十八条"})
    assert not NumberSequence.objects.exists()
    assert _issue(cast).seq == 1


def test_rolled_back_transition_gives_its_number_back(cast, media, no_pdf):
    with pytest.raises(RuntimeError), transaction.atomic():
        _issue(cast)
        raise RuntimeError("workflow step failed after issuing")
    assert _issue(cast).seq == 1


def test_unnumbered_records_and_incoming_types(cast, media, no_pdf):
    fields = {k: demo_context(catalogue.get("field_visit_record"))[k]
              for k in catalogue.get("field_visit_record").required}
    doc = services.issue_document(cast.subject_a1, "field_visit_record", actor=cast.officer_a1,
                                  context_extra=fields, issue_date=DAY)
    assert doc.number == "" and doc.issuing_org == cast.town_a1
    with pytest.raises(ServiceError, match="外来文书"):
        services.issue_document(cast.subject_a1, "criminal_judgment", actor=cast.officer_a1)


def test_regenerate_makes_a_new_version_with_the_same_number(cast, media, no_pdf,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        v1 = _issue(cast)
    with django_capture_on_commit_callbacks(execute=True):
        v2 = services.regenerate(v1, actor=cast.county_a_officer, context_extra={"facts": "更正后的事实。"})
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v2.version, v2.number, v2.previous_id, v2.is_current, v1.is_current) == (2, v1.number, v1.pk, True, False)
    assert "更正后的事实" in rendering.docx_text(v2.file.read())
    assert "更正后的事实" not in rendering.docx_text(v1.file.read())
    with pytest.raises(ServiceError, match="当前版本"):
        services.regenerate(v1, actor=cast.county_a_officer)


def test_generate_for_a_case_uses_its_document_fields(cast, media, no_pdf):
    class Case:
        subject = cast.subject_a1

        def document_fields(self, code):
            return {**WARNING, "recipient": "任城区人民检察院", "proposal": "给予警告。"}

    docs = services.generate_for(Case(), ["warning_decision", "sanction_notice"], actor=SYSTEM,
                                 transition_record=7)
    assert [d.doc_type for d in docs] == ["warning_decision", "sanction_notice"]
    assert {d.transition_record_id for d in docs} == {7}


def test_documents_are_scoped_to_the_subjects_branch(cast, media, no_pdf):
    doc = _issue(cast)
    assert Document.objects.visible_to(cast.county_a_officer).filter(pk=doc.pk).exists()
    assert not Document.objects.visible_to(cast.officer_b1).filter(pk=doc.pk).exists()
    assert not Document.objects.visible_to(cast.portal_a1).filter(pk=doc.pk).exists()


# ------------------------------------------------------------------------------------------ templates
def _city_template(text="{{ org.name }}警告决定书 {{ document_number }} {{ subject.name }}：{{ facts }}"):
    import io

    from docx import Document as Docx

    d = Docx()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_only_the_city_admin_replaces_templates(cast, media):
    with pytest.raises(NotAllowed):
        services.upload_template(cast.city, "warning_decision", _city_template(), actor=cast.county_a_officer)


def test_bad_uploads_are_refused_and_existing_templates_stay(cast, media):
    good = services.upload_template(cast.city, "warning_decision", _city_template(), actor=cast.city_admin)
    for data, message in ((b"not a docx", "不是有效的 Word"), (_city_template("{{ salary }}"), "未知的占位符：salary"),
                          (b"PK" + b"\0" * (50 * 1024 * 1024), "文件过大")):
        with pytest.raises(ServiceError, match=message):
            services.upload_template(cast.city, "warning_decision", data, actor=cast.city_admin)
    assert list(TemplateVersion.objects.values_list("pk", "is_current")) == [(good.pk, True)]


def test_versions_are_kept_and_new_documents_use_the_current_one(cast, media, no_pdf,
                                                                  django_capture_on_commit_callbacks):
    v1 = services.upload_template(cast.city, "warning_decision", _city_template(), actor=cast.city_admin)
    v2 = services.upload_template(cast.city, "warning_decision", _city_template("第二版 {{ subject.name }}"),
                                  actor=cast.city_admin)
    v1.refresh_from_db()
    assert (v1.version, v1.is_current, v2.version, v2.is_current) == (1, False, 2, True)
    with django_capture_on_commit_callbacks(execute=True):
        doc = _issue(cast)
    doc.refresh_from_db()
    assert doc.template_version == v2 and "第二版" in rendering.docx_text(doc.file.read())
    services.activate_template(v1, actor=cast.city_admin)
    assert services.current_template(cast.city, "warning_decision") == v1
    services.activate_template(None, city=cast.city, code="warning_decision", actor=cast.city_admin)
    assert services.current_template(cast.city, "warning_decision") is None
    assert services.template_bytes(doc) == v2.file.open("rb").read()


# ------------------------------------------------------------------------------------------ the e-file
def test_case_file_contents_follow_archive_order_and_count_pages(cast, media, no_pdf):
    warning = _issue(cast)
    services.upload_incoming(cast.subject_a1, "criminal_judgment", b"%PDF-1.4 judgment", "判决书.pdf",
                             actor=cast.county_a_officer, number="（2026）鲁0811刑初1号", issue_date=date(2026, 2, 1),
                             source_name="任城区人民法院")
    Document.objects.filter(pk=warning.pk).update(pages=2)
    entries = services.case_file_entries(cast.subject_a1, "enforcement")
    assert [e["title"] for e in entries] == ["刑事判决书", "警告决定书"]
    assert [e["pages"] for e in entries] == ["1", "2-3"]
    assert entries[0]["responsible"] == "任城区人民法院" and entries[1]["document_number"] == warning.number


def test_incoming_upload_checks_the_file(cast, media):
    with pytest.raises(ServiceError, match="只能上传"):
        services.upload_incoming(cast.subject_a1, "criminal_judgment", b"MZ...", "x.exe", actor=cast.officer_a1,
                                 issue_date=DAY)
    with pytest.raises(ServiceError, match="由系统生成"):
        services.upload_incoming(cast.subject_a1, "warning_decision", b"%PDF-", "x.pdf", actor=cast.officer_a1,
                                 issue_date=DAY)


@pytest.mark.skipif(not rendering.pdf_available(), reason="LibreOffice (soffice) 未安装")
def test_pdf_job_converts_and_counts_pages(cast, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        doc = _issue(cast)
    # render ran; its on_commit (PDF) was captured by the same context and ran as well
    assert len(callbacks) >= 1
    doc = services.convert_document_pdf(doc.pk)
    doc.refresh_from_db()
    assert doc.pdf_status == Document.PdfStatus.READY and doc.pages == 1
    assert doc.pdf.read()[:5] == b"%PDF-"


def test_every_builtin_template_renders_with_a_real_subject(cast, media):
    subject = cast.subject_a1
    for t in catalogue.generated_types():
        doc = Document(subject=subject, doc_type=t.code, title=t.title, issuing_org=services.issuing_org(subject, t),
                       number="济任司矫警字〔2026〕第1号" if t.numbered else "", issue_date=DAY,
                       fields={n: demo_context(t)[n] for n in t.fields})
        out = rendering.render_document(t, template_path(t.code).read_bytes(), services.build_context(doc))
        assert rendering.unfilled_placeholders(out) == [], t.code
