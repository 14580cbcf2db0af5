from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "esafety.training"
    label = "training"
    verbose_name = "Training"
