from django.apps import AppConfig

OFFICERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer",
                      "social_worker"})


class RiskConfig(AppConfig):
    name = "yunjiao.risk"
    label = "risk"
    verbose_name = "风险管控"

    def ready(self):
        from django.db.models import Q
        from django.urls import reverse

        from yunjiao.anomalies.services import register_escalation, register_listener
        from yunjiao.core.menu import MenuItem, register
        from yunjiao.core.scoping import register_grant
        from yunjiao.core.views_workbench import register_widget
        from yunjiao.risk import jobs, warnings  # noqa: F401  (jobs: the consumer autodiscovers only tasks.py)
        from yunjiao.risk.models import Warning

        register(MenuItem(label="预警看板", url_name="risk:board", icon="◎", order=31, group="风险管控",
                          roles=OFFICERS | {"police_liaison"}))
        register(MenuItem(label="重点管控", url_name="risk:key_subjects", icon="★", order=32, group="风险管控",
                          roles=OFFICERS))
        register(MenuItem(label="管控建议", url_name="risk:proposals", icon="✎", order=33, group="风险管控",
                          roles=OFFICERS))
        register(MenuItem(label="矫情分析会", url_name="risk:meetings", icon="▤", order=34, group="风险管控",
                          roles=OFFICERS))
        register(MenuItem(label="认定标准", url_name="risk:rulesets", icon="≡", order=35, group="风险管控",
                          roles=frozenset({"city_admin", "city_officer", "county_head"})))
        from yunjiao.subjects.views import register_tab

        register_tab("risk", "风险管控", "risk:subject_tab")
        register_listener(warnings.on_anomaly)
        register_escalation("warning", "红/黄/蓝预警", warnings.escalation_handler)

        def police_sees_escalated_warnings(user, model):
            # a police liaison sees warnings of their county once the response plan has reached them
            if model is Warning and getattr(user, "role", None) == "police_liaison" and user.org_id:
                from yunjiao.core.scoping import path_q
                from yunjiao.risk.rules import TIERS
                return path_q("org_path", user.org.path) & Q(tier__gte=TIERS.index("police"))
            return None

        register_grant(police_sees_escalated_warnings)

        def open_warnings_widget(request):
            qs = Warning.objects.visible_to(request.user).exclude(state=Warning.State.CLOSED)
            if request.user.role == "subject":
                return None
            n = qs.count()
            red = qs.filter(level="red").count()
            return {"label": "未办结预警" + (f"（红色 {red}）" if red else ""), "value": n, "url": reverse("risk:board")}

        register_widget(open_warnings_widget)
