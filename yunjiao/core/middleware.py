from __future__ import annotations

import uuid

from yunjiao.core import context


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(context.RequestInfo(source=source, ip=client_ip(request),
                                                        request_id=uuid.uuid4().hex[:16]))
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class SecurityHeadersMiddleware:
    """CSP and friends.  All assets are vendored, so 'self' is enough (map tiles are a setting)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        from django.conf import settings

        img = "'self' data: blob:"
        tile = getattr(settings, "MAP_TILE_URL", "")
        if tile:
            from urllib.parse import urlsplit

            parts = urlsplit(tile)
            if parts.scheme and parts.netloc:
                host = parts.netloc  # a subdomain template (t{s}.tianditu.gov.cn) → a wildcard first label
                img += f" {parts.scheme}://{'*.' + host.split('.', 1)[1] if '{s}' in host else host}"
        response.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src " + img + "; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; frame-ancestors 'self'; object-src 'none'",
        )
        response.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        return response
