"""Snapshot import stage: a Kaggle `arxiv-metadata-oai-snapshot.json` file (JSON lines, plain or gzip)
-> PaperRecords -> papers_upsert in batches, streamed with constant memory; records a HarvestRun.
"""

import gzip
import json
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO

from django.db import reset_queries
from django.utils import timezone
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from physlit.corpus.categories import PHYSICS_ARCHIVES, categories_match, parse_category_list
from physlit.corpus.models import HarvestRun
from physlit.harvest.errors import HarvestError
from physlit.harvest.records import (
    PaperRecord,
    RecordError,
    VersionRecord,
    author_name,
    clean_text,
    parse_date,
    parse_datetime,
    split_arxiv_id,
    split_authors,
)
from physlit.harvest.upsert import UpsertResult, papers_upsert

logger = logging.getLogger(__name__)

SOURCE = "snapshot"
DEFAULT_BATCH_SIZE = 2000
# One warning line per malformed line up to this many; the rest are only counted.
MAX_WARNINGS = 20
GZIP_MAGIC = b"\x1f\x8b"
COUNT_FIELDS = ("pages", "records_seen", "papers_created", "papers_updated", "records_skipped")


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{key!r} is not a string")
    return clean_text(value)


def _versions(raw: Any) -> list[VersionRecord]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RecordError("'versions' is not a list")
    versions = []
    for item in raw:
        label = item.get("version") if isinstance(item, dict) else None
        if not isinstance(label, str) or not label.startswith("v") or not label[1:].isdigit():
            raise RecordError(f"bad version entry: {item!r}")
        created = item.get("created")
        submitted = parse_datetime(created) if isinstance(created, str) else None
        versions.append(VersionRecord(int(label[1:]), submitted))
    return versions


def _authors(obj: dict[str, Any]) -> list[str]:
    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = [
            author_name(*(part if isinstance(part, str) else "" for part in entry[:3]))
            for entry in parsed
            if isinstance(entry, list) and entry
        ]
        names = [n for n in names if n]
        if names:
            return names
    return split_authors(_text(obj, "authors"))


def snapshot_record(obj: Any) -> PaperRecord:
    """One parsed Kaggle JSON object -> PaperRecord(source="snapshot"); RecordError if it cannot be stored."""
    if not isinstance(obj, dict):
        raise RecordError(f"not a JSON object but {type(obj).__name__}")
    raw_id = obj.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise RecordError("missing 'id'")
    arxiv_id, _ = split_arxiv_id(raw_id)
    title, abstract = _text(obj, "title"), _text(obj, "abstract")
    if not title and not abstract:
        raise RecordError(f"{arxiv_id}: no title and no abstract")
    versions = _versions(obj.get("versions"))
    dated = [v for v in versions if v.submitted]
    first = next((v for v in dated if v.version == 1), min(dated, key=lambda v: v.version, default=None))
    latest = max(dated, key=lambda v: v.version, default=None)
    # Kaggle's update_date moves when metadata (e.g. a journal ref) changes without a new version.
    latest_date = latest.submitted.date() if latest and latest.submitted else None
    candidates = [d for d in (latest_date, parse_date(_text(obj, "update_date"))) if d]
    return PaperRecord(
        arxiv_id=arxiv_id,
        source=SOURCE,
        title=title,
        abstract=abstract,
        authors=_authors(obj),
        categories=_text(obj, "categories").split(),
        comments=_text(obj, "comments"),
        journal_ref=_text(obj, "journal-ref"),
        doi=_text(obj, "doi"),
        report_no=_text(obj, "report-no"),
        license=_text(obj, "license"),
        submitter=_text(obj, "submitter"),
        first_submitted=first.submitted.date() if first and first.submitted else None,
        last_updated=max(candidates, default=None),
        versions=versions,
    )


def snapshot_lines_open(path: Path, stack: ExitStack) -> tuple[BinaryIO, Iterable[bytes]]:
    """The raw file (whose position drives the progress bar) and its lines, gunzipped if needed."""
    raw = stack.enter_context(open(path, "rb"))
    is_gzip = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    return raw, stack.enter_context(gzip.GzipFile(fileobj=raw)) if is_gzip else raw


def snapshot_lines_parse(lines: Iterable[bytes]) -> Iterator[tuple[int, PaperRecord | str]]:
    """(line number, record) for good lines, (line number, reason) for malformed ones; blank lines skipped."""
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield lineno, snapshot_record(json.loads(line))
        except RecordError as exc:
            yield lineno, str(exc)
        except ValueError as exc:  # bad JSON or bad UTF-8
            yield lineno, f"invalid JSON: {exc}"
        except RecursionError:
            yield lineno, "invalid JSON: nested too deeply"
        except TypeError as exc:  # a value of an unexpected type that the checks above let through
            yield lineno, f"unexpected structure: {exc}"


