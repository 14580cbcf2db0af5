from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "esafety.api"
    label = "api"
    verbose_name = "API"
