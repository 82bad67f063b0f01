"""Model versions: one row per trained model artifact (encoder, query encoder, summarizer, reader) and
which is current."""

from functools import cached_property

from django.db import models


class ModelVersion(models.Model):
    class Kind(models.TextChoices):
        ENCODER = "encoder"
        SUMMARIZER = "summarizer"
        READER = "reader"
        QUERY_ENCODER = "query-encoder"
        CLASSIFIER = "classifier"
        TAGGER = "tagger"

    class Status(models.TextChoices):
        CANDIDATE = "candidate"  # trained, not serving
        PROMOTING = "promoting"  # being made current (an encoder waits for its index rebuild)
        CURRENT = "current"  # serving; at most one per kind
        RETIRED = "retired"  # served before; rollback goes back to the newest retired one
        FAILED = "failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    base = models.CharField(max_length=500, help_text="the model it was trained from")
    path = models.CharField(max_length=1000, help_text="artifact folder (immutable)")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CANDIDATE)
    score = models.FloatField(help_text="main validation metric, higher is better")
    baseline_score = models.FloatField(
        null=True, blank=True, help_text="the then-current version's score on the same validation data"
    )
    metrics = models.JSONField(default=dict)
    train_examples = models.PositiveIntegerField(default=0)
    train_seconds = models.FloatField(default=0)
    device = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(status="current"), name="one_current_version_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} (id {self.pk}, {self.status})"

    @cached_property
    def number(self) -> int:
        """Its place among the versions of its kind, from 1: ids are shared by all kinds, so the first
        reader may have id 2. Rows are never deleted (the admin is read-only), so the number stays."""
        return ModelVersion.objects.filter(kind=self.kind, pk__lte=self.pk).count()

    @property
    def label(self) -> str:
        """What pages and commands show as the model version, e.g. "summarizer v3" (per kind, from 1);
        `models promote` takes the id, which `models list` shows beside it."""
        return f"{self.kind} v{self.number}"


class EvaluationReport(models.Model):
    """An HTML page written by `evaluate` (search, answer and summary metrics with a Recall@k plot);
    the admin lists them and opens the page."""

    path = models.CharField(max_length=1000, help_text="the HTML file under PHYSLIT_REPORTS_DIR")
    questions = models.CharField(max_length=500, help_text="the question file evaluated")
    summary = models.JSONField(default=dict, help_text="headline numbers, e.g. Recall@10 by mode")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"evaluation {self.pk} on {self.questions} ({self.created_at:%Y-%m-%d %H:%M})"
