from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone

from yunjiao.anomalies import links, services
from yunjiao.anomalies.models import Anomaly, AnomalyState
from yunjiao.anomalies.rules import KINDS
from yunjiao.core.errors import ServiceError
from yunjiao.core.views import ScopedDetailView, ScopedListView

OFFICERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer",
                      "social_worker"})


class AnomalyListView(ScopedListView):
    model = Anomaly
    template_name = "anomalies/anomaly_list.html"
    roles = OFFICERS
    paginate_by = 30

    def get_queryset(self):
        qs = super().get_queryset().select_related("subject")
        state = self.request.GET.get("state", "open")
        if state == "open":
            qs = qs.open()
        elif state in AnomalyState.values:
            qs = qs.filter(state=state)
        if self.request.GET.get("kind") in KINDS:
            qs = qs.filter(kind=self.request.GET["kind"])
        if self.request.GET.get("subject", "").isdigit():
            qs = qs.filter(subject_id=self.request.GET["subject"])
        return qs.order_by("due_at", "-last_seen_at")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(states=[("open", "未办结")] + list(AnomalyState.choices), kinds=[(k.code, k.label) for k in KINDS.values()],
                   current_state=self.request.GET.get("state", "open"), current_kind=self.request.GET.get("kind", ""),
                   querystring_no_page=params.urlencode(), now=timezone.now())
        return ctx


class AnomalyDetailView(ScopedDetailView):
    model = Anomaly
    template_name = "anomalies/anomaly_detail.html"
    roles = OFFICERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["escalations"] = [(code, label) for code, (label, _) in services.ESCALATIONS.items()]
        ctx["now"] = timezone.now()
        ctx["links"] = links.links_for(self.object, self.request.user)
        ctx["evidence_rows"] = links.evidence_rows(self.object.evidence)
        return ctx

    def post(self, request, *args, **kwargs):
        anomaly = self.get_object()
        action = request.POST.get("action")
        text = request.POST.get("text", "").strip()
        version = request.POST.get("version")
        version = int(version) if version and version.isdigit() else None
        try:
            if action == "acknowledge":
                services.acknowledge(anomaly, actor=request.user, expected_version=version)
            elif action == "verify":
                services.verify(anomaly, actor=request.user, text=text, expected_version=version)
            elif action == "dispose":
                services.dispose(anomaly, actor=request.user, text=text, expected_version=version,
                                 false_alarm=request.POST.get("false_alarm") == "1")
            elif action == "escalate":
                services.escalate(anomaly, actor=request.user, target=request.POST.get("target", ""), note=text,
                                  expected_version=version)
            else:
                raise ServiceError("未知的操作。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已保存。")
        return redirect("anomalies:detail", pk=anomaly.pk)
