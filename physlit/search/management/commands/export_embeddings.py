"""`export_embeddings --format npy|parquet [--output PATH] [--force]`: the current index's paper vectors, with
their arXiv ids and the encoder that made them, for other programs (physlit.search.embeddings)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from physlit.search.embeddings import FORMATS, ExportExists, embeddings_export
from physlit.search.service import SearchUnavailable


class Command(BaseCommand):
    help = "Export the paper embeddings of the current search index (npy folder or Parquet file)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, required=True, dest="fmt")
        parser.add_argument(
            "--output",
            type=Path,
            help="folder (npy) or file (parquet); default embeddings-<index> or embeddings-<index>.parquet",
        )
        parser.add_argument("--force", action="store_true", help="replace an existing output")

    def handle(self, *args, fmt, output, force, **options):
        try:
            path, meta = embeddings_export(fmt=fmt, output=output, force=force)
        except (SearchUnavailable, ExportExists) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{path}: {meta['count']} papers × {meta['dim']} float32 from index {meta['index']} "
            f"(encoder {meta['encoder']}, {meta['version'] or 'not from the model registry'})"
        )
