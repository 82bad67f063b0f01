"""Summaries: one auto-generated summary per paper, with the summarizer version that wrote it."""

from django.db import models


class Summary(models.Model):
    class Method(models.TextChoices):
        SALIENCE = "salience", "clauses of the abstract chosen by the trained salience model"
        LEAD = "lead", "the abstract's opening sentence (no summarizer trained, or the guard's fallback)"
        NONE = "none", "no abstract to summarize"

    paper = models.OneToOneField("corpus.Paper", on_delete=models.CASCADE, related_name="summary")
    text = models.TextField(blank=True)
    # The summarizer version current when it was made (also when its draft was rejected and the fallback
    # stands in); null while no summarizer is trained.
    version = models.ForeignKey(
        "registry.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=16, choices=Method.choices)
    # The model's draft named a number, formula or name that the abstract does not: the fallback replaced it.
    guard_rejected = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "summaries"
        indexes = [models.Index(fields=["version"], name="summary_version")]

    def __str__(self) -> str:
        return f"summary of paper {self.paper_id} ({self.method})"

    @property
    def label(self) -> str:
        """What pages show as its maker: "summarizer v3" (ModelVersion.label), or "lead sentence (...)"."""
        if self.version_id is None:
            return "lead sentence (no summarizer trained)"
        if self.guard_rejected:
            return f"lead sentence ({self.version.label}'s draft failed the faithfulness check)"
        return self.version.label
