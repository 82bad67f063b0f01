"""`manage.py harvest`: a thin door to papers_harvest (harvest stage); prints the runs it found dead, then a
one-line summary."""

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from physlit.harvest.errors import HarvestError
from physlit.harvest.services import dead_runs_interrupt, papers_harvest


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"wants a date like 2024-01-31, not {text!r}") from exc


class Command(BaseCommand):
    help = "Harvest arXiv metadata (new and changed papers) over OAI-PMH or the query API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", required=True, choices=["api", "oai"])
        parser.add_argument("--categories", help="comma-separated, e.g. hep-th,quant-ph (default: settings)")
        when = parser.add_mutually_exclusive_group()
        when.add_argument(
            "--from", dest="since", type=_date, help="YYYY-MM-DD (default: where the last run stopped)"
        )
        when.add_argument("--days", type=int, help="harvest the last N days")
        parser.add_argument("--max", dest="max_records", type=int, help="stop after N papers")
        parser.add_argument(
            "--format",
            dest="metadata_prefix",
            choices=["arXiv", "arXivRaw"],
            help="OAI-PMH metadata format (default: settings.PHYSLIT_OAI_METADATA_PREFIX)",
        )

    def handle(self, *args, source, categories, since, days, max_records, metadata_prefix, **options) -> None:
        if days is not None:
            if days < 0:
                raise CommandError("--days wants a number of days, 0 or more")
            since = datetime.date.today() - datetime.timedelta(days=days)
        for dead in dead_runs_interrupt():  # papers_harvest would mark them too, but silently
            self.stdout.write(f"{dead}: {dead.error}")
        try:
            run = papers_harvest(
                source=source,
                categories=categories.split(",") if categories else None,
                since=since,
                max_records=max_records,
                metadata_prefix=metadata_prefix,
            )
        except HarvestError as exc:
            raise CommandError(str(exc)) from exc
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            f"harvest {source}: {run.papers_created} created, {run.papers_updated} updated, "
            f"{run.records_skipped} skipped, {run.records_seen} records in {run.pages} pages, {seconds:.1f} s"
        )
