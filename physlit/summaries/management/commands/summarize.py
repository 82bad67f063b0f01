"""`summarize [--all|--missing]`: write summaries with the current summarizer (papers_summarize)."""

from django.core.management.base import BaseCommand

from physlit.summaries.services import papers_pending, papers_summarize


class Command(BaseCommand):
    help = "Summarize papers: those without a summary by the current summarizer (default), or all."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="every paper, even those already summarized")
        which.add_argument(
            "--missing", action="store_true", help="papers without a current summary (default)"
        )

    def handle(self, *args, **options):
        ids = papers_pending(everything=options["all"])
        if not ids:
            self.stdout.write("every paper has a summary by the current summarizer")
            return
        report = papers_summarize(ids, log=self.stdout.write)
        self.stdout.write(report.line())
