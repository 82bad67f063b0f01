"""WSGI entry point (gunicorn physlit.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "physlit.settings")
application = get_wsgi_application()
