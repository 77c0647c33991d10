from django.apps import AppConfig


class LeaveConfig(AppConfig):
    name = "yunjiao.leave"
    label = "leave"
    verbose_name = "外出管理"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register
        from yunjiao.leave import jobs  # noqa: F401  (registers the periodic jobs)
        from yunjiao.leave.services import on_leave_status
        from yunjiao.subjects.views import register_tab
        from yunjiao.workflows.services import register_status_source

        register_status_source(on_leave_status)
        from yunjiao.geo.services import register_window_provider
        from yunjiao.leave.services import geofence_windows

        register_window_provider(geofence_windows)  # approved leave widens the allowed area
        from yunjiao.leave import documents

        documents.register()
        register_tab("leave", "外出与奖惩", "leave:subject_tab")
        from yunjiao.core.views_workbench import register_widget
        from yunjiao.leave.views import out_now_widget

        register_widget(out_now_widget)
        register(MenuItem(label="外出管理", url_name="leave:list", icon="✈", order=40))
        register(MenuItem(label="执行地变更", url_name="leave:transfers", icon="⇆", order=42))
        register(MenuItem(label="外出请假", url_name="leave:portal_list", icon="✈", order=20, portal=True))
