"""`/api/v1/discipline-records/`, `/api/v1/sanction-proposals/`, `/api/v1/monthly-scores/` (read-only,
officers).  Decisions are taken on the pages or through the case API (`/api/v1/cases/{id}/transitions/`)."""

from __future__ import annotations

from rest_framework import serializers

from yunjiao.api.base import IsOfficer, ScopedReadOnlyViewSet
from yunjiao.discipline.models import DisciplineRecord, MonthlyScore, Proposal


class RecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisciplineRecord
        fields = ["id", "subject", "kind", "case", "occurred_on", "facts", "decided_on", "delivered_on",
                  "corrected", "corrected_on"]
        read_only_fields = fields


class ProposalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Proposal
        fields = ["id", "subject", "measure", "grounds", "state", "decided_at", "decision_note", "case", "created_at"]
        read_only_fields = fields


class ScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonthlyScore
        fields = ["id", "subject", "month", "lines", "computed", "adjustments", "total"]
        read_only_fields = fields


class RecordViewSet(ScopedReadOnlyViewSet):
    model = DisciplineRecord
    serializer_class = RecordSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["subject", "kind"]


class ProposalViewSet(ScopedReadOnlyViewSet):
    model = Proposal
    serializer_class = ProposalSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["subject", "measure", "state"]


class ScoreViewSet(ScopedReadOnlyViewSet):
    model = MonthlyScore
    serializer_class = ScoreSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["subject", "month"]


def register(router):
    router.register("discipline-records", RecordViewSet, basename="discipline-record")
    router.register("sanction-proposals", ProposalViewSet, basename="sanction-proposal")
    router.register("monthly-scores", ScoreViewSet, basename="monthly-score")
