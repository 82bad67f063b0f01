"""gunicorn settings (`gunicorn -c python:physlit.gunicorn_conf physlit.wsgi`): each worker loads the search
index and the query encoder before it takes requests, so no user waits for a cold start."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
# gunicorn's largest request line: a search of MAX_QUERY_CHARS (4000) characters fits in the URL; longer lines
# get gunicorn's own plain-text 414 before Django sees them.
limit_request_line = 8190
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# One request runs on one core: sync workers, one thread each for FAISS and ONNX Runtime.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PHYSLIT_ENCODER_THREADS", "1")


def on_starting(server):
    """Refuse to serve a DEBUG site on a bind beyond loopback: gunicorn runs no Django system checks, so the
    master asks the same check (physlit.web.checks) about the binds gunicorn itself resolved."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "physlit.settings")
    from physlit.web.checks import debug_exposure_errors

    errors = debug_exposure_errors(list(server.cfg.bind))
    if errors:
        raise SystemExit("; ".join(f"{e.msg} ({e.hint})" for e in errors))


def post_worker_init(worker):
    """Warm what can be warmed. A failure (the database down, a missing artifact) is logged and the worker
    serves anyway: an exception here would stop the worker and, repeated, halt the gunicorn master, while
    the first request after the database returns loads whatever was not warmed (the slots are lazy)."""
    from django.db import connections

    from physlit.qa.services import qa_warm
    from physlit.search.service import search_warm

    for warm in (search_warm, qa_warm):
        try:
            warm()
        except Exception:
            worker.log.exception("could not warm %s at start; the first request loads it", warm.__name__)
    # Requests open their own connections; one left broken by a failed warm-up must not be reused.
    connections.close_all()
