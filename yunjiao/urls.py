"""Root URL map: every app mounts its own `urls.py` under one prefix."""

from django.urls import include, path

APP_PREFIXES = [
    ("orgs", "orgs/"),
    ("accounts", "accounts/"),
    ("audit", "audit/"),
    ("subjects", "subjects/"),
    ("anomalies", "anomalies/"),
    ("notifications", "messages/"),
    ("workflows", "cases/"),
    ("documents", "documents/"),
    ("geo", "geo/"),
    ("monitoring", "monitoring/"),
    ("checkins", "checkins/"),
    ("leave", "leave/"),
    ("discipline", "discipline/"),
    ("risk", "risk/"),
    ("dispatch", "dispatch/"),
    ("education", "education/"),
    ("staff", "staff/"),
    ("reports", "reports/"),
    ("portal", "m/"),
]

urlpatterns = [
    path("", include("yunjiao.core.urls")),
    path("api/", include("yunjiao.api.urls")),
    *[path(prefix, include(f"yunjiao.{app}.urls")) for app, prefix in APP_PREFIXES],
]
