"""E-file export: one subject or everyone discharged in a period, ZIP or one PDF, in a background job."""

import io
import zipfile
from datetime import date

import pytest
from django.urls import reverse

from yunjiao.audit.models import AuditRecord
from yunjiao.core.errors import ServiceError
from yunjiao.core.testing import assert_hidden, make_subject
from yunjiao.documents import rendering, services
from yunjiao.documents.models import CaseFileExport
from yunjiao.subjects import choices as sc

WARNING = {"facts": "擅自离开居住地。", "legal_basis": "《中华人民共和国社区矫正法》第二十八条"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def no_pdf(monkeypatch, tmp_path):
    monkeypatch.setenv("YUNJIAO_SOFFICE", str(tmp_path / "no-soffice"))


def _docs(cast, subject, capture):
    with capture(execute=True):
        services.issue_document(subject, "warning_decision", actor=cast.county_a_officer, context_extra=WARNING,
                                issue_date=date(2026, 11, 28))
        services.issue_document(subject, "admonition_decision", actor=cast.county_a_officer, context_extra=WARNING,
                                issue_date=date(2026, 10, 2))


def _zip_names(export):
    export.refresh_from_db()
    return sorted(zipfile.ZipFile(io.BytesIO(export.file.read())).namelist())


def test_zip_export_of_one_subject_without_libreoffice(cast, no_pdf, django_capture_on_commit_callbacks):
    _docs(cast, cast.subject_a1, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        export = services.request_export(actor=cast.county_a_officer, archive="enforcement", fmt="zip",
                                         subject=cast.subject_a1)
    export.refresh_from_db()
    assert export.status == "done" and export.done == export.total == 3 and export.percent == 100
    folder = f"{cast.subject_a1.number}_{cast.subject_a1.name}"
    assert _zip_names(export) == [f"{folder}/000_卷内目录_{cast.subject_a1.number}.docx",
                                  f"{folder}/001_训诫决定书.docx", f"{folder}/002_警告决定书.docx"]
    assert AuditRecord.objects.filter(action="export").exists()


def test_pdf_export_refused_when_libreoffice_is_missing(cast, no_pdf):
    with pytest.raises(ServiceError, match="PDF 不可用"):
        services.request_export(actor=cast.county_a_officer, archive="enforcement", fmt="pdf",
                                subject=cast.subject_a1)


def test_period_export_covers_discharged_subjects_of_the_branch_only(cast, no_pdf,
                                                                       django_capture_on_commit_callbacks):
    inside = make_subject(cast.town_a1, name="王五", status=sc.Status.DISCHARGED, period_end=date(2026, 6, 30))
    make_subject(cast.town_a1, name="赵六", status=sc.Status.DISCHARGED, period_end=date(2025, 6, 30))
    make_subject(cast.town_b1, name="钱七", status=sc.Status.DISCHARGED, period_end=date(2026, 6, 30))
    make_subject(cast.town_a1, name="孙八", status=sc.Status.IN_CORRECTION, period_end=date(2026, 6, 30))
    _docs(cast, inside, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        export = services.request_export(actor=cast.county_a_officer, archive="enforcement", fmt="zip",
                                         discharged_from=date(2026, 1, 1), discharged_to=date(2026, 12, 31))
    assert {n.split("/")[0] for n in _zip_names(export)} == {f"{inside.number}_王五"}
    with pytest.raises(ServiceError, match="日期范围"):
        services.request_export(actor=cast.county_a_officer, archive="enforcement", fmt="zip",
                                discharged_from=date(2026, 12, 31), discharged_to=date(2026, 1, 1))


@pytest.mark.skipif(not rendering.pdf_available(), reason="LibreOffice (soffice) 未安装")
def test_one_pdf_export_with_contents_and_real_page_numbers(cast, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(services, "_schedule_pdf", lambda document_id: None)  # the export converts itself
    _docs(cast, cast.subject_a1, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        export = services.request_export(actor=cast.county_a_officer, archive="enforcement", fmt="pdf",
                                         subject=cast.subject_a1)
    export.refresh_from_db()
    assert export.status == "done", export.error
    path = export.file.path
    assert rendering.pdf_page_count(path) >= 3 and rendering.pdf_embeds_cjk(path)


def test_export_pages(client, cast, no_pdf, django_capture_on_commit_callbacks):
    _docs(cast, cast.subject_a1, django_capture_on_commit_callbacks)
    client.force_login(cast.county_a_officer)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("documents:exports"), {"subject": cast.subject_a1.pk, "archive": "enforcement",
                                                          "format": "zip"})
    assert resp.status_code == 302
    export = CaseFileExport.objects.get()
    html = client.get(reverse("documents:exports")).content.decode()
    assert "100%" in html and reverse("documents:export_download", args=[export.pk]) in html
    assert client.get(reverse("documents:export_row", args=[export.pk])).status_code == 200
    resp = client.get(reverse("documents:export_download", args=[export.pk]))
    assert resp.status_code == 200 and resp["Content-Disposition"].startswith("attachment")
    assert_hidden(client, cast.officer_b1, reverse("documents:export_download", args=[export.pk]))
    client.force_login(cast.officer_b1)
    assert client.post(reverse("documents:exports"), {"subject": cast.subject_a1.pk, "archive": "enforcement",
                                                      "format": "zip"}).status_code == 404
