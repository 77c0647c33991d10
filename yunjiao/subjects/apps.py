from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "yunjiao.subjects"
    label = "subjects"
    verbose_name = "社区矫正对象"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register

        register(MenuItem(label="矫正对象", url_name="subjects:list", icon="☰", order=10,
                          roles=frozenset({"city_admin", "city_officer", "county_head", "county_officer",
                                           "township_officer", "social_worker"})))
