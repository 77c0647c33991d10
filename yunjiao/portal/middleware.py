"""One phone per portal account: every request of a signed-in subject account carries the device cookie.

The first login binds the phone (the cookie is set on that response); a session used from another phone
is signed out at once and sent back to the login page with the reason (API requests get a JSON error).
Officers' accounts are not affected.  ``request.portal_device`` is the bound PortalDevice.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect

from yunjiao.portal import services

SESSION_KEY = "portal_device"


def _is_subject(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and getattr(user, "role", None) == "subject")


class PortalDeviceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.portal_device = None
        new_key = None
        if _is_subject(request):
            refused, new_key = self._check(request)
            if refused is not None:
                return refused
        response = self.get_response(request)
        if request.portal_device is None and _is_subject(request) and AUTH_SESSION_KEY in request.session:
            # signed in by this very request (the login POST): bind or refuse now.  (A token-authenticated
            # API request also sets request.user, but has no session login: tokens carry their own device.)
            refused, new_key = self._check(request)
            if refused is not None:
                return refused
        if new_key:
            response.set_cookie(services.DEVICE_COOKIE, new_key, max_age=services.DEVICE_COOKIE_MAX_AGE,
                                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response

    def _check(self, request):
        try:
            result = services.check_device(request.user, request.COOKIES.get(services.DEVICE_COOKIE),
                                           user_agent=request.META.get("HTTP_USER_AGENT", ""),
                                           session_device=request.session.get(SESSION_KEY))
        except services.DeviceRefused as exc:
            logout(request)
            if request.path.startswith("/api/"):
                return JsonResponse({"code": exc.code, "message": exc.message, "fields": {}}, status=403), None
            messages.error(request, exc.message)
            return redirect("accounts:login"), None
        request.portal_device = result.device
        if request.session.get(SESSION_KEY) != result.device.pk:
            request.session[SESSION_KEY] = result.device.pk
        return None, result.new_key
