"""信息化核查报表 page: township / county / city, day / week / month, inline SVG charts, Excel download."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from yunjiao.core.errors import NotAllowed
from yunjiao.core.views import ScopedTemplateView
from yunjiao.orgs.models import Org
from yunjiao.reports import charts, rules, services

OFFICERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer",
                      "social_worker"})


class CheckReportView(ScopedTemplateView):
    template_name = "reports/check_report.html"
    roles = OFFICERS

    def _params(self, source):
        kind = source.get("period", "day")
        if kind not in rules.PERIODS:
            kind = "day"
        raw = source.get("date", "").strip()
        try:
            day = date.fromisoformat(raw) if raw else timezone.localdate() - timedelta(days=1)
        except ValueError:
            messages.error(self.request, "日期格式应为 YYYY-MM-DD，已显示昨天的报表。")
            day = timezone.localdate() - timedelta(days=1)
        user = self.request.user
        org_id = source.get("org", "")
        if org_id.isdigit():
            org = Org.objects.filter(pk=org_id).first()
        else:
            org = user.org if user.org_id else Org.objects.filter(level="city").order_by("path").first()
        if org is None:
            raise Http404("未找到该机构。")
        try:
            services.require_org_in_scope(user, org)
        except NotAllowed:
            raise Http404("未找到该机构，或不在您的管辖范围内。")
        return org, rules.period_for(kind, day)

    def get(self, request, *args, **kwargs):
        org, period = self._params(request.GET)
        data, snapshot = services.snapshot_or_live(org, period, actor=request.user)
        if request.GET.get("format") == "xlsx":
            body = services.excel_bytes(data, actor=request.user)
            response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument."
                                                       "spreadsheetml.sheet")
            name = f"信息化核查{data['period_label']}_{org.name}_{period.start:%Y%m%d}.xlsx"
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
            return response
        return self.render_to_response(self.get_context_data(org=org, period=period, data=data, snapshot=snapshot))

    def post(self, request, *args, **kwargs):
        org, period = self._params(request.POST)
        services.regenerate(org, period, actor=request.user)
        messages.success(request, "已重新生成并保存该报表。")
        query = {"period": period.kind, "date": period.start.isoformat(), "org": org.pk}
        return redirect(reverse("reports:checks") + "?" + urlencode(query))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        data, period, org = kwargs["data"], kwargs["period"], kwargs["org"]
        base = {"period": period.kind, "date": period.start.isoformat()}
        prev_p, next_p = period.previous(), rules.period_for(period.kind, period.end)
        for r in data["rows"]:
            r["url"] = (reverse("reports:checks") + "?" + urlencode({**base, "org": r["org_id"]})
                        if r["org_id"] else "")
        # charts show the orgs with activity (a county has ~20 townships, most of them quiet on a given day)
        chart_rows = [r for r in data["rows"] if r["scheduled"] or r["checkins"]] or [{"name": org.name,
                                                                                      **data["total"]}]
        ctx.update(
            periods=rules.PERIODS.items(), base=base,
            prev_url="?" + urlencode({"period": period.kind, "date": prev_p.start.isoformat(), "org": org.pk}),
            next_url="?" + urlencode({"period": period.kind, "date": next_p.start.isoformat(), "org": org.pk}),
            xlsx_url="?" + urlencode({**base, "org": org.pk, "format": "xlsx"}),
            parent=org.parent if org.parent_id and self._in_scope(org.parent) else None,
            task_chart=charts.stacked_tasks(chart_rows),
            pass_chart=charts.bars([(r["name"], r["pass_rate"]) for r in chart_rows], title="签到通过率",
                                   unit="%", max_value=100.0),
            kind_chart=charts.bars([(k["label"], k["rows"]) for k in data["kinds"]], title="异常类型（条）"),
            fmt=rules.fmt_rate)
        return ctx

    def _in_scope(self, org) -> bool:
        try:
            services.require_org_in_scope(self.request.user, org)
        except NotAllowed:
            return False
        return True
