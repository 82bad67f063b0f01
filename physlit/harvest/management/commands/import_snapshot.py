"""`manage.py import_snapshot PATH`: a thin door to snapshot_import (Kaggle arXiv metadata, plain or .gz)."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from physlit.corpus.models import HarvestRun
from physlit.harvest.errors import HarvestError
from physlit.harvest.services import dead_runs_interrupt
from physlit.harvest.snapshot import DEFAULT_BATCH_SIZE, snapshot_import, snapshot_summary


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text}")
    return value


class Command(BaseCommand):
    help = "Import papers from a Kaggle arxiv-metadata-oai-snapshot file (JSON lines, plain or gzip)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the snapshot file (.json/.jsonl, optionally gzipped)")
        parser.add_argument("--limit", type=positive_int, help="stop after this many matching papers")
        parser.add_argument(
            "--categories",
            help="comma-separated archives or sub-categories, e.g. hep-th,quant-ph "
            "(default: all physics archives)",
        )
        parser.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        for dead in dead_runs_interrupt():
            self.stdout.write(f"{dead}: {dead.error}")
        try:
            run = snapshot_import(
                options["path"],
                categories=options["categories"],
                limit=options["limit"],
                batch_size=options["batch_size"],
                progress=not options["no_progress"],
            )
        except HarvestError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(snapshot_summary(run))
        if run.status == HarvestRun.Status.FAILED:
            raise CommandError(run.error)
