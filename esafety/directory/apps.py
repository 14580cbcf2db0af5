from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "esafety.directory"
    label = "directory"
