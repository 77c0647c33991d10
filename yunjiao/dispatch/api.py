from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yunjiao.api.base import ScopedReadOnlyViewSet
from yunjiao.dispatch import rules, services
from yunjiao.dispatch.models import DispatchOrder


class DispatchOrderSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)

    class Meta:
        model = DispatchOrder
        fields = ["id", "number", "requesting_org", "liaison_org", "assigned_liaison", "subject", "subject_name",
                  "anomaly", "case", "order_type", "urgency", "place", "requested_time", "officers_needed",
                  "description", "state", "state_label", "submitted_at", "accepted_at", "officers", "dispatched_at",
                  "on_site_at", "result", "completed_at", "score", "evaluation", "evaluated_at", "closing_reason",
                  "version"]


class TransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=list(rules.TRANSITIONS))
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    officers = serializers.CharField(required=False, allow_blank=True, default="")
    result = serializers.CharField(required=False, allow_blank=True, default="")
    score = serializers.IntegerField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class DispatchOrderViewSet(ScopedReadOnlyViewSet):
    """派单用警：列表、详情、办理（提交/受理/派警/到场/完成/评价/退回/撤销）。"""

    model = DispatchOrder
    serializer_class = DispatchOrderSerializer
    filterset_fields = ["state", "urgency", "order_type", "subject"]

    def get_queryset(self):
        if getattr(self.request.user, "role", None) == "subject":
            return DispatchOrder.objects.none()
        return super().get_queryset().select_related("subject")

    @action(detail=True, methods=["post"], serializer_class=TransitionSerializer)
    def transition(self, request, pk=None):
        o = self.get_object()
        s = TransitionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        code, version = d.pop("transition"), d.pop("version", None)
        o = services.fire(o, code, actor=request.user, data=d, expected_version=version)
        return Response(DispatchOrderSerializer(o).data)


def register(router):
    router.register("dispatch/orders", DispatchOrderViewSet, basename="dispatch-order")
