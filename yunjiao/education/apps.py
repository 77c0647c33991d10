from django.apps import AppConfig

OFFICERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer",
                      "social_worker"})


class EducationConfig(AppConfig):
    name = "yunjiao.education"
    label = "education"
    verbose_name = "教育矫正"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register
        from yunjiao.subjects.views import register_tab

        register(MenuItem(label="云课堂", url_name="education:courses", icon="▶", order=50, group="教育帮扶",
                          roles=OFFICERS))
        register(MenuItem(label="集中教育/公益活动", url_name="education:events", icon="✎", order=51,
                          group="教育帮扶", roles=OFFICERS))
        register(MenuItem(label="学时统计", url_name="education:report", icon="∑", order=52, group="教育帮扶",
                          roles=OFFICERS))
        register(MenuItem(label="学习课堂", url_name="education:m_courses", icon="▶", order=20, portal=True))
        register_tab("education", "教育学习", "education:subject_tab")

        from yunjiao.core.views_workbench import register_widget
        from yunjiao.education.views import todays_events_widget

        register_widget(todays_events_widget)

        from yunjiao.education import jobs  # noqa: F401  (registers the periodic tasks)
