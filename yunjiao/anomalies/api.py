from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yunjiao.anomalies import services
from yunjiao.anomalies.models import Anomaly
from yunjiao.api.base import IsOfficer, ScopedReadOnlyViewSet


class AnomalySerializer(serializers.ModelSerializer):
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Anomaly
        fields = ["id", "subject", "subject_name", "kind", "kind_label", "source", "severity", "state", "state_label",
                  "summary", "count", "first_seen_at", "last_seen_at", "due_at", "verification", "disposition",
                  "is_false_alarm", "escalated_to", "version"]


class ActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["acknowledge", "verify", "dispose", "escalate"])
    text = serializers.CharField(required=False, allow_blank=True, default="")
    target = serializers.CharField(required=False, allow_blank=True, default="")
    false_alarm = serializers.BooleanField(required=False, default=False)
    version = serializers.IntegerField(required=False)


class AnomalyViewSet(ScopedReadOnlyViewSet):
    """异常信息：列表、详情、签收/核实/处置/升级。"""

    model = Anomaly
    serializer_class = AnomalySerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["state", "kind", "subject", "severity"]

    def optimize(self, qs):
        return qs.select_related("subject")

    @action(detail=True, methods=["post"], serializer_class=ActionSerializer)
    def act(self, request, pk=None):
        anomaly = self.get_object()
        s = ActionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        kw = {"actor": request.user, "expected_version": d.get("version")}
        if d["action"] == "acknowledge":
            result = services.acknowledge(anomaly, **kw)
        elif d["action"] == "verify":
            result = services.verify(anomaly, text=d["text"], **kw)
        elif d["action"] == "dispose":
            result = services.dispose(anomaly, text=d["text"], false_alarm=d["false_alarm"], **kw)
        else:
            result = services.escalate(anomaly, target=d["target"], note=d["text"], **kw)
        return Response(AnomalySerializer(result).data)


def register(router):
    router.register("anomalies", AnomalyViewSet, basename="anomaly")
