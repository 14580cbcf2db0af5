from django.apps import AppConfig


class AuthorisationsConfig(AppConfig):
    name = "esafety.authorisations"
    label = "authorisations"
    verbose_name = "Access authorisations"
