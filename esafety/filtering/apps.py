from django.apps import AppConfig


class FilteringConfig(AppConfig):
    name = "esafety.filtering"
    label = "filtering"
