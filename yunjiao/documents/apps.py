from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "yunjiao.documents"
    label = "documents"
    verbose_name = "文书"
