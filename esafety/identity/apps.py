from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "esafety.identity"
    label = "identity"
    verbose_name = "Sign-in"
    default_auto_field = "django.db.models.BigAutoField"
