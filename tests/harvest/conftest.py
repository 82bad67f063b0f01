"""Shared by the harvest tests: a fake arXiv on 127.0.0.1 with settings pointed at it, and DB snapshots.

Take `fake_arxiv` or `corpus_snapshot` as an argument in any test under tests/harvest/.
"""

import pytest

from physlit.corpus.models import Paper
from tests.support.fake_arxiv import FakeArxiv


@pytest.fixture
def fake_arxiv(settings):
    """An empty, running FakeArxiv (5 OAI records a page); add records with fake_arxiv.add(...)."""
    with FakeArxiv(page_size=5) as fake:
        settings.PHYSLIT_OAI_URL = fake.oai_url
        settings.PHYSLIT_ARXIV_API_URL = fake.api_url
        settings.PHYSLIT_HARVEST_DELAY = 0.01
        settings.PHYSLIT_HARVEST_RETRIES = 2
        settings.PHYSLIT_HARVEST_TIMEOUT = 5.0
        yield fake


@pytest.fixture
def corpus_snapshot():
    """A function returning everything stored about every paper, comparable across runs."""
    return _snapshot


def _snapshot() -> dict[str, tuple]:
    out = {}
    for p in Paper.objects.prefetch_related("versions", "category_rows"):
        out[p.arxiv_id] = (
            p.title,
            p.abstract,
            tuple(p.authors),
            tuple(p.categories),
            p.primary_category,
            p.comments,
            p.journal_ref,
            p.doi,
            p.license,
            p.submitter,
            p.first_submitted,
            p.last_updated,
            p.latest_version,
            tuple(sorted(p.sources.items())),
            tuple((v.version, v.submitted, v.size) for v in p.versions.all()),
            tuple(sorted((c.category, c.is_primary) for c in p.category_rows.all())),
        )
    return out
