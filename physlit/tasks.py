"""All Celery tasks: thin doors to stage functions; the only place stages are chained.

Arguments are JSON-friendly (ids, ISO date strings); results are primary keys.
"""

from datetime import date

from celery import chain, shared_task

from physlit.harvest.errors import HarvestNetworkError
from physlit.harvest.services import papers_harvest
from physlit.search.build import IndexBusy, index_build


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
    return row.pk if row else None


@shared_task
def harvest_then_index(
    source: str = "oai",
    categories: list[str] | None = None,
    since: str | None = None,
    max_records: int | None = None,
) -> None:
    """The daily job: harvest, then embed the new papers into the search index (no full rebuild)."""
    chain(
        harvest_papers.si(source=source, categories=categories, since=since, max_records=max_records),
        index_papers.si(),
    ).apply_async()
