"""Heavy ML libraries stay off the web request path's import chain (CONVENTIONS.md #3)."""

import subprocess
import sys


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
