from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "physlit.search"
    label = "search"
    verbose_name = "Search"
