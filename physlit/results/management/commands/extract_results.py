"""`extract_results [--all]`: store each paper's reported results (papers_results_extract)."""

from django.core.management.base import BaseCommand

from physlit.results.services import papers_results_extract, papers_unread


class Command(BaseCommand):
    help = "Extract reported results from abstracts: papers not yet read by the current extractor, or all."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every paper, even those already read")

    def handle(self, *args, **options):
        ids = papers_unread(everything=options["all"])
        if not ids:
            self.stdout.write("every paper has been read by the current extractor")
            return
        self.stdout.write(papers_results_extract(ids, log=self.stdout.write).line())