def snapshot_import(
    path: str | Path,
    *,
    categories: str | Iterable[str] | None = None,
    limit: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = True,
) -> HarvestRun:
    """Import the papers of `path` whose categories match `categories` (default: the physics archives).

    Malformed lines are logged with their line numbers and skipped. Returns the finished HarvestRun:
    status FAILED with `error` set when the file held no valid record or could not be read to the end
    (batches written before that stay). Counts that HarvestRun has no column for are in params["counts"].
    """
    path = Path(path)
    if not path.is_file():
        raise HarvestError(f"snapshot file not found: {path}")
    if batch_size < 1 or (limit is not None and limit < 1):
        raise HarvestError("batch size and limit must be positive")
    wanted = parse_category_list(categories) or list(PHYSICS_ARCHIVES)
    counts = {"unchanged": 0, "skipped": 0, "malformed": 0}
    run = HarvestRun.objects.create(
        source=SOURCE,
        params={"path": str(path), "categories": wanted, "limit": limit, "batch_size": batch_size},
    )
    result, stored = UpsertResult(), 0
    batch: list[PaperRecord] = []
    started = time.monotonic()

    def flush() -> None:
        nonlocal result, stored
        result += papers_upsert(batch)
        stored += len(batch)
        batch.clear()
        run.pages += 1
        run.papers_created, run.papers_updated = result.created, result.updated
        counts["unchanged"] = result.unchanged
        run.save(update_fields=[*COUNT_FIELDS])
        # DEBUG keeps every query's SQL in memory until reset (Django resets it per request only).
        reset_queries()

    try:
        with ExitStack() as stack:
            raw, lines = snapshot_lines_open(path, stack)
            bar = stack.enter_context(
                tqdm(
                    total=path.stat().st_size,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=path.name,
                    disable=not progress,
                )
            )
            if progress:
                stack.enter_context(logging_redirect_tqdm())
            for lineno, item in snapshot_lines_parse(lines):
                run.records_seen += 1
                if isinstance(item, str):
                    counts["malformed"] += 1
                    if counts["malformed"] <= MAX_WARNINGS:
                        logger.warning("%s:%d: skipped malformed line: %s", path, lineno, item)
                elif categories_match(item.categories, wanted):
                    batch.append(item)
                else:
                    counts["skipped"] += 1
                run.records_skipped = counts["skipped"] + counts["malformed"]
                if len(batch) >= batch_size or (limit and stored + len(batch) >= limit):
                    flush()
                    bar.set_postfix(stored=stored, refresh=False)
                    bar.update(raw.tell() - bar.n)
                elif lineno % 1024 == 0:
                    bar.update(raw.tell() - bar.n)
                if limit and stored >= limit:
                    break
            if batch:
                flush()
            bar.set_postfix(stored=stored, refresh=False)
            bar.update(raw.tell() - bar.n)
    except (OSError, EOFError) as exc:  # unreadable, or a truncated / corrupt gzip
        run.status, run.error = HarvestRun.Status.FAILED, f"could not read {path} to the end: {exc}"
    except BaseException as exc:
        run.status, run.error = HarvestRun.Status.FAILED, f"{type(exc).__name__}: {exc}"
        _finish(run, counts, stored, started)
        raise
    if counts["malformed"] > MAX_WARNINGS:
        logger.warning("%s: %d more malformed lines not shown", path, counts["malformed"] - MAX_WARNINGS)
    if run.status == HarvestRun.Status.RUNNING:
        if run.records_seen == 0:
            run.status, run.error = HarvestRun.Status.FAILED, f"{path} holds no records (empty file)"
        elif counts["malformed"] == run.records_seen:
            run.status, run.error = (
                HarvestRun.Status.FAILED,
                f"{path} holds no valid records: all {run.records_seen} lines are malformed "
                "(expected one Kaggle arXiv metadata JSON object a line)",
            )
        else:
            run.status = HarvestRun.Status.SUCCEEDED
    _finish(run, counts, stored, started)
    return run


def _finish(run: HarvestRun, counts: dict[str, int], stored: int, started: float) -> None:
    seconds = time.monotonic() - started
    run.params["counts"] = {**counts, "stored": stored, "seconds": round(seconds, 3)}
    run.finished_at = timezone.now()
    run.save()


def snapshot_summary(run: HarvestRun) -> str:
    """One line for people: what an import stored and how fast."""
    counts = run.params.get("counts", {})
    stored, seconds = counts.get("stored", 0), counts.get("seconds", 0.0)
    rate = stored / seconds if seconds else 0.0
    return (
        f"{run.params.get('path')}: {stored:,} papers stored in {seconds:.1f} s ({rate:,.0f} papers/s): "
        f"{run.papers_created:,} created, {run.papers_updated:,} updated, {counts.get('unchanged', 0):,} "
        f"unchanged, {counts.get('skipped', 0):,} skipped (other categories), "
        f"{counts.get('malformed', 0):,} malformed"
    )
