"""Heavy ML libraries stay off the web request path's import chain (CONVENTIONS.md #3)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def test_importing_urls_does_not_import_torch_transformers_faiss_or_onnxruntime():
    code = (
        "import os, sys, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'physlit.settings')\n"
        "django.setup()\n"
        "import physlit.urls, physlit.tasks\n"
        "heavy = ('torch', 'transformers', 'faiss', 'onnxruntime', 'sentence_transformers', 'bm25s')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


_SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from physlit.harvest.upsert import papers_upsert
from physlit.search.build import index_build
from tests.support.qa_corpus import QA_CORPUS
from tests.support.corpus import corpus_records
papers_upsert(corpus_records(QA_CORPUS))
index_build()
"""

_SERVE = """
import json, sys, django
django.setup()
from django.test import Client
from physlit.qa.services import qa_warm
from physlit.search.service import search_warm
assert search_warm() and qa_warm()  # what physlit/gunicorn_conf.py runs at a worker's start
client = Client()
found = client.get("/api/search", {"q": "graviton mass bound"})
assert found.status_code == 200 and found.json()["results"], found.content
asked = client.post(
    "/api/ask", {"question": "What bound on the graviton mass comes from binary pulsar timing?"},
    content_type="application/json",
)
assert asked.status_code == 200 and asked.json()["citations"], asked.content
from physlit.qa.services import reader_current
assert reader_current()[0] is not None  # the trained reader answered, not the lexical fallback
print(json.dumps(sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)))
"""


@pytest.mark.slow
def test_a_web_worker_serves_search_and_ask_without_torch_or_transformers(qa_reader, models_dir, tmp_path):
    # A fresh process, as a gunicorn worker: its own database file and index, the reader trained by the QA
    # fixtures, the query encoder export shared with the other tests.
    var = tmp_path / "worker"  # tmp_path / "index" is the QA fixtures' own index
    var.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "physlit.settings",
        "DATABASE_URL": f"sqlite:///{var / 'worker.sqlite3'}",
        "PHYSLIT_VAR_DIR": str(var),
        "PHYSLIT_INDEX_DIR": str(var / "index"),
        "PHYSLIT_MODELS_DIR": str(models_dir),
        "PHYSLIT_ENCODER": "",
        "PHYSLIT_ENCODER_BACKEND": "onnx-int8",
        "PHYSLIT_READER": str(qa_reader),
    }
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", _SETUP], env=env, cwd=root, check=True)
    out = subprocess.run([sys.executable, "-c", _SERVE], env=env, cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
