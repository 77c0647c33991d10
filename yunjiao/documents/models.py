"""Documents (文书): city template versions, gap-free 文号 sequences, issued documents, e-file exports.

The document *types* are data in `catalogue.py` (code strings), not rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from yunjiao.core.actors import SYSTEM
from yunjiao.core.scoping import ScopedQuerySet, path_q, scope_path
from yunjiao.documents.catalogue import CATALOGUE

DOC_TYPE_CHOICES = [(t.code, t.title) for t in CATALOGUE.values()]


class TemplateVersionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Templates are the city's forms, not personal data: every officer of the city may read them."""
        from yunjiao.core.scoping import scope_path

        path = scope_path(user)
        if path is None:
            return self.none()
        if path == "":
            return self
        return self.filter(city__path=path.split(".")[0])


class TemplateVersion(models.Model):
    """A city's replacement template of one document type.  Versions count up per (city, type); the
    previous versions stay stored and can be made current again.  No row: the built-in template is used."""

    city = models.ForeignKey("orgs.Org", verbose_name="市级机构", on_delete=models.PROTECT,
                             related_name="document_templates")
    doc_type = models.CharField("文书类型", max_length=64, choices=DOC_TYPE_CHOICES)
    version = models.PositiveIntegerField("版本")
    file = models.FileField("模板文件", upload_to="documents/templates/%Y/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField("大小(字节)")
    fields_used = models.JSONField("使用的字段", default=list)
    is_current = models.BooleanField("当前使用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = TemplateVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "文书模板版本"
        verbose_name_plural = verbose_name
        ordering = ["doc_type", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["city", "doc_type", "version"], name="documents_template_version_uniq"),
            models.UniqueConstraint(fields=["city", "doc_type"], condition=Q(is_current=True),
                                    name="documents_one_current_template"),
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} 第{self.version}版"


class NumberSequence(models.Model):
    """Last 文号 issued per (issuing org, series, year).  Incremented under select_for_update inside the
    transaction that creates the Document, so a rolled-back issue gives its number back: no gaps, no reuse."""

    org = models.ForeignKey("orgs.Org", verbose_name="发文机构", on_delete=models.PROTECT,
                            related_name="number_sequences")
    series = models.CharField("文号类别字", max_length=8)
    year = models.PositiveIntegerField("年度")
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "文号序列"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["org", "series", "year"], name="documents_sequence_uniq")]

    def __str__(self) -> str:
        return f"{self.org} {self.series}字 {self.year}: {self.last}"


class DocumentQuerySet(ScopedQuerySet):
    scope_field = "subject__org_path"
    subject_field = None  # enforcement documents are not shown on the subject's phone
    author_field = "issuing_org__path"  # the issuing org keeps access after an execution-place transfer
    #: a document of a case without a subject (调查评估 before sentencing) is scoped by the case's org path
    case_field = "case__org_path"

    def visible_to(self, user):
        visible = super().visible_to(user)
        path = scope_path(user)
        if user is SYSTEM or path in (None, "") or getattr(user, "role", None) == "subject":
            return visible
        return visible | self.filter(path_q(self.case_field, path))

    def current(self):
        return self.filter(is_current=True)


