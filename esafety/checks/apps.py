from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "esafety.checks"
    label = "checks"
