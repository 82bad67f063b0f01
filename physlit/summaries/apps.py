from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "physlit.summaries"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from physlit.summaries import signals  # noqa: F401  (connects the receivers)
