"""Harvest stage, arXiv query API: newest submissions of the wanted categories -> papers_upsert, page by page.

Inputs: wanted categories, optional `since`, a HarvestRun to count into. Outputs: Paper rows and one
HarvestCursor ("api", "cat:<category>") per category: from_date is the newest submission date seen by the
last completed walk, list_from_date how far down an unfinished walk got. Stops at `since` (default: a day
before the oldest from_date), at max_records, or, when some category has no from_date yet, at the first
page of papers already stored (below any unfinished walk's reach).
"""

import itertools
import logging
import time
from datetime import date, timedelta
from typing import Any

import arxiv
import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.db import transaction

from physlit.corpus.categories import categories_match
from physlit.corpus.models import HarvestCursor, HarvestRun, Paper
from physlit.harvest.errors import HarvestError, HarvestNetworkError
from physlit.harvest.http import MalformedResponse, http_get
from physlit.harvest.records import (
    PaperRecord,
    RecordError,
    VersionRecord,
    author_name,
    clean_text,
    split_arxiv_id,
)
from physlit.harvest.upsert import papers_upsert

logger = logging.getLogger(__name__)

# Results per request; the API allows up to 2000, but smaller pages commit progress more often.
PAGE_SIZE = 100
ATOM = "{http://www.w3.org/2005/Atom}"


def _check_feed(response: requests.Response) -> requests.Response:
    """Let a readable 200 feed through; a 4xx becomes a HarvestError carrying arXiv's own message."""
    try:
        root = fromstring(response.content)
    except (SyntaxError, DefusedXmlException) as exc:  # ElementTree's ParseError is a SyntaxError
        if response.status_code == 200:
            raise MalformedResponse(f"unreadable Atom feed ({exc})") from exc
        root = None
    if response.status_code != 200:
        detail = ""
        if root is not None:
            detail = "; ".join(clean_text(s.text) for s in root.iter(f"{ATOM}summary") if s.text)
        raise HarvestError(
            f"arXiv API rejected the query (HTTP {response.status_code}): {detail or 'no details'} "
            f"[{response.url}]"
        )
    return response


class _PoliteSession:
    """Stands in for the arxiv client's requests.Session so that every call shares physlit's
    rate limit, timeout, Retry-After handling and retries (the client has none of the first three)."""

    def get(self, url: str, headers: dict[str, str] | None = None, **_: Any) -> requests.Response:
        return http_get(url, _check_feed, headers=headers)


def api_client(*, page_size: int = PAGE_SIZE) -> arxiv.Client:
    """An arxiv.Client that queries settings.PHYSLIT_ARXIV_API_URL through physlit's polite HTTP layer."""
    client = arxiv.Client(
        page_size=page_size,
        delay_seconds=settings.PHYSLIT_HARVEST_DELAY,
        # Only the client's own empty-page retries are left to it; faults are retried by http_get.
        num_retries=2,
    )
    client.query_url_format = settings.PHYSLIT_ARXIV_API_URL + "?{}"
    client._session = _PoliteSession()  # type: ignore[assignment]
    return client


def api_query(categories: list[str]) -> str:
    """['hep-th', 'quant-ph'] -> 'cat:hep-th OR cat:quant-ph'."""
    return " OR ".join(f"cat:{c}" for c in categories)


def api_record(result: arxiv.Result) -> PaperRecord:
    """arxiv.Result -> PaperRecord; entry_id carries the latest version, published is v1's date."""
    arxiv_id, version = split_arxiv_id(result.entry_id)
    versions = [VersionRecord(1, result.published)]
    if version and version > 1:
        versions.append(VersionRecord(version, result.updated))
    # Primary first, each once.
    categories = [
        c for c in dict.fromkeys(map(clean_text, [result.primary_category, *result.categories])) if c
    ]
    return PaperRecord(
        arxiv_id=arxiv_id,
        source="api",
        title=clean_text(result.title),
        abstract=clean_text(result.summary),
        authors=[name for name in (author_name(a.name) for a in result.authors) if name],
        categories=categories,
        comments=clean_text(result.comment),
        journal_ref=clean_text(result.journal_ref),
        doi=clean_text(result.doi),
        first_submitted=result.published.date(),
        last_updated=result.updated.date(),
        versions=versions,
    )


def _already_stored(records: list[PaperRecord]) -> bool:
    """True when every record is stored at the same or a newer version."""
    stored = dict(
        Paper.objects.filter(arxiv_id__in=[r.arxiv_id for r in records]).values_list(
            "arxiv_id", "latest_version"
        )
    )
    return all(stored.get(r.arxiv_id, -1) >= r.latest_version for r in records)


def _cursors(categories: list[str]) -> list[HarvestCursor]:
    return [
        HarvestCursor.objects.get_or_create(source="api", set_spec=f"cat:{c}", metadata_prefix="")[0]
        for c in categories
    ]


