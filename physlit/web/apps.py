from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "physlit.web"
    label = "web"
    verbose_name = "Web"
