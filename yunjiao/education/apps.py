from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "yunjiao.education"
    label = "education"
    verbose_name = "教育矫正"
