from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "esafety.governance"
    label = "governance"
    verbose_name = "Governors' pack"
