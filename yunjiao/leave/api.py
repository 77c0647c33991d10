"""`/api/v1/leaves/` (officers: their branch; a subject account: its own), POST creates an application
(idempotent on `idempotency_key`); `/api/v1/leaves/windows/?subject=<id>` lists the approved windows in
force (the geofence's view); `/api/v1/transfers/` read-only."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yunjiao.api.base import IsOfficer, ScopedReadOnlyViewSet
from yunjiao.core.errors import NotFound
from yunjiao.leave import services
from yunjiao.leave.models import Leave, ReasonKind, Transfer
from yunjiao.subjects.models import Subject


class LeaveSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="case.state", read_only=True, default="")
    state_label = serializers.CharField(source="case.state_label", read_only=True, default="")

    class Meta:
        model = Leave
        fields = ["id", "subject", "case", "state", "state_label", "destination_codes", "destination_names",
                  "destination_detail", "start_date", "end_date", "reason_kind", "reason", "urgent", "applied_on",
                  "required_level", "authority_reason", "cumulative_days", "approved_start", "approved_end",
                  "pending_end", "departed_at", "returned_at", "return_late_days"]
        read_only_fields = fields


class LeaveApplySerializer(serializers.Serializer):
    subject = serializers.IntegerField(required=False, help_text="工作人员录入时必填；对象本人提交时忽略")
    idempotency_key = serializers.CharField(max_length=64)
    destination_codes = serializers.ListField(child=serializers.CharField(max_length=6))
    destination_names = serializers.CharField(allow_blank=True, default="")
    destination_detail = serializers.CharField(allow_blank=True, default="")
    start = serializers.DateField()
    end = serializers.DateField()
    reason_kind = serializers.ChoiceField(choices=ReasonKind.choices)
    reason = serializers.CharField()
    urgent = serializers.BooleanField(default=False)


class LeaveViewSet(ScopedReadOnlyViewSet):
    model = Leave
    serializer_class = LeaveSerializer
    filterset_fields = ["subject", "required_level"]

    def optimize(self, qs):
        return qs.select_related("case")

    def create(self, request):
        body = LeaveApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        subject_id = request.user.subject_id if request.user.role == "subject" else data.pop("subject", None)
        data.pop("subject", None)
        subject = Subject.objects.visible_to(request.user).filter(pk=subject_id or 0).first()
        if subject is None:
            raise NotFound("未找到该社区矫正对象")
        leave = services.apply_leave(subject, actor=request.user, **data)
        return Response(LeaveSerializer(leave).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"], permission_classes=[IsOfficer])
    def windows(self, request):
        subject = Subject.objects.visible_to(request.user).filter(pk=request.query_params.get("subject") or 0).first()
        if subject is None:
            raise NotFound("未找到该社区矫正对象")
        return Response([{"start": s, "end": e, "destination_codes": list(codes)}
                         for s, e, codes in services.active_windows(subject)])


class TransferSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transfer
        fields = ["id", "subject", "case", "from_county", "from_township", "to_county_code", "to_county_name",
                  "to_county", "to_township", "new_address", "reason", "moved_at", "report_due"]
        read_only_fields = fields


class TransferViewSet(ScopedReadOnlyViewSet):
    model = Transfer
    serializer_class = TransferSerializer
    permission_classes = [IsOfficer]


def register(router):
    router.register("leaves", LeaveViewSet, basename="leave")
    router.register("transfers", TransferViewSet, basename="transfer")
