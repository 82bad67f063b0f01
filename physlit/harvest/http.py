"""Harvest stage, network side: one polite GET to arXiv (OAI-PMH or the query API) at a time.

Input: a URL and a parser; output: whatever the parser makes of the response. Enforces
PHYSLIT_HARVEST_DELAY between requests across the process; urllib3's Retry (mounted on the requests
session) retries connection errors, timeouts and 5xx with exponential backoff and waits out a 503's
Retry-After; malformed bodies draw on the same retry budget; then HarvestNetworkError.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from physlit.harvest.errors import HarvestNetworkError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# arXiv may ask for long pauses; beyond this we would rather fail and let Celery retry later.
MAX_RETRY_AFTER = 600.0
USER_AGENT = "physlit/0.1 (arXiv metadata harvester; python-requests)"

# Process-wide: arXiv counts requests per client, not per harvester object.
_lock = threading.Lock()
_next_allowed = 0.0  # time.monotonic() before which no request may start
_session: requests.Session | None = None
_adapter: HTTPAdapter | None = None


class MalformedResponse(Exception):
    """Raised by a parser for an unreadable body (truncated XML, ...): retried like a network fault."""


# Faults found while reading or parsing a body that urllib3 already handed over; retried by us.
BODY_FAULTS = (
    MalformedResponse,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class PoliteRetry(Retry):
    """urllib3's Retry that never comes back sooner than arXiv's polite delay: backoff `delay * 2**n`
    after the n-th failure, a 503's Retry-After (capped at MAX_RETRY_AFTER) when it gives one."""

    # Only arXiv's "too fast" answer carries a Retry-After worth a retry; a 4xx goes to the parser.
    RETRY_AFTER_STATUS_CODES = frozenset({503})

    def __init__(self, *args: Any, polite_delay: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.polite_delay = polite_delay

    def new(self, **kwargs: Any) -> "PoliteRetry":
        kwargs.setdefault("polite_delay", self.polite_delay)
        return super().new(**kwargs)  # type: ignore[return-value]

    def get_backoff_time(self) -> float:
        return min(self.polite_delay * 2 ** len(self.history), self.backoff_max)

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(max(seconds, self.polite_delay), MAX_RETRY_AFTER)


def retry_policy(retries: int, delay: float) -> PoliteRetry:
    """The retry budget of one http_get call: `retries` retries of any fault, 5xx included."""
    return PoliteRetry(
        total=retries,
        status_forcelist=range(500, 600),
        allowed_methods={"GET"},
        raise_on_status=False,  # the last 5xx comes back, so the error can name its status
        polite_delay=delay,
    )


def _get_session() -> tuple[requests.Session, HTTPAdapter]:
    global _session, _adapter
    if _session is None or _adapter is None:
        _session = requests.Session()
        _session.headers["User-Agent"] = USER_AGENT
        _adapter = HTTPAdapter()
        _session.mount("http://", _adapter)
        _session.mount("https://", _adapter)
    return _session, _adapter


def _describe(exc: Exception) -> str:
    """A short reason instead of urllib3's nested repr."""
    if isinstance(exc, requests.Timeout):
        return f"timed out after {settings.PHYSLIT_HARVEST_TIMEOUT:g} s"
    text = str(exc)
    for needle in (
        "Connection refused",
        "Name or service not known",
        "Temporary failure in name resolution",
        "Connection reset",
        "Remote end closed connection",
        "Connection aborted",
    ):
        if needle in text:
            return needle.lower()
    return text[:300]


def _network_error(url: str, problem: str, attempts: int) -> HarvestNetworkError:
    base_url = url.split("?", 1)[0]
    return HarvestNetworkError(
        f"could not reach arXiv at {base_url}: {problem} (gave up after {attempts} attempts)"
    )


def http_get(
    url: str,
    parse: Callable[[requests.Response], T],
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> T:
    """GET url politely and return parse(response).

    5xx answers, connection errors, timeouts and MalformedResponse from `parse` are retried
    PHYSLIT_HARVEST_RETRIES times in all; other statuses (200, 4xx) go to `parse`, which decides.
    """
    global _next_allowed
    delay = settings.PHYSLIT_HARVEST_DELAY
    attempts = settings.PHYSLIT_HARVEST_RETRIES + 1
    retry = retry_policy(settings.PHYSLIT_HARVEST_RETRIES, delay)
    with _lock:
        session, adapter = _get_session()
        while True:
            pause = _next_allowed - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            # One budget per call, shared with the body retries below; safe to swap under the lock.
            adapter.max_retries = retry
            response = None
            try:
                try:
                    response = session.get(
                        url, params=params, headers=headers, timeout=settings.PHYSLIT_HARVEST_TIMEOUT
                    )
                finally:
                    _next_allowed = time.monotonic() + delay
                if response.status_code >= 500:  # urllib3 retried it as long as it could
                    raise _network_error(url, f"HTTP {response.status_code}", attempts)
                return parse(response)
            except BODY_FAULTS as exc:
                problem = f"malformed response: {exc}"
                # The response's Retry counts the faults urllib3 already retried in this call.
                retry = getattr(getattr(response, "raw", None), "retries", None) or retry
                try:
                    retry = retry.increment("GET", url, error=exc)
                except MaxRetryError:
                    raise _network_error(url, problem, attempts) from exc
                wait = max(retry.get_backoff_time(), delay)
                logger.warning("arXiv request failed (%s); retrying in %.2f s: %s", problem, wait, url)
                _next_allowed = time.monotonic() + wait
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise _network_error(url, _describe(exc), attempts) from exc
