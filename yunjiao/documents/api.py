"""Documents API (thin): list/read documents in the user's branch, generate on demand, regenerate.

`/api/v1/documents/?subject=<id>` — current documents of a subject (add `all=1` for every version);
`POST /api/v1/documents/generate/` {subject, doc_type, fields, issue_date}; `POST …/{id}/regenerate/`;
`POST …/{id}/complete/` {fields} fills a 待补全 document;
`GET /api/v1/document-types/` — the catalogue (codes the workflows reference).
"""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from yunjiao.api.base import IsOfficer, ScopedAPIView, ScopedReadOnlyViewSet
from yunjiao.documents import catalogue, services
from yunjiao.documents.models import Document
from yunjiao.subjects.models import Subject


class DocumentSerializer(serializers.ModelSerializer):
    issuing_org = serializers.CharField(source="issuing_org.name", default="", read_only=True)
    file_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "subject", "case", "status", "missing_fields", "doc_type", "title", "number", "issue_date", "version", "previous", "is_current",
                  "incoming", "source_name", "issuing_org", "file_status", "pdf_status", "pages", "error",
                  "transition_record_id", "created_at", "file_url", "pdf_url"]
        read_only_fields = fields

    def _url(self, obj, name, present):
        from django.urls import reverse

        return reverse(f"documents:{name}", args=[obj.pk]) if present else None

    def get_file_url(self, obj) -> str | None:
        return self._url(obj, "download", bool(obj.file))

    def get_pdf_url(self, obj) -> str | None:
        return self._url(obj, "pdf", bool(obj.pdf))


class GenerateSerializer(serializers.Serializer):
    subject = serializers.IntegerField()
    doc_type = serializers.ChoiceField(choices=[t.code for t in catalogue.generated_types()
                                                if not t.produced_by_case_file])
    fields = serializers.DictField(required=False, default=dict)
    issue_date = serializers.DateField(required=False)


class RegenerateSerializer(serializers.Serializer):
    fields = serializers.DictField(required=False, default=dict)


class CompleteSerializer(serializers.Serializer):
    fields = serializers.DictField(help_text="缺少的必填内容：{字段名: 值}")


class DocumentTypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    steps = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    signer = serializers.CharField()
    archive = serializers.CharField()
    section = serializers.CharField()
    order = serializers.IntegerField()
    source = serializers.CharField()
    catalogue_row = serializers.IntegerField()
    incoming = serializers.BooleanField()
    numbered = serializers.BooleanField()
    number_series = serializers.CharField(allow_null=True)
    required = serializers.ListField(child=serializers.CharField())
    optional = serializers.ListField(child=serializers.CharField())


class DocumentViewSet(ScopedReadOnlyViewSet):
    """文书：按对象查询、按需生成、重新生成（新版本）。"""

    model = Document
    serializer_class = DocumentSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["subject", "case", "status", "doc_type", "is_current", "incoming", "transition_record_id"]

    def optimize(self, qs):
        if self.action == "list" and self.request.query_params.get("all") != "1":
            qs = qs.filter(is_current=True)
        return qs.select_related("issuing_org").order_by("subject_id", "issue_date", "id")

    @extend_schema(request=GenerateSerializer, responses={201: DocumentSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request):
        if not request.user.can_write_subjects:
            raise PermissionDenied("您的角色不能生成文书。")
        ser = GenerateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        subject = Subject.objects.visible_to(request.user).filter(pk=ser.validated_data["subject"]).first()
        if subject is None:
            raise NotFound("未找到该对象，或不在您的管辖范围内。")
        doc = services.issue_document(subject, ser.validated_data["doc_type"], actor=request.user,
                                      context_extra=ser.validated_data["fields"],
                                      issue_date=ser.validated_data.get("issue_date") or date.today())
        return Response(DocumentSerializer(doc).data, status=201)

    @extend_schema(request=RegenerateSerializer, responses={201: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk=None):
        if not request.user.can_write_subjects:
            raise PermissionDenied("您的角色不能生成文书。")
        doc = services.regenerate(self.get_object(), actor=request.user,
                                  context_extra=request.data.get("fields") or None)
        return Response(DocumentSerializer(doc).data, status=201)


    @extend_schema(request=CompleteSerializer, responses={200: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """补全待补全文书的必填内容，之后生成文书。"""
        if not request.user.can_write_subjects:
            raise PermissionDenied("您的角色不能补全文书。")
        document = self.get_object()  # out of scope → 404 before the body is looked at
        ser = CompleteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        doc = services.complete_document(document, ser.validated_data["fields"], actor=request.user)
        return Response(DocumentSerializer(doc).data)


class DocumentTypeViewSet(ScopedAPIView):
    """文书类型目录（只读）：代码、名称、阶段、产生环节、签发层级、字段、归档位置、来源状态。"""

    permission_classes = [IsOfficer]
    serializer_class = DocumentTypeSerializer

    @extend_schema(responses=DocumentTypeSerializer(many=True))
    def list(self, request):
        return Response([{
            "code": t.code, "title": t.title, "stage": t.stage, "stage_label": catalogue.STAGES[t.stage],
            "steps": [list(s) for s in t.steps], "signer": t.signer, "archive": t.archive, "section": t.section,
            "order": t.order, "source": t.source, "catalogue_row": t.row, "incoming": t.incoming,
            "numbered": t.numbered, "number_series": t.number_series, "required": list(t.required),
            "optional": list(t.optional),
        } for t in catalogue.CATALOGUE.values()])


def register(router) -> None:
    router.register("documents", DocumentViewSet, basename="document")
    router.register("document-types", DocumentTypeViewSet, basename="document-type")
