"""Pages of the documents app (thin: every write is a call into services)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.errors import ServiceError
from yunjiao.core.views import LoginRequiredView, ScopedObjectMixin
from yunjiao.documents import catalogue, rendering, services
from yunjiao.documents.demo import demo_context
from yunjiao.documents.fields import FIELDS
from yunjiao.documents.models import CaseFileExport, Document, TemplateVersion
from yunjiao.subjects.models import Subject

TEMPLATE_ADMIN_ROLES = services.TEMPLATE_ADMIN_ROLES


def _require_writer(user) -> None:
    if not user.can_write_subjects:
        raise PermissionDenied("您的角色只能查看文书，不能生成或上传。")


def _file_response(fieldfile, filename: str, *, inline: bool) -> FileResponse:
    return FileResponse(fieldfile.open("rb"), as_attachment=not inline, filename=filename)


def generatable_types():
    return [t for t in catalogue.generated_types() if not t.produced_by_case_file]


class SubjectDocumentsView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    """The documents of one subject: list, on-demand generation, incoming uploads, links to the e-file."""

    model = Subject
    template_name = "documents/subject_documents.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        subject = self.get_scoped_object(self.kwargs["pk"])
        show_all = self.request.GET.get("all") == "1"
        docs = Document.objects.visible_to(self.request.user).filter(subject=subject) \
            .select_related("issuing_org", "created_by").order_by("-issue_date", "-id")
        if not show_all:
            docs = docs.filter(is_current=True)
        stages = {}
        for t in generatable_types():
            stages.setdefault(catalogue.STAGES[t.stage], []).append(t)
        from yunjiao.documents.templatetags.documents_tags import document_rows

        ctx.update(subject=subject, documents=document_rows(docs), show_all=show_all, stages=stages,
                   incoming_types=catalogue.incoming_types(), pdf_available=rendering.pdf_available(),
                   can_write=self.request.user.can_write_subjects, today=timezone.localdate())
        return ctx

    def post(self, request, pk):
        """Upload of an incoming document (判决书 …)."""
        _require_writer(request.user)
        subject = self.get_scoped_object(pk)
        upload = request.FILES.get("file")
        try:
            issue_date = date.fromisoformat(request.POST.get("issue_date", ""))
        except ValueError:
            messages.error(request, "请填写正确的成文日期。")
            return redirect("documents:subject_documents", pk=subject.pk)
        if upload is None:
            messages.error(request, "请选择要上传的文件。")
            return redirect("documents:subject_documents", pk=subject.pk)
        try:
            doc = services.upload_incoming(subject, request.POST.get("doc_type", ""), upload.read(), upload.name,
                                           actor=request.user, number=request.POST.get("number", ""),
                                           issue_date=issue_date, source_name=request.POST.get("source_name", ""))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已上传：{doc.title}")
        return redirect("documents:subject_documents", pk=subject.pk)


def _parse_rows(spec, text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        cells = [c.strip() for c in line.replace("｜", "|").split("|")]
        rows.append({col: (cells[i] if i < len(cells) else "") for i, (col, _) in enumerate(spec.columns)})
    return rows


class GenerateDocumentView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    """On-demand generation of one type from the subject page: a form of the type's fields."""

    model = Subject
    template_name = "documents/generate.html"

    def _type(self):
        try:
            t = catalogue.get(self.kwargs["code"])
        except KeyError:
            raise Http404("未知的文书类型。")
        if t.incoming or t.produced_by_case_file:
            raise Http404("该文书不能在此生成。")
        return t

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        t = self._type()
        subject = self.get_scoped_object(self.kwargs["pk"])
        values = kwargs.get("values") or {}
        fields = []
        for name in t.fields:
            spec = FIELDS[name]
            fields.append({
                "name": name, "label": spec.label, "required": name in t.required, "multiline": spec.multiline,
                "rows": spec.kind == "rows", "columns": "｜".join(lab for _, lab in spec.columns),
                "value": values.get(name, ""),
            })
        ctx.update(subject=subject, doc_type=t, fields=fields, signer=catalogue.SIGNERS[t.signer],
                   archive=catalogue.ARCHIVES[t.archive], issue_date=values.get("issue_date")
                   or timezone.localdate().isoformat())
        return ctx

    def post(self, request, pk, code):
        _require_writer(request.user)
        t = self._type()
        subject = self.get_scoped_object(pk)
        values = {}
        for name in t.fields:
            raw = request.POST.get(name, "").strip()
            values[name] = _parse_rows(FIELDS[name], raw) if FIELDS[name].kind == "rows" else raw
        try:
            issue_date = date.fromisoformat(request.POST.get("issue_date", ""))
        except ValueError:
            issue_date = None
        try:
            doc = services.issue_document(subject, t.code, actor=request.user, context_extra=values,
                                          issue_date=issue_date)
        except ServiceError as exc:
            messages.error(request, exc.message)
            form_values = {k: (request.POST.get(k, "")) for k in t.fields}
            form_values["issue_date"] = request.POST.get("issue_date", "")
            return self.render_to_response(self.get_context_data(values=form_values))
        messages.success(request, f"已生成：{doc.title} {doc.number}".strip())
        return redirect("documents:detail", pk=doc.pk)


