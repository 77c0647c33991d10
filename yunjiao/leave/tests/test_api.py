"""API: a subject applies for itself (idempotent), sees only its own leaves; officers scoped."""

from datetime import timedelta

from django.utils import timezone

from yunjiao.leave.models import Leave


def body(**kw):
    start = timezone.localdate() + timedelta(days=5)
    return {"idempotency_key": "api-1", "destination_codes": ["370102"], "destination_names": "济南市历下区",
            "start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat(), "reason_kind": "medical",
            "reason": "复查", **kw}


def test_subject_applies_through_the_api_once(cast, api_client, apply):
    other = apply(3, subject=cast.subject_a2, actor=cast.officer_a2)
    api_client.force_authenticate(cast.portal_a1)
    r1 = api_client.post("/api/v1/leaves/", body(subject=cast.subject_a2.pk), format="json")
    r2 = api_client.post("/api/v1/leaves/", body(), format="json")
    assert r1.status_code == r2.status_code == 201 and r1.json()["id"] == r2.json()["id"]
    assert r1.json()["subject"] == cast.subject_a1.pk  # a subject account always applies for itself
    assert Leave.objects.filter(subject=cast.subject_a1).count() == 1
    ids = [row["id"] for row in api_client.get("/api/v1/leaves/").json()["results"]]
    assert other.pk not in ids
    assert api_client.get(f"/api/v1/leaves/{other.pk}/").status_code == 404
    assert api_client.get("/api/v1/leaves/windows/", {"subject": cast.subject_a1.pk}).status_code == 403


def test_refusal_comes_back_with_reasons(cast, api_client):
    api_client.force_authenticate(cast.officer_a1)
    start = timezone.localdate()
    r = api_client.post("/api/v1/leaves/", body(subject=cast.subject_a1.pk, start=start.isoformat(),
                                                end=start.isoformat()), format="json")
    assert r.status_code == 403 and "提前3日" in r.json()["message"]


def test_officer_scope_and_windows(cast, api_client, apply):
    leave = apply(3)
    api_client.force_authenticate(cast.officer_b1)
    assert api_client.get(f"/api/v1/leaves/{leave.pk}/").status_code == 404
    assert api_client.get("/api/v1/leaves/windows/", {"subject": cast.subject_a1.pk}).status_code == 404
    api_client.force_authenticate(cast.officer_a1)
    assert api_client.get("/api/v1/leaves/windows/", {"subject": cast.subject_a1.pk}).json() == []
    assert api_client.get("/api/v1/sanction-proposals/").status_code == 200
