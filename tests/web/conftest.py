"""The web tests' fixtures: a real headless Chromium page (skipped where Chromium or KaTeX is missing)."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

CHROMIUM = os.environ.get("PHYSLIT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page():
    if not CHROMIUM:
        pytest.skip("no Chromium found (apt-get install chromium, or set PHYSLIT_CHROMIUM)")
    if not (Path(settings.BASE_DIR) / "static/vendor/katex/katex.min.js").exists():
        pytest.skip("KaTeX is not installed in static/vendor (run `make static`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page()
        yield page
        browser.close()


@pytest.fixture
def fresh_cache(db):
    """An empty cache before and after the test: the ask rate limit and the archive menu live there."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def many_indexed(db, search_settings):
    """130 papers, indexed: enough to page past 100."""
    from physlit.harvest.upsert import papers_upsert
    from physlit.search.build import index_build
    from tests.support.factories import paper_record

    papers_upsert(
        [
            paper_record(
                f"2402.{i:05d}",
                title=f"Black hole thermodynamics, part {i}",
                abstract=f"Part {i} of a study of the entropy and temperature of black holes.",
            )
            for i in range(1, 131)
        ]
    )
    return index_build()
