from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "esafety.devices"
    label = "devices"
    verbose_name = "Devices and software"
