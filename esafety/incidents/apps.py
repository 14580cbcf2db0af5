from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "esafety.incidents"
    label = "incidents"
