"""The corpus: one Paper row per arXiv id (no version), its versions and categories, and harvest state."""

import os
import socket
from typing import Any

from django.db import models


class Paper(models.Model):
    arxiv_id = models.CharField(max_length=64, unique=True, help_text="arXiv id without version")
    title = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    # Display names in the paper's order, e.g. ["C. Bal\\'azs", "E. L. Berger"].
    authors = models.JSONField(default=list, blank=True)
    # Lower-cased "; "-joined authors, for author filters on any database.
    authors_text = models.TextField(blank=True, default="")
    # Primary category first, then cross-lists in arXiv's order.
    categories = models.JSONField(default=list, blank=True)
    primary_category = models.CharField(max_length=32, blank=True, db_index=True)
    comments = models.TextField(blank=True)
    journal_ref = models.TextField(blank=True)
    doi = models.CharField(max_length=255, blank=True)
    report_no = models.CharField(max_length=255, blank=True)
    license = models.CharField(max_length=255, blank=True)
    submitter = models.CharField(max_length=255, blank=True)
    first_submitted = models.DateField(null=True, blank=True, help_text="date of v1")
    last_updated = models.DateField(null=True, blank=True, help_text="date of the latest version known")
    latest_version = models.PositiveIntegerField(default=0)
    # field name -> where its current value came from ("snapshot", "oai:arXiv", "oai:arXivRaw", "api").
    sources = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["-first_submitted", "-id"], name="paper_newest"),
            models.Index(fields=["last_updated"], name="paper_last_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:80]}"

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"


class PaperVersion(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    submitted = models.DateTimeField(null=True, blank=True)
    size = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["version"]
        constraints = [models.UniqueConstraint(fields=["paper", "version"], name="uniq_paper_version")]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id}v{self.version}"


class PaperCategory(models.Model):
    """One row per (paper, category): lets filters use an index for archives and sub-categories alike."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="category_rows")
    category = models.CharField(max_length=32)  # e.g. "hep-th", "cond-mat.str-el", "physics.optics"
    archive = models.CharField(max_length=32)  # e.g. "hep-th", "cond-mat", "physics"
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "category"], name="uniq_paper_category")]
        indexes = [
            models.Index(fields=["category", "paper"], name="papercat_category"),
            models.Index(fields=["archive", "paper"], name="papercat_archive"),
        ]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} {self.category}"


class HarvestCursor(models.Model):
    """Where an incremental harvest of one (source, set, format) stands; saved with each committed page."""

    source = models.CharField(max_length=16)  # "oai" or "api"
    set_spec = models.CharField(max_length=64)  # "physics:hep-th" for OAI, "cat:hep-th" for the API
    metadata_prefix = models.CharField(max_length=16, blank=True)
    # The next harvest asks for records changed on or after this date.
    from_date = models.DateField(null=True, blank=True)
    # Set while a list is being paged through; cleared when it completes.
    resumption_token = models.TextField(blank=True)
    # The `from` the unfinished list was started with (used if the token has expired).
    list_from_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "set_spec", "metadata_prefix"], name="uniq_cursor")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.set_spec} from {self.from_date}"


def _this_pid() -> int:
    return os.getpid()


def _this_host() -> str:
    return socket.gethostname()


class HarvestRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        INTERRUPTED = "interrupted"  # its process died; a later run found it (harvest.services)

    source = models.CharField(max_length=16)  # "oai", "api", "snapshot"
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    records_seen = models.PositiveIntegerField(default=0)
    papers_created = models.PositiveIntegerField(default=0)
    papers_updated = models.PositiveIntegerField(default=0)
    records_skipped = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Who runs it and when it last wrote: how a later run tells a live run from one whose process died.
    pid = models.PositiveIntegerField(null=True, blank=True, default=_this_pid)
    host = models.CharField(max_length=255, blank=True, default=_this_host)
    heartbeat_at = models.DateTimeField(auto_now=True, null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every write is a heartbeat: the harvesters save the run once per stored page, naming only the
        # counters, so heartbeat_at joins any update_fields.
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "heartbeat_at"}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.source} run {self.pk} ({self.status})"
