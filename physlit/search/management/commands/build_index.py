"""`build_index [--rebuild]`: bring the search index up to date (incremental unless --rebuild), then compute
the corpus map of the current index if it has none yet."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from physlit.search.build import IndexBusy, index_build
from physlit.search.corpus_map import corpus_map_build, map_path


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
        else:
            self.stdout.write(
                f"index {row.pk}: {row.count} papers, {row.added} embedded now, {row.dense_kind} dense "
                f"search, {row.encoder_backend} encoder, {row.build_seconds:.1f} s"
            )
        if not map_path(row.pk).is_file():
            self.stdout.write(f"corpus map: {corpus_map_build(row.pk)}")
