"""`/api/v1/`: each app contributes `api.register(router)`; schema and docs from vendored assets."""

from importlib import import_module

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from yunjiao.core.views import PublicView

API_APPS = ["orgs", "accounts", "subjects", "anomalies", "workflows", "documents", "geo", "monitoring", "checkins", "leave", "discipline",
            "risk", "dispatch", "education", "staff", "reports", "audit"]

router = DefaultRouter()
for app in API_APPS:
    try:
        module = import_module(f"yunjiao.{app}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"yunjiao.{app}.api":
            raise
        continue
    module.register(router)


class SchemaView(PublicView, SpectacularAPIView):
    pass


class DocsView(PublicView, SpectacularSwaggerView):
    pass


urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
]
