"""Subjects API (thin): serializers parse, the service validates and writes."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from yunjiao.api.base import IsOfficer, ScopedViewSet
from yunjiao.core.errors import NotAllowed
from yunjiao.orgs.models import Org
from yunjiao.subjects import services
from yunjiao.subjects.forms import FORM_FIELDS
from yunjiao.subjects.models import Subject


class OrgRefField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": "机构代码“{value}”不存在。",
        "invalid": "机构代码格式错误。",
    }


class SubjectSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(write_only=True, max_length=32)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    household_address = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)
    residence_address = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)
    township = OrgRefField(slug_field="code", queryset=Org.objects.filter(level="township"), required=False,
                           allow_null=True)
    execution_org = OrgRefField(slug_field="code", queryset=Org.objects.filter(level="county"), required=False)
    status = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    version = serializers.IntegerField(required=False)
    photo = serializers.FileField(write_only=True, required=False, allow_empty_file=False,
                                  help_text="JPG 或 PNG，不超过 2 MB（multipart/form-data）")

    class Meta:
        model = Subject
        fields = ["id", "number", "name_initials", "id_number_masked", "phone_masked", "status", "status_label",
                  "execution_org", "township", "version", "created_at", "updated_at",
                  "id_number", "phone", "household_address", "residence_address", "photo", *FORM_FIELDS]
        read_only_fields = ["number", "name_initials", "id_number_masked", "phone_masked", "created_at",
                            "updated_at"]

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        for key in ("township", "execution_org", "version"):
            data.pop(key, None)
        return data


class SubjectViewSet(ScopedViewSet):
    """社区矫正对象：列表、详情、新增、修改（按用户所属机构范围过滤）。"""

    model = Subject
    serializer_class = SubjectSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["status", "category", "supervision_level", "risk_level", "is_key_subject"]

    def optimize(self, qs):
        qs = qs.select_related("execution_org", "township").order_by("-id")
        term = self.request.query_params.get("q")
        return services.search(qs, term) if term else qs

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        services.read_full_record(self.get_object(), actor=request.user, what="档案（接口）")
        return response

    def perform_create(self, serializer):
        if not self.request.user.can_write_subjects:
            raise NotAllowed("您的角色无权新增矫正对象档案。")
        vd = serializer.validated_data
        if not vd.get("township") and not vd.get("execution_org"):
            raise ValidationError({"township": ["请提供负责司法所代码或执行地代码。"]})
        serializer.instance = services.create_subject(
            actor=self.request.user, data=serializer.service_data(), township=vd.get("township"),
            execution_org=vd.get("execution_org"))

    def perform_update(self, serializer):
        vd = serializer.validated_data
        if "execution_org" in vd and vd["execution_org"] != serializer.instance.execution_org:
            raise ValidationError({"execution_org": ["执行地只能通过执行地变更流程修改。"]})
        serializer.instance = services.update_subject(
            serializer.instance, actor=self.request.user, data=serializer.service_data(),
            expected_version=vd.get("version"), township=vd.get("township"))


def register(router):
    router.register("subjects", SubjectViewSet, basename="subject")
