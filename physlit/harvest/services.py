"""Harvest stage entry point: papers_harvest() pulls arXiv metadata over OAI-PMH or the query API.

Inputs: source, categories, since, max_records (URLs and politeness from settings). Outputs: Paper rows
(via papers_upsert), HarvestCursor rows, and one HarvestRun row saying what happened.
"""

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from physlit.corpus.categories import PHYSICS_ARCHIVES, category_archive, parse_category_list
from physlit.corpus.models import HarvestRun
from physlit.harvest.api import api_harvest
from physlit.harvest.errors import HarvestError
from physlit.harvest.oai import FORMATS, oai_harvest

logger = logging.getLogger(__name__)

SOURCES = ("oai", "api")
# arXiv archives outside physics, accepted so that neighbours (math.MP, cs.LG) can be asked for too.
OTHER_ARCHIVES = ("cs", "econ", "eess", "math", "q-bio", "q-fin", "stat")


def _as_date(value: datetime.date | str | None) -> datetime.date | None:
    # Celery's JSON serializer turns dates into ISO strings; accept those too.
    if value is None or (isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)):
        return value
    if isinstance(value, datetime.datetime):
        return value.date()
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise HarvestError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def papers_harvest(
    *,
    source: str,
    categories: list[str] | None = None,
    since: datetime.date | None = None,
    max_records: int | None = None,
    metadata_prefix: str | None = None,
) -> HarvestRun:
    """Harvest new and changed papers from arXiv into the corpus and return the finished HarvestRun.

    source: "oai" (incremental, resumable, sees new versions) or "api" (newest submissions first).
    categories: archives ("hep-th") or sub-categories ("cond-mat.str-el"); default
    settings.PHYSLIT_HARVEST_CATEGORIES. since: only records changed (OAI) or submitted (API) on or
    after this date; default: where the last run stopped. metadata_prefix: OAI format, "arXiv" or
    "arXivRaw" (default settings.PHYSLIT_OAI_METADATA_PREFIX).

    Raises HarvestError for bad input or a refused request, HarvestNetworkError (retry later) when arXiv
    cannot be reached; the run row is marked failed first. Pages committed before a failure stay.
    """
    if source not in SOURCES:
        raise HarvestError(f"unknown harvest source {source!r} (use one of: {', '.join(SOURCES)})")
    wanted = parse_category_list(categories) or list(settings.PHYSLIT_HARVEST_CATEGORIES)
    unknown = [c for c in wanted if category_archive(c) not in (*PHYSICS_ARCHIVES, *OTHER_ARCHIVES)]
    if unknown:
        raise HarvestError(f"unknown arXiv categories: {', '.join(unknown)}")
    if max_records is not None and max_records < 1:
        raise HarvestError(f"max_records must be at least 1, not {max_records}")
    since = _as_date(since)
    prefix = metadata_prefix or settings.PHYSLIT_OAI_METADATA_PREFIX
    if source == "oai" and prefix not in FORMATS:
        raise HarvestError(f"unsupported OAI-PMH format {prefix!r} (use one of: {', '.join(FORMATS)})")

    params = {"categories": wanted, "since": since.isoformat() if since else None, "max_records": max_records}
    if source == "oai":
        params["metadata_prefix"] = prefix
    run = HarvestRun.objects.create(source=source, params=params)
    logger.info("harvest run %s: %s %s", run.pk, source, params)
    try:
        if source == "oai":
            oai_harvest(
                run=run, categories=wanted, since=since, max_records=max_records, metadata_prefix=prefix
            )
        else:
            api_harvest(run=run, categories=wanted, since=since, max_records=max_records)
    except BaseException as exc:  # KeyboardInterrupt too: the row should not stay "running"
        run.status = HarvestRun.Status.FAILED
        run.error = str(exc) or type(exc).__name__
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        logger.error("harvest run %s failed: %s", run.pk, run.error)
        raise
    run.status = HarvestRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    logger.info(
        "harvest run %s succeeded: %d created, %d updated, %d skipped, %d pages",
        run.pk,
        run.papers_created,
        run.papers_updated,
        run.records_skipped,
        run.pages,
    )
    return run
