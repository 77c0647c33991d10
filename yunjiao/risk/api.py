from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yunjiao.api.base import IsOfficer, ScopedReadOnlyViewSet
from yunjiao.risk import services, warnings
from yunjiao.risk.models import Proposal, Warning


class WarningSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Warning
        fields = ["id", "level", "level_label", "kind", "title", "description", "subject", "org", "anomaly", "state",
                  "state_label", "tier", "raised_at", "ack_due_at", "report_due_at", "report_overdue",
                  "acknowledged_at", "report", "closing_report", "closed_at", "escalation_count", "version"]


class WarningActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["acknowledge", "report", "close", "escalate"])
    text = serializers.CharField(required=False, allow_blank=True, default="")


class WarningViewSet(ScopedReadOnlyViewSet):
    """红/黄/蓝预警：列表、详情、响应/反馈/办结/逐级上报。"""

    model = Warning
    serializer_class = WarningSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["level", "state", "subject"]

    @action(detail=True, methods=["post"], serializer_class=WarningActionSerializer)
    def act(self, request, pk=None):
        w = self.get_object()
        s = WarningActionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        a, text = s.validated_data["action"], s.validated_data["text"]
        if a == "acknowledge":
            w = warnings.acknowledge(w, actor=request.user, note=text)
        elif a == "report":
            w = warnings.report_back(w, actor=request.user, text=text)
        elif a == "close":
            w = warnings.close(w, actor=request.user, closing_report=text)
        else:
            w = warnings.escalate(w, actor=request.user, reason=text or "手动逐级上报")
        return Response(WarningSerializer(w).data)


class ProposalSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "subject", "kind", "old_value", "new_value", "label", "reasons", "score", "state",
                  "decision_reason", "decided_at", "created_at"]


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ProposalViewSet(ScopedReadOnlyViewSet):
    """重点管控与管理等级建议：列表、采纳或否决（否决须说明理由）。"""

    model = Proposal
    serializer_class = ProposalSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["state", "kind", "subject"]

    @action(detail=True, methods=["post"], serializer_class=DecideSerializer)
    def decide(self, request, pk=None):
        p = self.get_object()
        s = DecideSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        p = services.decide_proposal(p, actor=request.user, approve=s.validated_data["approve"],
                                     reason=s.validated_data["reason"])
        return Response(ProposalSerializer(p).data)


def register(router):
    router.register("risk/warnings", WarningViewSet, basename="risk-warning")
    router.register("risk/proposals", ProposalViewSet, basename="risk-proposal")
