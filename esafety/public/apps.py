from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "esafety.public"
    label = "public"
    verbose_name = "Public pages"
