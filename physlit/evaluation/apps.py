from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "physlit.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation"
