from rest_framework import serializers
from rest_framework.response import Response

from yunjiao.api.base import ScopedAPIView


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    org = serializers.CharField(allow_null=True)
    org_name = serializers.CharField(allow_null=True)
    subject_id = serializers.IntegerField(allow_null=True)
    last_login = serializers.DateTimeField(allow_null=True)
    previous_login_at = serializers.DateTimeField(allow_null=True)


class MeViewSet(ScopedAPIView):
    """当前用户信息。"""

    serializer_class = MeSerializer

    def list(self, request):
        u = request.user
        return Response(MeSerializer({
            "username": u.username, "display_name": u.display_name, "role": u.role,
            "role_label": u.get_role_display(), "org": u.org.code if u.org_id else None,
            "org_name": u.org.name if u.org_id else None, "subject_id": u.subject_id,
            "last_login": u.last_login, "previous_login_at": u.previous_login_at,
        }).data)


def register(router):
    router.register("me", MeViewSet, basename="me")
