from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "esafety.notices"
    label = "notices"
    verbose_name = "Notices"
