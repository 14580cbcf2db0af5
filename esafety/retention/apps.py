from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "esafety.retention"
    label = "retention"
    verbose_name = "Retention and subject access"
