from django.apps import AppConfig


class CorpusConfig(AppConfig):
    name = "physlit.corpus"
    label = "corpus"
    verbose_name = "Corpus"
