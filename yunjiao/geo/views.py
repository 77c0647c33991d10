"""设备接口令牌: the county agency or the city bureau issues the tokens with which phones, wristbands and the
supplier's gateway report locations (`POST /api/v1/locations/batch/`) and device alarms; shown once, revocable.
Thin: scope and roles are checked in geo.services."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.views import LoginRequiredView
from yunjiao.orgs.models import Org

from . import services
from .models import Device


def _orgs_for(user):
    """The actor's own org and the counties below it (gateway tokens are per county or for the whole city)."""
    if user.org is None:
        return []
    below = Org.objects.filter(path__startswith=user.org.path + ".", level="county").order_by("code")
    return [user.org, *below]


class DeviceTokensView(LoginRequiredView, TemplateView):
    template_name = "geo/tokens.html"
    roles = services.TOKEN_MANAGER_ROLES

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["tokens"] = services.device_tokens_visible_to(user)[:200]
        ctx["orgs"] = _orgs_for(user)
        ctx["devices"] = (Device.objects.visible_to(user).filter(is_active=True).select_related("subject")
                          .order_by("device_id")[:500])
        return ctx

    def post(self, request, *args, **kwargs):
        user = request.user
        action = request.POST.get("action")
        try:
            if action == "revoke":
                token = services.device_tokens_visible_to(user).filter(pk=request.POST.get("token") or 0).first()
                if token is None:
                    raise Http404("未找到该令牌。")
                services.revoke_device_token(token, actor=user)
                messages.success(request, f"已吊销令牌 {token.prefix}…")
                return redirect("geo:tokens")
            if action == "gateway":
                org = next((o for o in _orgs_for(user) if str(o.pk) == request.POST.get("org")), None)
                if org is None:
                    raise ServiceError("请选择令牌所属机构。")
                key = services.issue_gateway_token(actor=user, org=org, name=request.POST.get("name", ""))
                label = f"网关令牌“{request.POST.get('name', '').strip()}”（{org.name}）"
            elif action == "device":
                device = Device.objects.visible_to(user).filter(
                    device_id=(request.POST.get("device_id") or "").strip(), is_active=True).first()
                if device is None:
                    raise ServiceError("未找到该设备（须为本辖区内在用的已登记设备）。")
                key = services.issue_device_token(actor=user, device=device)
                label = f"设备 {device.device_id} 的令牌"
            else:
                raise ServiceError("请选择要签发的令牌类型。")
        except (ServiceError, NotAllowed) as exc:
            messages.error(request, exc.message)
            return redirect("geo:tokens")
        return self.render_to_response(self.get_context_data(new_key=key, new_label=label))
