from django.apps import AppConfig


class MailmonitorConfig(AppConfig):
    name = "esafety.mailmonitor"
    label = "mailmonitor"
    verbose_name = "Mail monitoring"
