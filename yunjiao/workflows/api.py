"""`/api/v1/cases/` (read) and `/api/v1/cases/{id}/transitions/` (GET: what can I do now; POST: do it).

The POST body is {"name": step, "data": {...}, "note": "...", "expected_version": n}.  Errors come back
as {"code", "message", "fields"}: 400 invalid_data (fields per input), 403 transition_refused
(fields.reasons lists every reason), 409 taken (someone else handled it).
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yunjiao.api.base import IsOfficer, ScopedReadOnlyViewSet
from yunjiao.workflows import services
from yunjiao.workflows.engine import actions_for
from yunjiao.workflows.models import Case


class CaseSerializer(serializers.ModelSerializer):
    process_label = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "process", "process_label", "subject", "title", "state", "state_label", "is_closed",
                  "due_at", "deadline_rule", "deadline_warning", "version", "data", "opened_at", "updated_at"]
        read_only_fields = fields

    def get_process_label(self, obj) -> str:
        return obj.workflow.label

    def get_state_label(self, obj) -> str:
        return obj.state_label


class FireSerializer(serializers.Serializer):
    name = serializers.CharField()
    data = serializers.DictField(required=False, default=dict)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


def describe_action(a) -> dict:
    t = a.transition
    return {
        "name": t.name, "label": t.label, "enabled": a.enabled, "reasons": list(a.reasons),
        "target": t.target, "needs_note": t.needs_note, "needs_attachment": t.needs_attachment,
        "documents": list(t.documents),
        "fields": [{"name": f.name, "label": f.label, "kind": f.kind, "required": f.required,
                    "choices": [list(c) for c in f.choices], "past_only": f.past_only,
                    "future_only": f.future_only} for f in t.fields],
    }


class CaseViewSet(ScopedReadOnlyViewSet):
    model = Case
    serializer_class = CaseSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["process", "state", "is_closed", "subject"]

    def optimize(self, qs):
        return qs.select_related("subject")

    @action(detail=True, methods=["get", "post"], serializer_class=FireSerializer)
    def transitions(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            return Response({"case": CaseSerializer(case).data,
                             "actions": [describe_action(a) for a in actions_for(case, request.user)]})
        body = FireSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.fire(case, body.validated_data["name"], actor=request.user,
                             data=body.validated_data["data"], note=body.validated_data["note"],
                             expected_version=body.validated_data["expected_version"])
        return Response(CaseSerializer(case).data)


def register(router):
    router.register("cases", CaseViewSet, basename="case")
