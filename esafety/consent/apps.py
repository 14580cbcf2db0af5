from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "esafety.consent"
    label = "consent"
    verbose_name = "Consent"
