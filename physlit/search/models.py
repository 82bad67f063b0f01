"""Pointer rows of search indexes: files under var/index/ are immutable; the newest ready row is current."""

from django.db import models


class SearchIndex(models.Model):
    class Status(models.TextChoices):
        BUILDING = "building"
        READY = "ready"
        FAILED = "failed"
        INTERRUPTED = "interrupted"  # its process died mid-build; the next build found it

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BUILDING)
    path = models.CharField(max_length=500, help_text="folder holding dense.faiss, keyword/ and ids.npy")
    encoder = models.CharField(max_length=500, help_text="encoder model path or hub id")
    encoder_backend = models.CharField(max_length=32)
    encoder_fingerprint = models.CharField(max_length=64, blank=True, help_text="hash of weights and export")
    dim = models.PositiveIntegerField(default=0)
    count = models.PositiveIntegerField(default=0, help_text="papers in the index")
    dense_kind = models.CharField(max_length=32, blank=True, help_text="exact or ivf")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    added = models.PositiveIntegerField(default=0, help_text="papers embedded by this build")
    embedded = models.PositiveIntegerField(default=0, help_text="of those, embedded so far")
    build_seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "search indexes"

    def __str__(self) -> str:
        return f"index {self.pk} ({self.status}, {self.count} papers, {self.encoder_backend})"
