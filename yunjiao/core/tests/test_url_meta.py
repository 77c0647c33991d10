"""Meta-test: every URL resolves to a view derived from the scoped bases (NetBox-style insurance)."""

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.routers import APIRootView

from yunjiao.api.base import ScopedViewSetMixin
from yunjiao.core.views import LoginRequiredView, PublicView, YunjiaoView

ALLOWED_EXTERNAL = {APIRootView}  # DRF's router index lists endpoint names only


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def view_class(callback):
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def test_every_view_uses_the_scoped_bases():
    offenders = []
    for route, callback in walk(get_resolver().url_patterns):
        cls = view_class(callback)
        if cls is None:
            offenders.append(f"{route}: function view {callback.__module__}.{callback.__name__}")
            continue
        if cls in ALLOWED_EXTERNAL:
            continue
        if issubclass(cls, YunjiaoView) or issubclass(cls, ScopedViewSetMixin):
            continue
        offenders.append(f"{route}: {cls.__module__}.{cls.__name__}")
    assert not offenders, "views bypassing the scoped bases:\n" + "\n".join(offenders)


def test_public_views_are_few_and_named():
    public = sorted({view_class(cb).__name__ for _, cb in walk(get_resolver().url_patterns)
                     if view_class(cb) and issubclass(view_class(cb), PublicView)})
    # Growing this list needs a reason: each public page is reachable without login.
    allowed = {"LoginView", "SchemaView", "DocsView", "CertificateVerifyView", "LocationBatchView",
               "DeviceCheckinView",
               "DeviceAlarmView"}  # DeviceAlarmView: device gateways, device token (no session)
    assert set(public) <= allowed, public


def test_logged_in_views_are_login_required_or_api():
    for route, cb in walk(get_resolver().url_patterns):
        cls = view_class(cb)
        if cls and issubclass(cls, YunjiaoView) and not issubclass(cls, PublicView):
            assert issubclass(cls, LoginRequiredView) or cls.__name__ == "LogoutView", route
