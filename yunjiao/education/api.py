from rest_framework import serializers

from yunjiao.api.base import IsOfficer, ScopedReadOnlyViewSet
from yunjiao.education.models import Course, Event, HoursCredit, MonthlyHours


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "title", "kind", "category", "audience", "audience_value", "required", "hours",
                  "duration_seconds", "published", "org", "created_at"]


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "kind", "topic", "place", "starts_at", "ends_at", "hours", "org", "closed_at"]


class HoursCreditSerializer(serializers.ModelSerializer):
    class Meta:
        model = HoursCredit
        fields = ["id", "subject", "kind", "day", "hours", "source"]


class MonthlyHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonthlyHours
        fields = ["id", "subject", "month", "required_edu", "credited_edu", "required_service", "credited_service",
                  "shortfall", "levels", "closed_at"]


class CourseViewSet(ScopedReadOnlyViewSet):
    """云课堂课程。"""

    model = Course
    serializer_class = CourseSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["kind", "category", "required", "published"]


class EventViewSet(ScopedReadOnlyViewSet):
    """线下教育与公益活动。"""

    model = Event
    serializer_class = EventSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["kind"]


class HoursCreditViewSet(ScopedReadOnlyViewSet):
    """学时记录（在线学习、线下教育、公益活动）。"""

    model = HoursCredit
    serializer_class = HoursCreditSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["subject", "kind"]


class MonthlyHoursViewSet(ScopedReadOnlyViewSet):
    """月度学时结算（供考核奖惩使用）。"""

    model = MonthlyHours
    serializer_class = MonthlyHoursSerializer
    permission_classes = [IsOfficer]
    filterset_fields = ["subject", "month"]


def register(router):
    router.register("education/courses", CourseViewSet, basename="education-course")
    router.register("education/events", EventViewSet, basename="education-event")
    router.register("education/hours", HoursCreditViewSet, basename="education-hours")
    router.register("education/monthly", MonthlyHoursViewSet, basename="education-monthly")
