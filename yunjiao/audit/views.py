from __future__ import annotations

import csv
import io
import json

from django.http import HttpResponse
from django.utils import timezone

from yunjiao.audit import services
from yunjiao.audit.chain import canonical
from yunjiao.audit.models import Action, AuditHead, AuditRecord
from yunjiao.core.views import LoginRequiredView, ScopedListView, ScopedObjectMixin
from yunjiao.subjects.models import Subject

EXPORT_LIMIT = 100_000


class AuditListView(ScopedListView):
    model = AuditRecord
    template_name = "audit/audit_list.html"
    paginate_by = 50
    roles = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer"})

    def get_queryset(self):
        qs = super().get_queryset().order_by("-seq")
        action = self.request.GET.get("action")
        if action in Action.values:
            qs = qs.filter(action=action)
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(actions=Action.choices, querystring_no_page=params.urlencode(),
                   current_action=self.request.GET.get("action", ""))
        return ctx


class AuditExportView(ScopedObjectMixin, LoginRequiredView):
    """CSV or JSON export of scoped audit rows, each with prev_hash/hash and the hashed payload."""

    model = AuditRecord
    roles = AuditListView.roles

    def get(self, request):
        qs = self.scoped_queryset().order_by("seq")
        subject = None
        if request.GET.get("subject"):
            subject = Subject.objects.visible_to(request.user).filter(pk=request.GET["subject"]).first()
            if subject is None:
                from django.http import Http404

                raise Http404("未找到该矫正对象，或不在您的管辖范围内。")
            qs = qs.filter(subject=subject)
        rows = list(services.iter_rows(qs[:EXPORT_LIMIT]))
        broken, checked = services.verify_chain()
        head = AuditHead.objects.filter(id=1).first()
        proof = {
            "algorithm": "SM3(prev_hash_ascii || canonical_json(row))",
            "canonical_fields": list(__import__("yunjiao.audit.chain", fromlist=["x"]).CHAINED_FIELDS),
            "chain_verified_at_export": broken is None,
            "chain_rows_checked": checked,
            "chain_head_seq": head.seq if head else 0,
            "chain_head_hash": head.hash if head else "",
            "exported_at": timezone.now().isoformat(),
            "exported_by": str(request.user),
        }
        services.record(request.user, Action.EXPORT, subject, subject=subject,
                        summary=f"导出审计记录 {len(rows)} 条", org_path=None if subject else (
                            request.user.org.path if request.user.org_id else ""))
        name = f"audit-{subject.number if subject else 'scope'}-{timezone.localdate():%Y%m%d}"
        if request.GET.get("format") == "json":
            body = {"proof": proof, "rows": [dict(r, payload=canonical(r).decode("utf-8")) for r in rows]}
            resp = HttpResponse(json.dumps(body, ensure_ascii=False, default=str, indent=1),
                                content_type="application/json; charset=utf-8")
            resp["Content-Disposition"] = f'attachment; filename="{name}.json"'
            return resp
        buf = io.StringIO()
        buf.write("\ufeff")
        writer = csv.writer(buf)
        writer.writerow(["# 审计链证明", json.dumps(proof, ensure_ascii=False)])
        writer.writerow(["seq", "at", "actor", "action", "object_type", "object_id", "subject_id", "summary",
                         "source", "ip", "prev_hash", "hash", "payload"])
        for r in rows:
            writer.writerow([r["seq"], r["at"].isoformat(), r["actor_label"], r["action"], r["object_type"],
                             r["object_id"], r["subject_id"] or "", r["summary"], r["source"], r["ip"] or "",
                             r["prev_hash"], r["hash"], canonical(r).decode("utf-8")])
        resp = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return resp
