from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "physlit.qa"
    verbose_name = "questions and answers"
    default_auto_field = "django.db.models.BigAutoField"
