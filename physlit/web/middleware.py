"""Errors as each audience reads them: every response under /api/ is JSON {"error": ...}, site pages get
friendly HTML pages, and a database outage is a 503 with Retry-After (it passes) rather than a 500.

`ErrorsMiddleware` turns view exceptions into these responses and rewrites any other non-JSON error under
/api/ (the resolver's 404, require_POST's 405, the CSRF 403, Django's 400s); `server_error` (handler500)
covers exceptions raised outside views, and `csrf_failure` (CSRF_FAILURE_VIEW) says why a POST was refused.
"""

import logging
import sys
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.csrf import csrf_failure as django_csrf_failure

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def request_is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 while the database is unreachable: Django opens a new connection on the next request."""
    message = "the database is unavailable; please retry shortly"
    if request_is_api(request):
        response: HttpResponse = api_error(message, 503)
    else:
        response = render(request, "503.html", {"message": message}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def exception_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The response for an uncaught exception: 503 for a database outage, else a 500 (Django's
    django.request logger has logged it with its traceback)."""
    if isinstance(exc, DATABASE_ERRORS):
        logger.warning("database unavailable on %s: %s", request.path, exc)
        return outage_response(request)
    if request_is_api(request):
        return api_error("internal error", 500)
    try:
        return render(request, "500.html", status=500)
    except Exception:  # the page itself needs something broken (a template, the database)
        return HttpResponse("Internal error. Please try again later.", status=500, content_type="text/plain")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: called inside Django's `except` for exceptions raised outside a view."""
    exc = sys.exc_info()[1]
    return exception_response(request, exc or RuntimeError("handler500 without an exception"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if request_is_api(request):
        return api_error(f"CSRF check failed: {reason}", 403)
    return django_csrf_failure(request, reason=reason)


def response_is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ErrorsMiddleware:
    """Placed right after SecurityMiddleware so that it sees every response the inner layers make."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request_is_api(request) and response.status_code >= 400 and not response_is_json(response):
            response = self.api_rewrite(response)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        # Only the outage here (it works with DEBUG on too); Http404, PermissionDenied and the rest go on to
        # Django, whose 500s come to server_error.
        return outage_response(request) if isinstance(exc, DATABASE_ERRORS) else None

    @staticmethod
    def api_rewrite(response: HttpResponse) -> JsonResponse:
        """The same status as JSON, keeping the headers that matter (Allow on a 405, Retry-After)."""
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase.lower()
        except ValueError:
            phrase = "error"
        message = "internal error" if status == 500 else phrase
        rewritten = api_error(message, status)
        for header in ("Allow", "Retry-After"):
            if header in response:
                rewritten[header] = response[header]
        return rewritten
