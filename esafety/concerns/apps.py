from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "esafety.concerns"
    label = "concerns"
    verbose_name = "Concerns"
