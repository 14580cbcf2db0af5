from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "esafety.retention"
    label = "retention"
    verbose_name = "Retention and subject access"

    def ready(self):
        # The record types esafety held before the schedule (others register their own).
        from esafety.retention import builtin  # noqa: F401
        from esafety.retention.mail import register_mail_types

        register_mail_types()
