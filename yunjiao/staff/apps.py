from django.apps import AppConfig

OFFICERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer",
                      "social_worker"})


class StaffConfig(AppConfig):
    name = "yunjiao.staff"
    label = "staff"
    verbose_name = "队伍管理"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register

        register(MenuItem(label="工作人员", url_name="staff:list", icon="☺", order=80, group="队伍管理",
                          roles=OFFICERS))
        register(MenuItem(label="工作证件", url_name="staff:certificates", icon="▣", order=81, group="队伍管理",
                          roles=OFFICERS))
        register(MenuItem(label="执法中队", url_name="staff:squads", icon="◎", order=82, group="队伍管理",
                          roles=OFFICERS))
        register(MenuItem(label="业务培训", url_name="staff:trainings", icon="✎", order=83, group="队伍管理",
                          roles=OFFICERS))