class DocumentDetailView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    model = Document
    template_name = "documents/document_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        doc = self.get_scoped_object(self.kwargs["pk"])
        versions = []
        node = doc
        while node is not None:
            versions.append(node)
            node = node.previous
        newer = doc
        while hasattr(newer, "next_version"):
            newer = newer.next_version
            versions.insert(0, newer)
        ctx.update(doc=doc, doc_type=doc.doc_type_def, versions=versions, pdf_available=rendering.pdf_available(),
                   missing=missing_field_forms(doc),
                   can_write=self.request.user.can_write_subjects,
                   signer=catalogue.SIGNERS[doc.doc_type_def.signer])
        return ctx


class DocumentFileView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    """Download the Word file, or the PDF (inline for the preview)."""

    model = Document
    kind = "docx"

    def get(self, request, pk):
        doc = self.get_scoped_object(pk)
        field = doc.pdf if self.kind == "pdf" else doc.file
        if not field:
            if self.kind == "pdf":
                reason = {"unavailable": rendering.PDF_UNAVAILABLE, "pending": "PDF 正在生成，请稍后刷新。",
                          "failed": f"PDF 转换失败：{doc.error}"}.get(doc.pdf_status, "该文书没有 PDF 文件。")
            elif doc.is_incomplete:
                reason = "该文书尚待补全内容，补全后生成 Word 文件。"
            else:
                reason = "Word 文件尚未生成。" if doc.file_status == "pending" else "该文书没有 Word 文件。"
            return HttpResponse(reason, status=404, content_type="text/plain; charset=utf-8")
        audit.record(request.user, Action.READ, doc, subject=doc.subject, org_path=services.audit_path(doc),
                     summary=f"{'预览' if self.kind == 'pdf' else '下载'}文书：{doc.title} {doc.number}".strip())
        ext = field.name.rsplit(".", 1)[-1]
        return _file_response(field, f"{doc.person_name}_{doc.title}_v{doc.version}.{ext}",
                              inline=self.kind == "pdf")


def missing_field_forms(doc: Document, values=None) -> list[dict]:
    """The inputs of the 补全 form of a 待补全 document: one per missing field."""
    values = values or {}
    out = []
    for name in doc.missing_fields or []:
        spec = FIELDS.get(name)
        if spec is None:
            continue
        out.append({"name": name, "label": spec.label, "multiline": spec.multiline, "rows": spec.kind == "rows",
                    "columns": "｜".join(lab for _, lab in spec.columns), "value": values.get(name, "")})
    return out


