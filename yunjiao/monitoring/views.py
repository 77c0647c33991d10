"""Map pages and their GeoJSON.  Location data only for access.subjects_for(user) (others get 404); every
response that carries fixes is audited (action READ)."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.errors import ServiceError
from yunjiao.core.views import LoginRequiredView

from . import access, maps
from .models import DeviceAlarm, MonitoringPeriod

LIVE_HOURS = 24


def _subject_or_404(user, pk):
    subject = access.subjects_for(user).select_related("execution_org", "township").filter(pk=pk).first()
    if subject is None:
        raise Http404("未找到该对象，或您无权查看其定位数据。")
    return subject


def _map_config():
    t = maps.tile_settings()
    return {"tile_url": t["url"], "tile_crs": t["crs"], "attribution": t["attribution"],
            "subdomains": t["subdomains"]}


class TrajectoryView(LoginRequiredView, TemplateView):
    """A subject's trajectory for a chosen period (the fixes are fetched from TrajectoryDataView)."""

    template_name = "monitoring/trajectory.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        subject = _subject_or_404(self.request.user, self.kwargs["pk"])
        today = timezone.localdate()
        from yunjiao.workflows.models import Case

        ctx.update(subject=subject, map=_map_config(),
                   start=self.request.GET.get("start") or (today - timedelta(days=1)).isoformat(),
                   end=self.request.GET.get("end") or today.isoformat(),
                   cases=Case.objects.filter(subject=subject, process="monitoring").order_by("-opened_at")[:5],
                   periods=MonitoringPeriod.objects.filter(subject=subject).select_related("approved_by")[:20],
                   alarms=DeviceAlarm.objects.filter(subject=subject).select_related("device")[:20])
        return ctx


class TrajectoryDataView(LoginRequiredView):
    """GeoJSON: boundary, 禁止令 zones, fixes and alerts of one subject for ?start=&end= (dates)."""

    def get(self, request, pk):
        subject = _subject_or_404(request.user, pk)
        try:
            start, end = maps.parse_period(request.GET.get("start"), request.GET.get("end"), now=timezone.now())
        except ServiceError as exc:
            return JsonResponse({"code": exc.code, "message": exc.message}, status=400)
        doc = maps.trajectory(subject, start, end)
        audit.record(request.user, Action.READ, subject,
                     summary=f"查看定位轨迹：{subject.name} {doc['start'][:16]}～{doc['end'][:16]}（{doc['fixes']}个定位点）",
                     data={"start": doc["start"], "end": doc["end"], "fixes": doc["fixes"], "view": "trajectory"})
        return JsonResponse(doc, json_dumps_params={"ensure_ascii": False})


class BoundariesView(LoginRequiredView):
    """GeoJSON: the county boundaries of the user's scope (a township/county user: their county)."""

    def get(self, request):
        return JsonResponse(maps.scope_boundaries(request.user), json_dumps_params={"ensure_ascii": False})


class LiveMapView(LoginRequiredView, TemplateView):
    template_name = "monitoring/live.html"
    roles = access.LOCATION_ROLES

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(map=_map_config(), hours=LIVE_HOURS)
        return ctx


class LiveDataView(LoginRequiredView):
    """GeoJSON: the latest fix (last 24 h) of every subject whose location the user may see."""

    roles = access.LOCATION_ROLES

    def get(self, request):
        subjects = access.subjects_for(request.user)
        doc = maps.latest_positions(subjects, since=timezone.now() - timedelta(hours=LIVE_HOURS))
        org_path = request.user.org.path if getattr(request.user, "org_id", None) else ""
        audit.record(request.user, Action.READ, None, org_path=org_path,
                     summary=f"查看定位地图：{len(doc['features'])}名对象的最新位置",
                     data={"subjects": [f["properties"]["subject"] for f in doc["features"]][:500], "view": "live"})
        return JsonResponse(doc, json_dumps_params={"ensure_ascii": False})


def monitoring_widget(request):
    """工作台: subjects under electronic monitoring in the user's scope (wristband in use or about to expire)."""
    from django.urls import reverse

    from yunjiao.workflows.models import Case

    user = request.user
    if not (user.is_superuser or user.role in access.BRANCH_ROLES):
        return None
    n = Case.objects.visible_to(user).open().filter(process="monitoring", state__in=("active", "expiring")).count()
    return {"label": "电子定位使用中", "value": n, "url": reverse("workflows:list") + "?process=monitoring"}


def trajectory_links(anomaly, user) -> list[tuple[str, str]]:
    """Anomaly page → the subject's trajectory on the map for the days around it (only for users who may see
    the subject's location data; the trajectory read itself is audited when opened)."""
    if anomaly.kind not in TRAJECTORY_KINDS or not access.subjects_for(user).filter(pk=anomaly.subject_id).exists():
        return []
    first = timezone.localtime(anomaly.first_seen_at).date()
    last = timezone.localtime(anomaly.last_seen_at or anomaly.first_seen_at).date()
    url = reverse("monitoring:trajectory", args=[anomaly.subject_id])
    return [("在地图上查看轨迹", f"{url}?start={first.isoformat()}&end={(last + timedelta(days=1)).isoformat()}")]


# anomalies whose evidence is a position: 越界, 禁止区域, 定位失联, 人机分离, device alarms
TRAJECTORY_KINDS = frozenset({"boundary_exit", "prohibited_zone", "lost_contact", "device_silent", "phone_separation",
                              "device_tamper", "device_low_battery"})
