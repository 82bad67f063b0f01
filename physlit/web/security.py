"""Security headers Django does not set itself: a Content-Security-Policy from settings.PHYSLIT_CSP.

The pages load every script, style and KaTeX font from /static and have no inline script or style, so the
default policy allows 'self' only; an injected <script> in a harvested title would not run.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.PHYSLIT_CSP
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
