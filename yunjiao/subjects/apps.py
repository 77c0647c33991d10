from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "yunjiao.subjects"
    label = "subjects"
    verbose_name = "社区矫正对象"