class Document(models.Model):
    class FileStatus(models.TextChoices):
        PENDING = "pending", "生成中"
        READY = "ready", "已生成"
        FAILED = "failed", "生成失败"

    class PdfStatus(models.TextChoices):
        PENDING = "pending", "转换中"
        READY = "ready", "已生成"
        FAILED = "failed", "转换失败"
        UNAVAILABLE = "unavailable", "PDF 不可用"
        NOT_APPLICABLE = "n/a", "无"

    class Status(models.TextChoices):
        NORMAL = "normal", "正常"
        INCOMPLETE = "incomplete", "待补全"

    # A document of a 调查评估 case has no subject yet (the person is not sentenced): then `case` carries it.
    subject = models.ForeignKey("subjects.Subject", verbose_name="社区矫正对象", on_delete=models.PROTECT,
                                null=True, blank=True, related_name="documents")
    case = models.ForeignKey("workflows.Case", verbose_name="流程案件", on_delete=models.PROTECT, null=True,
                             blank=True, related_name="documents")
    doc_type = models.CharField("文书类型", max_length=64, choices=DOC_TYPE_CHOICES, db_index=True)
    title = models.CharField("题名", max_length=100)
    incoming = models.BooleanField("外来文书", default=False)
    issuing_org = models.ForeignKey("orgs.Org", verbose_name="发文机构", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="issued_documents")
    source_name = models.CharField("来文单位", max_length=100, blank=True, help_text="外来文书：如某某人民法院")
    number = models.CharField("文号", max_length=64, blank=True, db_index=True)
    series = models.CharField(max_length=8, blank=True)
    year = models.PositiveIntegerField(null=True, blank=True)
    seq = models.PositiveIntegerField(null=True, blank=True)
    issue_date = models.DateField("成文日期")
    version = models.PositiveIntegerField("版本", default=1)
    previous = models.OneToOneField("self", verbose_name="上一版本", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="next_version")
    is_current = models.BooleanField("当前版本", default=True)
    fields = models.JSONField("文书内容字段", default=dict, blank=True)
    # INCOMPLETE: the step that produced it was done, but required content is not known yet; the officer fills
    # `missing_fields` (field names) with services.complete_document, then it is rendered.
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.NORMAL,
                              db_index=True)
    missing_fields = models.JSONField("待补全字段", default=list, blank=True)
    template_version = models.ForeignKey(TemplateVersion, verbose_name="模板版本", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="documents")
    template_sha256 = models.CharField(max_length=64, blank=True)
    file = models.FileField("Word 文件", upload_to="documents/%Y/%m/", blank=True)
    file_status = models.CharField("Word 状态", max_length=12, choices=FileStatus.choices,
                                   default=FileStatus.PENDING)
    pdf = models.FileField("PDF 文件", upload_to="documents/%Y/%m/", blank=True)
    pdf_status = models.CharField("PDF 状态", max_length=12, choices=PdfStatus.choices, default=PdfStatus.PENDING)
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    error = models.TextField("错误信息", blank=True)
    transition_record_id = models.BigIntegerField("流程记录", null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书"
        ordering = ["subject", "issue_date", "id"]
        indexes = [models.Index(fields=["subject", "is_current", "doc_type"])]
        constraints = [
            # a 文号 is issued once; versions of one document share it (only one of them current)
            models.UniqueConstraint(fields=["number"], condition=Q(is_current=True) & ~Q(number="") & Q(incoming=False),
                                    name="documents_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number}".strip()

    @property
    def doc_type_def(self):
        return CATALOGUE[self.doc_type]

    @property
    def is_incomplete(self) -> bool:
        return self.status == self.Status.INCOMPLETE

    @property
    def person_name(self) -> str:
        """Whose document it is: the subject, or the assessed person of a case without a subject."""
        if self.subject_id:
            return self.subject.name
        if self.case_id:
            return (self.case.data or {}).get("person_name") or self.case.title
        return ""


class CaseFileExportQuerySet(ScopedQuerySet):
    scope_field = "org_path"


class CaseFileExport(models.Model):
    """A background export of e-files (one subject, or all discharged in a period) as one PDF or a ZIP."""

    class Format(models.TextChoices):
        PDF = "pdf", "合并为一个 PDF"
        ZIP = "zip", "ZIP（Word + PDF）"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导出中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    org = models.ForeignKey("orgs.Org", verbose_name="导出机构", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=64, db_index=True)
    subject = models.ForeignKey("subjects.Subject", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    discharged_from = models.DateField("解除日期自", null=True, blank=True)
    discharged_to = models.DateField("解除日期至", null=True, blank=True)
    archive = models.CharField("档案类别", max_length=12,
                               choices=[("enforcement", "执法档案"), ("working", "工作档案")])
    format = models.CharField("格式", max_length=4, choices=Format.choices, default=Format.ZIP)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("文书总数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    file = models.FileField("导出文件", upload_to="documents/exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = CaseFileExportQuerySet.as_manager()

    class Meta:
        verbose_name = "卷宗导出"
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"卷宗导出 #{self.pk}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)
