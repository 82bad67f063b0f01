"""gunicorn settings (`gunicorn -c python:physlit.gunicorn_conf physlit.wsgi`): each worker loads the search
index and the query encoder before it takes requests, so no user waits for a cold start."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# One request runs on one core: sync workers, one thread each for FAISS and ONNX Runtime.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PHYSLIT_ENCODER_THREADS", "1")


def post_worker_init(worker):
    from physlit.qa.services import qa_warm
    from physlit.search.service import search_warm

    search_warm()
    qa_warm()
