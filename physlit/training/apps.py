from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "physlit.training"
    verbose_name = "model training"
