from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "physlit.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from physlit.web import checks  # noqa: F401  registers the system checks
