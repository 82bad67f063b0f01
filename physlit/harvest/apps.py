from django.apps import AppConfig


class HarvestConfig(AppConfig):
    name = "physlit.harvest"
    label = "harvest"
    verbose_name = "Harvest"
