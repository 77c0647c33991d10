from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "yunjiao.checkins"
    label = "checkins"
    verbose_name = "信息化核查"

    def ready(self):
        from . import checks  # noqa: F401  (registers the face-model start-up check)
        from .views_officer import register_officer_pages

        register_officer_pages()
