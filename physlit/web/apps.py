import os
import sys

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class WebConfig(AppConfig):
    name = "physlit.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from physlit.web import checks  # registers the system checks

        # gunicorn runs no system checks: refuse here to serve a DEBUG site on a non-loopback bind.
        if sys.argv and os.path.basename(sys.argv[0]).startswith("gunicorn"):
            errors = checks.debug_exposure_errors()
            if errors:
                raise ImproperlyConfigured("; ".join(f"{e.msg} ({e.hint})" for e in errors))
