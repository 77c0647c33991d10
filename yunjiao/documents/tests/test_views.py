"""Pages: subject documents, generation, download/preview, 卷内目录, templates (scoping and roles)."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document as Docx

from yunjiao.audit.models import AuditRecord
from yunjiao.core.testing import assert_hidden, assert_visible
from yunjiao.documents import rendering, services
from yunjiao.documents.models import Document, TemplateVersion

WARNING = {"facts": "擅自离开居住地。", "legal_basis": "《中华人民共和国社区矫正法》第二十八条"}


@pytest.fixture(autouse=True)
def _env(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setenv("YUNJIAO_SOFFICE", str(tmp_path / "no-soffice"))  # PDF: the "unavailable" path


@pytest.fixture
def doc(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        d = services.issue_document(cast.subject_a1, "warning_decision", actor=cast.county_a_officer,
                                    context_extra=WARNING, issue_date=date(2026, 11, 28))
    d.refresh_from_db()
    return d


def test_subject_documents_page_is_scoped(client, cast, doc):
    url = reverse("documents:subject_documents", args=[cast.subject_a1.pk])
    assert_visible(client, cast.officer_a1, url)
    assert_hidden(client, cast.officer_b1, url)
    client.force_login(cast.county_a_officer)
    html = client.get(url).content.decode()
    assert "警告决定书" in html and doc.number in html and "PDF 不可用" in html


def test_document_pages_are_scoped(client, cast, doc):
    for name in ("detail", "download"):
        url = reverse(f"documents:{name}", args=[doc.pk])
        assert_hidden(client, cast.officer_b1, url)
        assert_visible(client, cast.county_a_officer, url)


def test_download_audits_the_read_and_pdf_says_unavailable(client, cast, doc):
    client.force_login(cast.officer_a1)
    resp = client.get(reverse("documents:download", args=[doc.pk]))
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    assert rendering.docx_text(b"".join(resp.streaming_content)).count(doc.number) == 1
    assert AuditRecord.objects.filter(action="read", object_id=str(doc.pk)).exists()
    resp = client.get(reverse("documents:pdf", args=[doc.pk]))
    assert resp.status_code == 404 and "PDF 不可用" in resp.content.decode()


def test_generate_on_demand_from_the_subject_page(client, cast):
    client.force_login(cast.county_a_officer)
    url = reverse("documents:generate", args=[cast.subject_a1.pk, "warning_decision"])
    assert "事实" in client.get(url).content.decode()
    resp = client.post(url, {"issue_date": "2026-11-28", "legal_basis": "第二十八条"})
    assert resp.status_code == 200 and "缺少必填内容：事实" in resp.content.decode()
    resp = client.post(url, {"issue_date": "2026-11-28", **WARNING})
    new = Document.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("documents:detail", args=[new.pk])
    assert new.number == "济任司矫警字〔2026〕第1号"


def test_table_fields_are_entered_one_row_per_line(client, cast):
    client.force_login(cast.officer_a1)
    url = reverse("documents:generate", args=[cast.subject_a1.pk, "correction_team_list"])
    client.post(url, {"issue_date": "2026-11-28", "team_leader": "王所长",
                      "team_members": "王所长｜司法所工作人员｜许庄司法所｜0537-1\n赵某|居委会|红星社区|138"})
    doc = Document.objects.get()
    assert doc.fields["team_members"][1] == {"name": "赵某", "role": "居委会", "unit": "红星社区", "phone": "138"}


def test_social_worker_can_read_but_not_generate(client, cast):
    client.force_login(cast.social_worker_a1)
    url = reverse("documents:generate", args=[cast.subject_a1.pk, "warning_decision"])
    assert client.post(url, {"issue_date": "2026-11-28", **WARNING}).status_code == 403
    assert not Document.objects.exists()


def test_regenerate_button_creates_a_new_version(client, cast, doc):
    client.force_login(cast.county_a_officer)
    resp = client.post(reverse("documents:regenerate", args=[doc.pk]))
    new = Document.objects.get(is_current=True)
    assert resp.status_code == 302 and new.version == 2 and new.number == doc.number


def test_incoming_upload_and_case_file_contents(client, cast, doc):
    client.force_login(cast.county_a_officer)
    url = reverse("documents:subject_documents", args=[cast.subject_a1.pk])
    client.post(url, {"doc_type": "criminal_judgment", "number": "（2026）鲁0811刑初9号", "issue_date": "2026-03-01",
                      "source_name": "任城区人民法院",
                      "file": SimpleUploadedFile("判决书.pdf", b"%PDF-1.4 x", content_type="application/pdf")})
    assert Document.objects.filter(incoming=True, doc_type="criminal_judgment").exists()
    html = client.get(reverse("documents:case_file", args=[cast.subject_a1.pk, "enforcement"])).content.decode()
    assert html.index("刑事判决书") < html.index("警告决定书")
    assert_hidden(client, cast.officer_b1, reverse("documents:case_file", args=[cast.subject_a1.pk, "enforcement"]))


def _docx(text):
    d = Docx()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_template_pages_download_and_upload(client, cast):
    client.force_login(cast.officer_a1)
    assert "警告决定书" in client.get(reverse("documents:templates")).content.decode()
    resp = client.get(reverse("documents:template_download", args=["warning_decision"]) + "?sample=1")
    assert resp.status_code == 200
    assert "济任司矫警字〔2026〕第7号" in rendering.docx_text(b"".join(resp.streaming_content))
    detail = reverse("documents:template_detail", args=["warning_decision"])
    client.post(detail, {"file": SimpleUploadedFile("t.docx", _docx("{{ subject.name }}{{ facts }}"))})
    assert not TemplateVersion.objects.exists()  # township officer: refused
    client.force_login(cast.city_admin)
    resp = client.post(detail, {"file": SimpleUploadedFile("t.docx", _docx("{{ subject.salary }}"))}, follow=True)
    assert "未知的占位符：subject.salary" in resp.content.decode() and not TemplateVersion.objects.exists()
    client.post(detail, {"file": SimpleUploadedFile("t.docx", _docx("{{ subject.name }}{{ facts }}")), "note": "新版"})
    v = TemplateVersion.objects.get()
    assert v.is_current and v.version == 1
    client.post(reverse("documents:template_activate", args=["warning_decision"]))
    v.refresh_from_db()
    assert not v.is_current
