from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "yunjiao.documents"
    label = "documents"
    verbose_name = "文书"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register
        from yunjiao.subjects.views import register_tab

        register(MenuItem(label="文书模板", url_name="documents:templates", icon="▤", order=80,
                          roles=frozenset({"city_admin", "city_officer", "county_head", "county_officer",
                                           "township_officer"})))
        register(MenuItem(label="卷宗导出", url_name="documents:exports", icon="⇩", order=81,
                          roles=frozenset({"city_admin", "city_officer", "county_head", "county_officer",
                                           "township_officer"})))
        register_tab("documents", "文书卷宗", "documents:subject_documents")