def _safe_next(request, default: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


class CompleteDocumentView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    """补全: the officer fills the missing content of a 待补全 document; it is then rendered."""

    model = Document
    http_method_names = ["post"]

    def post(self, request, pk):
        _require_writer(request.user)
        doc = self.get_scoped_object(pk)
        values = {}
        for name in doc.missing_fields or []:
            spec = FIELDS.get(name)
            if spec is None:
                continue
            raw = request.POST.get(name, "").strip()
            values[name] = _parse_rows(spec, raw) if spec.kind == "rows" else raw
        back = _safe_next(request, reverse("documents:detail", args=[doc.pk]))
        try:
            services.complete_document(doc, values, actor=request.user)
        except ServiceError as exc:
            messages.error(request, f"“{doc.title}”未补全：{exc.message}")
        else:
            messages.success(request, f"已补全：{doc.title}{(' ' + doc.number) if doc.number else ''}，文书正在生成。")
        return redirect(back)


class RegenerateView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    model = Document
    http_method_names = ["post"]

    def post(self, request, pk):
        _require_writer(request.user)
        doc = self.get_scoped_object(pk)
        try:
            new = services.regenerate(doc, actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("documents:detail", pk=doc.pk)
        messages.success(request, f"已重新生成第{new.version}版，原版本保留。")
        return redirect("documents:detail", pk=new.pk)


class CaseFileView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    """卷内目录 of a subject's enforcement file (county) or working file (司法所)."""

    model = Subject
    template_name = "documents/case_file.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        subject = self.get_scoped_object(self.kwargs["pk"])
        archive = self.kwargs["archive"]
        if archive not in ("enforcement", "working"):
            raise Http404("未知的档案类别。")
        docs = Document.objects.visible_to(self.request.user).filter(subject=subject, is_current=True) \
            .select_related("issuing_org")
        entries = services.case_file_entries(subject, archive, documents=list(docs))
        ctx.update(subject=subject, archive=archive, archive_label=catalogue.ARCHIVES[archive], entries=entries,
                   unknown_pages=any(not e["pages_known"] for e in entries),
                   incomplete=sum(1 for e in entries if e["document"].is_incomplete))
        return ctx


# ------------------------------------------------------------------------------------------ templates
class TemplateListView(LoginRequiredView, TemplateView):
    template_name = "documents/template_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        current = {v.doc_type: v for v in TemplateVersion.objects.visible_to(self.request.user)
                   .filter(is_current=True)}
        rows = [{"t": t, "stage": catalogue.STAGES[t.stage], "signer": catalogue.SIGNERS[t.signer],
                 "archive": catalogue.ARCHIVES[t.archive], "source": catalogue.SOURCES[t.source],
                 "current": current.get(t.code)} for t in catalogue.generated_types()]
        ctx.update(rows=rows, incoming=catalogue.incoming_types(),
                   is_admin=self.request.user.is_superuser or self.request.user.role in TEMPLATE_ADMIN_ROLES)
        return ctx


class _TemplateMixin:
    def doc_type(self):
        try:
            t = catalogue.get(self.kwargs["code"])
        except KeyError:
            raise Http404("未知的文书类型。")
        if t.incoming:
            raise Http404("外来文书没有模板。")
        return t

    def city(self):
        org = self.request.user.org
        if org is None:
            raise Http404("您的账号未归属机构。")
        return services.city_of(org)


class TemplateDetailView(_TemplateMixin, LoginRequiredView, TemplateView):
    template_name = "documents/template_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        t = self.doc_type()
        ctx.update(doc_type=t, fields=rendering.field_help(t), required=set(t.required),
                   versions=TemplateVersion.objects.visible_to(self.request.user).filter(doc_type=t.code)
                   .select_related("uploaded_by"),
                   is_admin=self.request.user.is_superuser or self.request.user.role in TEMPLATE_ADMIN_ROLES,
                   max_mb=rendering.MAX_TEMPLATE_BYTES // 1024 // 1024)
        return ctx

    def post(self, request, code):
        """Upload a replacement (city admin); errors are shown, nothing stored."""
        t = self.doc_type()
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要上传的 .docx 模板文件。")
            return redirect("documents:template_detail", code=t.code)
        if upload.size > rendering.MAX_TEMPLATE_BYTES:
            messages.error(request, f"文件过大（{upload.size / 1024 / 1024:.1f} MB），模板文件不能超过 "
                                    f"{rendering.MAX_TEMPLATE_BYTES // 1024 // 1024} MB。")
            return redirect("documents:template_detail", code=t.code)
        try:
            v = services.upload_template(self.city(), t.code, upload.read(), actor=request.user,
                                         note=request.POST.get("note", ""))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已启用新模板：第{v.version}版。旧版本已保留，可随时恢复。")
        return redirect("documents:template_detail", code=t.code)


class TemplateActivateView(_TemplateMixin, LoginRequiredView, TemplateView):
    http_method_names = ["post"]

    def post(self, request, code):
        t = self.doc_type()
        version_id = request.POST.get("version")
        version = None
        if version_id:
            version = TemplateVersion.objects.visible_to(request.user).filter(pk=version_id, doc_type=t.code).first()
            if version is None:
                raise Http404("未找到该模板版本。")
        try:
            services.activate_template(version, actor=request.user, city=self.city(), code=t.code)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            label = f"第{version.version}版" if version else "系统默认模板"
            messages.success(request, f"已启用{label}。")
        return redirect("documents:template_detail", code=t.code)


class TemplateDownloadView(_TemplateMixin, LoginRequiredView, TemplateView):
    """The current template (or ?version=N, ?builtin=1) to edit in Word; ?sample=1 renders it with demo data."""

    def get(self, request, code):
        t = self.doc_type()
        version = None
        if request.GET.get("version"):
            version = TemplateVersion.objects.visible_to(request.user).filter(
                doc_type=t.code, version=request.GET["version"]).first()
            if version is None:
                raise Http404("未找到该模板版本。")
        elif not request.GET.get("builtin"):
            version = services.current_template(self.city(), t.code) if request.user.org_id else None
        data = services.template_bytes(version) if version else services.builtin_template_bytes(t.code)
        label = f"第{version.version}版" if version else "默认版"
        if request.GET.get("sample"):
            data = rendering.render_document(t, data, demo_context(t))
            label += "_样例"
        return FileResponse(io.BytesIO(data), as_attachment=True, filename=f"{t.title}_{label}.docx")


def subject_documents_url(subject) -> str:
    return reverse("documents:subject_documents", args=[subject.pk])


# ------------------------------------------------------------------------------------------ e-file export
class ExportListView(LoginRequiredView, TemplateView):
    """Request an export (one subject, or everyone discharged in a period) and follow its progress."""

    template_name = "documents/exports.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        exports = CaseFileExport.objects.visible_to(self.request.user).filter(requested_by=self.request.user) \
            .select_related("subject")[:30]
        ctx.update(exports=exports, pdf_available=rendering.pdf_available(), today=timezone.localdate())
        return ctx

    def post(self, request):
        subject = None
        if request.POST.get("subject"):
            subject = Subject.objects.visible_to(request.user).filter(pk=request.POST["subject"]).first()
            if subject is None:
                raise Http404("未找到该对象，或不在您的管辖范围内。")

        def _day(name):
            try:
                return date.fromisoformat(request.POST.get(name, ""))
            except ValueError:
                return None

        try:
            services.request_export(actor=request.user, archive=request.POST.get("archive", ""),
                                    fmt=request.POST.get("format", ""), subject=subject,
                                    discharged_from=_day("discharged_from"), discharged_to=_day("discharged_to"))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已开始导出，完成后可在下方下载。")
        return redirect("documents:exports")


class ExportStatusView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    """One row of the export list (polled by htmx until the export is done)."""

    model = CaseFileExport
    template_name = "documents/_export_row.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["e"] = self.get_scoped_object(self.kwargs["pk"])
        return ctx


class ExportDownloadView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    model = CaseFileExport

    def get(self, request, pk):
        export = self.get_scoped_object(pk)
        if export.status != CaseFileExport.Status.DONE or not export.file:
            return HttpResponse("导出尚未完成。", status=404, content_type="text/plain; charset=utf-8")
        audit.record_read(request.user, export, subject=export.subject, summary=f"下载卷宗导出 #{export.pk}")
        return _file_response(export.file, Path(export.file.name).name, inline=False)
