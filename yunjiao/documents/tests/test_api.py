from datetime import date

import pytest

from yunjiao.documents import services
from yunjiao.documents.models import Document

WARNING = {"facts": "擅自离开居住地。", "legal_basis": "《中华人民共和国社区矫正法》第二十八条"}


@pytest.fixture(autouse=True)
def _env(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setenv("YUNJIAO_SOFFICE", str(tmp_path / "no-soffice"))


def test_generate_list_and_scope(api_client, cast):
    api_client.force_authenticate(cast.county_a_officer)
    resp = api_client.post("/api/v1/documents/generate/", {"subject": cast.subject_a1.pk,
                                                           "doc_type": "warning_decision", "fields": WARNING,
                                                           "issue_date": "2026-11-28"}, format="json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["number"] == "济任司矫警字〔2026〕第1号"
    resp = api_client.post("/api/v1/documents/generate/", {"subject": cast.subject_a1.pk,
                                                           "doc_type": "warning_decision", "fields": {}},
                           format="json")
    assert resp.status_code == 400 and "缺少必填内容" in resp.content.decode()
    assert [d["doc_type"] for d in api_client.get(f"/api/v1/documents/?subject={cast.subject_a1.pk}").json()
            ["results"]] == ["warning_decision"]
    api_client.force_authenticate(cast.officer_b1)
    assert api_client.get("/api/v1/documents/").json()["results"] == []
    resp = api_client.post("/api/v1/documents/generate/", {"subject": cast.subject_a1.pk,
                                                           "doc_type": "warning_decision", "fields": WARNING},
                           format="json")
    assert resp.status_code == 404


def test_regenerate_and_catalogue(api_client, cast):
    doc = services.issue_document(cast.subject_a1, "warning_decision", actor=cast.county_a_officer,
                                  context_extra=WARNING, issue_date=date(2026, 11, 28))
    api_client.force_authenticate(cast.county_a_officer)
    resp = api_client.post(f"/api/v1/documents/{doc.pk}/regenerate/", {}, format="json")
    assert resp.status_code == 201 and resp.json()["version"] == 2
    assert Document.objects.filter(is_current=True).count() == 1
    types = api_client.get("/api/v1/document-types/").json()
    assert len([t for t in types if not t["incoming"]]) >= 66
    assert next(t for t in types if t["code"] == "monitoring_approval_form")["signer"] == "county_head"
