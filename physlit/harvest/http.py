"""Harvest stage, network side: one polite GET to arXiv (OAI-PMH or the query API) at a time.

Input: a URL and a parser; output: whatever the parser makes of the response. Enforces
PHYSLIT_HARVEST_DELAY between requests across the process, honours 503 Retry-After, retries
connection errors, timeouts, 5xx and malformed bodies with exponential backoff, then raises
HarvestNetworkError.
"""

import logging
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests
from django.conf import settings

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


class MalformedResponse(Exception):
    """Raised by a parser for an unreadable body (truncated XML, ...): retried like a network fault."""


def _get_session() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
        _session.headers["User-Agent"] = USER_AGENT
    return _session


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


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


def http_get(
    url: str,
    parse: Callable[[requests.Response], T],
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> T:
    """GET url politely and return parse(response).

    5xx answers, connection errors, timeouts and MalformedResponse from `parse` are retried
    PHYSLIT_HARVEST_RETRIES times; other statuses (200, 4xx) go to `parse`, which decides.
    """
    global _next_allowed
    delay = settings.PHYSLIT_HARVEST_DELAY
    attempts = settings.PHYSLIT_HARVEST_RETRIES + 1
    problem = ""
    with _lock:
        for attempt in range(1, attempts + 1):
            pause = _next_allowed - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            wait = 0.0  # extra wait before the next attempt, on top of the polite delay
            try:
                response = _get_session().get(
                    url, params=params, headers=headers, timeout=settings.PHYSLIT_HARVEST_TIMEOUT
                )
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                problem = _describe(exc)
            else:
                if response.status_code < 500:
                    try:
                        return parse(response)
                    except MalformedResponse as exc:
                        problem = f"malformed response: {exc}"
                else:
                    problem = f"HTTP {response.status_code}"
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                    if response.status_code == 503 and retry_after is not None:
                        # arXiv's way of saying "too fast": wait as told rather than guess.
                        wait = retry_after
                        problem += f" (Retry-After {retry_after:g} s)"
            finally:
                _next_allowed = time.monotonic() + delay
            if attempt == attempts:
                break
            if not wait:
                wait = delay * 2**attempt
            logger.warning(
                "arXiv request failed (%s), attempt %d of %d; retrying in %.2f s: %s",
                problem,
                attempt,
                attempts,
                max(wait, delay),
                url,
            )
            _next_allowed = max(_next_allowed, time.monotonic() + wait)
    base_url = url.split("?", 1)[0]
    raise HarvestNetworkError(
        f"could not reach arXiv at {base_url}: {problem} (gave up after {attempts} attempts)"
    )
