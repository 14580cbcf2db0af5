from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "esafety.web"
    label = "web"
