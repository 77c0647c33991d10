from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "yunjiao.checkins"
    label = "checkins"
    verbose_name = "信息化核查"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register
        from yunjiao.subjects.views import register_tab

        from . import checks  # noqa: F401  (registers the face-model start-up check)

        register(MenuItem(label="核查任务", url_name="checkins:tasks", icon="✔", order=28))
        register(MenuItem(label="点对点抽查", url_name="checkins:spot_check", icon="◎", order=29,
                          roles=frozenset({"city_admin", "city_officer", "county_head", "county_officer",
                                           "township_officer"})))
        register_tab("checktasks", "核查任务", "checkins:subject_tasks")
        from yunjiao.workflows.services import register_status_listener

        from .tasks_services import cancel_when_not_supervised

        register_status_listener(cancel_when_not_supervised)  # 解除/终止/暂停: pending checks are cancelled
        from yunjiao.anomalies.links import register_link

        from .views_officer import checkin_links, task_links

        register_link("checkins.Checkin", checkin_links)
        register_link("checkins.CheckTask", task_links)
        from .views_officer import register_officer_pages

        register_officer_pages()
