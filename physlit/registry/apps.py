from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "physlit.registry"
    verbose_name = "model versions"
    default_auto_field = "django.db.models.BigAutoField"
