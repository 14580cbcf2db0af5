from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "esafety.standards"
    label = "standards"
    verbose_name = "DfE standards"
