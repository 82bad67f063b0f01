"""Harvest failures: transient ones are retried (in the run, then by Celery); permanent ones are reported."""


class HarvestError(Exception):
    """A harvest that cannot go on (bad arguments, an OAI error other than an empty result, ...)."""


class HarvestNetworkError(HarvestError):
    """arXiv could not be reached or kept failing after the in-run retries; worth retrying later."""
