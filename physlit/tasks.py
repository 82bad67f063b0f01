"""All Celery tasks: thin doors to stage functions; the only place stages are chained.

Arguments are JSON-friendly (ids, ISO date strings); results are primary keys.
"""

from datetime import date

from celery import chain, shared_task
from django.db import transaction

from physlit.harvest.errors import HarvestNetworkError
from physlit.harvest.services import papers_harvest
from physlit.search.build import IndexBusy, index_build, index_current
from physlit.search.corpus_map import corpus_map_build
from physlit.search.models import SearchIndex
from physlit.search.promote import encoder_promote


# papers_harvest retries each request for a few minutes itself; each task retry is a fresh run that
# resumes from the harvest cursor, so together they ride out a longer outage of arXiv.
@shared_task(autoretry_for=(HarvestNetworkError,), retry_backoff=True, max_retries=5)
def harvest_papers(
    source: str = "oai",
    categories: list[str] | None = None,
    since: str | None = None,
    max_records: int | None = None,
) -> int:
    """Harvest arXiv into the corpus (see papers_harvest); `since` is "YYYY-MM-DD".

    Returns the HarvestRun's primary key.
    """
    run = papers_harvest(
        source=source,
        categories=categories,
        since=date.fromisoformat(since) if since else None,
        max_records=max_records,
    )
    return run.pk


# Another build holding the writer lock finishes first; this one then adds whatever is still missing.
@shared_task(autoretry_for=(IndexBusy,), retry_backoff=30, max_retries=20)
def index_papers(rebuild: bool = False) -> int | None:
    """Bring the search index up to date (incremental unless `rebuild`); returns the SearchIndex pk."""
    row = index_build(rebuild=rebuild, wait=False)
    _map_later(row)
    return row.pk if row else None


def _map_later(row: SearchIndex | None) -> None:
    """Enqueue the corpus map of a freshly built index (the task does nothing for one that has its map)."""
    if row is not None:
        transaction.on_commit(lambda: map_corpus.delay(row.pk))


@shared_task
def map_corpus(index_id: int) -> str:
    """Compute the corpus map (2-D layout for /map) of index `index_id` if it has none; returns its path."""
    return str(corpus_map_build(index_id))


@shared_task
def harvest_then_index(
    source: str = "oai",
    categories: list[str] | None = None,
    since: str | None = None,
    max_records: int | None = None,
) -> None:
    """The daily job: harvest, embed the new papers into the search index (no full rebuild), then
    summarize them and extract their reported results."""
    chain(
        harvest_papers.si(source=source, categories=categories, since=since, max_records=max_records),
        index_papers.si(),
        summarize_pending.si(),
        extract_results_pending.si(),
    ).apply_async()


# Encoder versions: the index is rebuilt with the new encoder while the old index keeps serving; the
# version becomes current only once the new index is complete (physlit.search.promote.encoder_promote).
@shared_task(autoretry_for=(IndexBusy,), retry_backoff=30, max_retries=20)
def promote_encoder(version_id: int) -> int:
    """Rebuild the search index with encoder version `version_id`, then make it current; returns its pk."""
    version = encoder_promote(version_id)
    _map_later(index_current())
    return version.pk


@shared_task(autoretry_for=(IndexBusy,), retry_backoff=30, max_retries=20)
def reindex_current_encoder() -> int | None:
    """After an encoder rollback: rebuild the index with the encoder now current (or the default one)."""
    row = index_build(wait=False)
    _map_later(row)
    return row.pk if row else None


# Summaries: one task per batch of paper ids, so several workers share a re-summarization of the corpus.
@shared_task
def summarize_papers(paper_ids: list[int]) -> int:
    """Summarize these papers with the current summarizer (papers_summarize); returns how many."""
    from physlit.summaries.services import papers_summarize

    return papers_summarize(paper_ids).papers


@shared_task
def summarize_pending() -> int:
    """Enqueue a summarize_papers task per batch of papers whose summary is missing or was made by another
    summarizer than the current one (after a harvest, or when a new summarizer becomes current)."""
    from django.conf import settings

    from physlit.summaries.services import papers_pending

    ids = papers_pending()
    size = settings.PHYSLIT_SUMMARIZE_BATCH
    for start in range(0, len(ids), size):
        summarize_papers.delay(ids[start : start + size])
    return len(ids)


# Reported results: one task per batch of paper ids, like the summaries.
@shared_task
def extract_results(paper_ids: list[int]) -> int:
    """Store these papers' reported results with the current extractor; returns how many results."""
    from physlit.results.services import papers_results_extract

    return papers_results_extract(paper_ids).results


@shared_task
def extract_results_pending() -> int:
    """Enqueue an extract_results task per batch of papers not yet read by the current extractor (after a
    harvest, or when a tagger becomes current)."""
    from physlit.results.services import BATCH, papers_unread

    ids = papers_unread()
    for start in range(0, len(ids), BATCH * 4):
        extract_results.delay(ids[start : start + BATCH * 4])
    return len(ids)


@shared_task
def conversations_expire() -> int:
    """Delete conversations older than PHYSLIT_CONVERSATION_DAYS (hourly, from the beat schedule)."""
    from physlit.qa.services import conversations_expire as expire

    return expire()
