"""Reported results: the quantitative results each abstract states (quantity, value, unit, kind), and which
extractor read the paper (the patterns, or a tagger version from the registry)."""

from django.db import models


class Extraction(models.Model):
    """One per paper read by an extractor, also when it found nothing: "missing" means no row."""

    class Method(models.TextChoices):
        PATTERNS = "patterns", "hand-written patterns (physlit.results.patterns)"
        TAGGER = "tagger", "the fine-tuned token tagger (physlit.ml.tagger)"

    paper = models.OneToOneField("corpus.Paper", on_delete=models.CASCADE, related_name="extraction")
    method = models.CharField(max_length=16, choices=Method.choices)
    version = models.ForeignKey(
        "registry.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"results of paper {self.paper_id} ({self.method})"


class Result(models.Model):
    class Kind(models.TextChoices):
        MEASUREMENT = "measurement"
        UPPER_BOUND = "upper_bound", "upper bound"
        LOWER_BOUND = "lower_bound", "lower bound"
        PREDICTION = "prediction"

    paper = models.ForeignKey("corpus.Paper", on_delete=models.CASCADE, related_name="results")
    quantity = models.CharField(max_length=300, blank=True, help_text="as the abstract names it")
    # physlit.results.patterns.quantity_key: "H_0", "Hubble constant" -> "hubble constant"
    quantity_key = models.CharField(max_length=300, blank=True, db_index=True)
    value = models.CharField(max_length=300, help_text="verbatim, with its uncertainty")
    unit = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(help_text="the abstract's clause or sentence that states it")
    start = models.PositiveIntegerField(help_text="the value's span in the abstract")
    end = models.PositiveIntegerField()
    number = models.FloatField(null=True, blank=True, help_text="the central value, for plots")
    error = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["paper_id", "start"]

    def __str__(self) -> str:
        return f"{self.quantity or '?'} {self.value} {self.unit}".strip()
