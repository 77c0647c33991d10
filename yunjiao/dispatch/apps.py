from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "yunjiao.dispatch"
    label = "dispatch"
    verbose_name = "派单用警"

    def ready(self):
        from django.urls import reverse

        from yunjiao.anomalies.services import register_escalation
        from yunjiao.core.menu import MenuItem, register
        from yunjiao.core.scoping import register_grant
        from yunjiao.core.views_workbench import register_widget
        from yunjiao.dispatch import jobs, services  # noqa: F401  (jobs: the consumer autodiscovers only tasks.py)
        from yunjiao.dispatch.models import DispatchOrder

        register(MenuItem(label="派单用警", url_name="dispatch:list", icon="▶", order=36, group="风险管控",
                          roles=frozenset({"city_admin", "city_officer", "county_head", "county_officer",
                                           "township_officer", "police_liaison"})))
        register(MenuItem(label="用警质效", url_name="dispatch:dashboard", icon="▥", order=37, group="风险管控",
                          roles=frozenset({"city_admin", "city_officer", "county_head", "county_officer",
                                           "police_liaison"})))
        register_grant(services.police_grant)
        register_escalation("dispatch", "派单用警", services.escalation_handler)

        def pending_orders_widget(request):
            user = request.user
            if user.role == "police_liaison":
                qs = DispatchOrder.objects.visible_to(user).filter(state__in=["submitted", "accepted", "dispatched",
                                                                              "on_site"])
                label = "待办用警派单"
            elif user.role in services.REQUESTER_ROLES:
                qs = DispatchOrder.objects.visible_to(user).filter(state="completed")
                label = "待评价用警派单"
            else:
                return None
            return {"label": label, "value": qs.count(), "url": reverse("dispatch:list")}

        register_widget(pending_orders_widget)
