from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "yunjiao.orgs"
    label = "orgs"
    verbose_name = "机构"
