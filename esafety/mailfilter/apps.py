from django.apps import AppConfig


class MailfilterConfig(AppConfig):
    name = "esafety.mailfilter"
    label = "mailfilter"
    verbose_name = "Mail filter"
