"""All Celery tasks: thin doors to stage functions; the only place stages are chained.

Arguments are JSON-friendly (ids, ISO date strings); results are primary keys.
"""

from datetime import date

from celery import shared_task

from physlit.harvest.errors import HarvestNetworkError
from physlit.harvest.services import papers_harvest


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