def _save_page(run: HarvestRun, records: list[PaperRecord], seen: int, cursors: list[HarvestCursor]) -> None:
    with transaction.atomic():
        result = papers_upsert(records)
        oldest = min((r.first_submitted for r in records if r.first_submitted), default=None)
        for cursor in cursors:
            # How far down this unfinished walk got: above it, stored papers prove nothing (see module doc).
            if oldest and (cursor.list_from_date is None or oldest < cursor.list_from_date):
                cursor.list_from_date = oldest
                cursor.save(update_fields=["list_from_date", "updated_at"])
        run.pages += 1
        run.records_seen += seen
        run.records_skipped += seen - len(records)
        run.papers_created += result.created
        run.papers_updated += result.updated
        run.save(
            update_fields=["pages", "records_seen", "records_skipped", "papers_created", "papers_updated"]
        )


def _cursors_advance(
    cursors: list[HarvestCursor], categories: list[str], newest: dict[str, date], since: date | None
) -> None:
    """After a completed walk down to `since`: move each category's from_date to its newest submission
    seen, unless the walk started after that from_date (which would skip the papers in between)."""
    with transaction.atomic():
        for cursor, category in zip(cursors, categories, strict=True):
            if cursor.from_date and since and since > cursor.from_date:
                continue
            if category in newest:
                cursor.from_date = max(cursor.from_date or date.min, newest[category])
            cursor.list_from_date = None
            cursor.save(update_fields=["from_date", "list_from_date", "updated_at"])


def api_harvest(
    *, run: HarvestRun, categories: list[str], since: date | None = None, max_records: int | None = None
) -> None:
    """Walk the query newest first, upserting a page at a time, until one of the stop rules holds."""
    page_size = min(PAGE_SIZE, max_records) if max_records else PAGE_SIZE
    client = api_client(page_size=page_size)
    query = api_query(categories)
    search = arxiv.Search(
        query=query,
        max_results=None,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Descending,
    )
    cursors = _cursors(categories)
    if since is None and all(c.from_date for c in cursors):
        # A day of overlap: papers announced later can carry an earlier submission date.
        since = min(c.from_date for c in cursors) - timedelta(days=1)
    # Set when an earlier walk was interrupted: the papers it stored say nothing about what lies below.
    unfinished = min((c.list_from_date for c in cursors if c.list_from_date), default=None)
    url = settings.PHYSLIT_ARXIV_API_URL
    logger.info(
        "arXiv API %s: %s, newest first, down to %s", url, query, since or "the papers already stored"
    )
    started = time.monotonic()
    results = client.results(search)
    remaining = max_records
    newest: dict[str, date] = {}
    complete = False
    try:
        while remaining is None or remaining > 0:
            # islice stops at the page boundary without asking the client for the next page.
            batch = list(
                itertools.islice(results, page_size if remaining is None else min(page_size, remaining))
            )
            if not batch:
                complete = True
                break
            records, reached_since = [], False
            for result in batch:
                if since and result.published.date() < since:
                    reached_since = True
                    break
                try:
                    records.append(api_record(result))
                except RecordError as exc:
                    logger.warning("arXiv API entry skipped: %s", exc)
            for r in records:
                for category in categories:
                    if r.first_submitted and categories_match(r.categories, [category]):
                        newest[category] = max(newest.get(category, date.min), r.first_submitted)
            all_stored = (
                not since
                and bool(records)
                and (
                    unfinished is None
                    or all(r.first_submitted and r.first_submitted < unfinished for r in records)
                )
                and _already_stored(records)
            )
            _save_page(run, records, len(batch), cursors)
            if remaining is not None:
                remaining -= len(records)
            elapsed = max(time.monotonic() - started, 1e-6)
            logger.info(
                "arXiv API page %d: %d results, %d stored; %d seen in total, %.1f results/s",
                run.pages,
                len(batch),
                len(records),
                run.records_seen,
                run.records_seen / elapsed,
            )
            if reached_since or all_stored:
                logger.info(
                    "arXiv API: reached %s; stopping",
                    f"papers older than {since}" if reached_since else "a page of papers already stored",
                )
                complete = True
                break
    except arxiv.HTTPError as exc:
        if 400 <= exc.status < 500:
            raise HarvestError(f"arXiv API rejected the query (HTTP {exc.status}) [{exc.url}]") from exc
        raise HarvestNetworkError(f"could not reach arXiv at {url}: HTTP {exc.status}") from exc
    except arxiv.UnexpectedEmptyPageError as exc:
        raise HarvestNetworkError(
            f"could not reach arXiv at {url}: it kept answering an empty page [{exc.url}]"
        ) from exc
    except requests.RequestException as exc:
        raise HarvestNetworkError(f"could not reach arXiv at {url}: {exc}") from exc
    # Only a walk that got all the way down moves the cursors: an interrupted one is redone from the
    # same `since`, so that nothing below where it stopped is skipped.
    if complete:
        _cursors_advance(cursors, categories, newest, since)
