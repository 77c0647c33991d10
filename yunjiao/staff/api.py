from rest_framework import serializers

from yunjiao.api.base import IsOfficer, ScopedReadOnlyViewSet
from yunjiao.staff.models import StaffProfile, Training, WorkCertificate


class StaffProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = StaffProfile
        fields = ["id", "user", "name", "establishment", "position", "org", "is_active"]


class CertificateSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkCertificate
        fields = ["id", "profile", "card_type", "number", "status", "org", "applied_at", "issued_at", "valid_until"]


class TrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Training
        fields = ["id", "title", "start_date", "end_date", "hours", "organiser", "mode", "place", "org"]


class StaffProfileViewSet(ScopedReadOnlyViewSet):
    """社区矫正工作人员档案。"""

    model = StaffProfile
    serializer_class = StaffProfileSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["establishment", "org"]


class CertificateViewSet(ScopedReadOnlyViewSet):
    """工作证件。"""

    model = WorkCertificate
    serializer_class = CertificateSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["status", "card_type"]


class TrainingViewSet(ScopedReadOnlyViewSet):
    """业务培训。"""

    model = Training
    serializer_class = TrainingSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["mode"]


def register(router):
    router.register("staff/profiles", StaffProfileViewSet, basename="staff-profile")
    router.register("staff/certificates", CertificateViewSet, basename="staff-certificate")
    router.register("staff/trainings", TrainingViewSet, basename="staff-training")
