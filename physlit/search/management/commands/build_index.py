"""`build_index [--rebuild]`: bring the search index up to date (incremental unless --rebuild)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from physlit.search.build import IndexBusy, index_build


class Command(BaseCommand):
    help = "Embed new papers into the FAISS index and rebuild the keyword index (--rebuild: everything)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="re-embed every paper")

    def handle(self, *args, **options):
        started = timezone.now()
        try:
            row = index_build(rebuild=options["rebuild"], progress=True, wait=False)
        except IndexBusy as exc:
            raise CommandError(f"{exc}; try again when it has finished") from exc
        if row is None:
            raise CommandError("the corpus is empty: import a snapshot or harvest first")
        if row.created_at < started:  # the index that was already current: this call built nothing
            self.stdout.write(f"index up to date: {row.count} papers, nothing to embed (index {row.pk})")
            return
        self.stdout.write(
            f"index {row.pk}: {row.count} papers, {row.added} embedded now, {row.dense_kind} dense search, "
            f"{row.encoder_backend} encoder, {row.build_seconds:.1f} s"
        )
