from rest_framework import serializers

from yunjiao.api.base import ScopedReadOnlyViewSet
from yunjiao.orgs.models import Org


class OrgSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Org
        fields = ["id", "code", "name", "division_name", "short_name", "level", "parent", "path"]


class OrgViewSet(ScopedReadOnlyViewSet):
    """机构（只读）：市 > 县(市、区) > 司法所。"""

    model = Org
    serializer_class = OrgSerializer
    filterset_fields = ["level", "code"]
    lookup_field = "code"

    def optimize(self, qs):
        return qs.select_related("parent").order_by("path")


def register(router):
    router.register("orgs", OrgViewSet, basename="org")
