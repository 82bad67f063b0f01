"""Harvest stage entry point: papers_harvest() pulls arXiv metadata over OAI-PMH or the query API.

Inputs: source, categories, since, max_records (URLs and politeness from settings). Outputs: Paper rows
(via papers_upsert), HarvestCursor rows, and one HarvestRun row saying what happened. Runs whose process
died are marked interrupted by the next run (dead_runs_interrupt).
"""

import datetime
import logging
import os
import socket

from django.conf import settings
from django.utils import timezone

from physlit.corpus.categories import PHYSICS_ARCHIVES, category_archive, parse_category_list
from physlit.corpus.models import HarvestRun
from physlit.harvest.api import api_harvest
from physlit.harvest.errors import HarvestError
from physlit.harvest.http import MAX_RETRY_AFTER
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


def run_silence_allowed() -> datetime.timedelta:
    """How long a live run can go without writing its row: one request's whole retry budget (each retry
    waiting up to MAX_RETRY_AFTER, then timing out), twice over for margin."""
    attempts = settings.PHYSLIT_HARVEST_RETRIES + 1
    seconds = attempts * (MAX_RETRY_AFTER + settings.PHYSLIT_HARVEST_TIMEOUT)
    return datetime.timedelta(seconds=2 * seconds)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: asks only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, under another user
    return True


def run_death(run: HarvestRun, now: datetime.datetime) -> str | None:
    """Why `run` (status running) is dead, or None while it may be alive.

    On its own host the process id settles it; elsewhere (another container or machine) only silence
    does: no write for longer than run_silence_allowed()."""
    if run.host == socket.gethostname() and run.pid is not None and not _pid_alive(run.pid):
        return f"process {run.pid} on {run.host} is gone"
    last = run.heartbeat_at or run.started_at
    if now - last > run_silence_allowed():
        return f"no progress since {last:%Y-%m-%d %H:%M:%S} UTC ({run.host or 'unknown host'})"
    return None


def dead_runs_interrupt() -> list[HarvestRun]:
    """Mark every running HarvestRun whose process died as interrupted; returns those runs.

    A killed process cannot mark its own run; the next harvest (or any harvest command) does. The papers
    and cursors it committed stay: the next run resumes from the cursor."""
    now = timezone.now()
    dead = []
    for run in HarvestRun.objects.filter(status=HarvestRun.Status.RUNNING):
        reason = run_death(run, now)
        if reason is None:
            continue
        # Conditional, so two harvests starting at once mark each dead run once.
        marked = HarvestRun.objects.filter(pk=run.pk, status=HarvestRun.Status.RUNNING).update(
            status=HarvestRun.Status.INTERRUPTED, error=reason, finished_at=now
        )
        if marked:
            run.status, run.error, run.finished_at = HarvestRun.Status.INTERRUPTED, reason, now
            logger.warning("harvest run %s marked interrupted: %s", run.pk, reason)
            dead.append(run)
    return dead


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
    dead_runs_interrupt()
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
