from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "esafety.policies"
    label = "policies"
