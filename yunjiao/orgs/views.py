from yunjiao.core.views import ScopedListView
from yunjiao.orgs.models import Org


class OrgListView(ScopedListView):
    model = Org
    template_name = "orgs/org_list.html"
    paginate_by = 200

    def get_queryset(self):
        return super().get_queryset().select_related("parent").order_by("path")
