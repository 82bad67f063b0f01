from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "physlit.results"
    default_auto_field = "django.db.models.BigAutoField"
