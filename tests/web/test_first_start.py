"""While the first index builds (make run serves at once), pages say how far it is instead of failing."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from physlit.harvest.upsert import papers_upsert
from physlit.search.models import SearchIndex
from tests.support.factories import paper_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_build(db):
    papers_upsert([paper_record("2501.00001", title="Neutrinos from a supernova", categories=["hep-ex"])])
    row = SearchIndex.objects.create(
        status=SearchIndex.Status.BUILDING, path="", encoder="m", encoder_backend="onnx-int8", added=3000
    )
    SearchIndex.objects.filter(pk=row.pk).update(
        embedded=1000, created_at=timezone.now() - timedelta(seconds=20)
    )
    return row


def test_the_search_page_shows_the_first_build_s_progress_and_reloads(client, first_build):
    response = client.get("/", {"q": "neutrino"})

    assert response.status_code == 503
    text = response.content.decode()
    # 1,000 papers in 20 s: 2,000 more take about 40 s
    progress = r"the search index is being built: 1,000 of 3,000 papers embedded, about 4\d s left"
    assert re.search(progress, text)
    assert '<meta http-equiv="refresh"' in text


def test_the_home_page_lists_papers_while_the_first_index_builds(client, first_build):
    response = client.get("/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "Neutrinos from a supernova" in text
    assert "Search opens soon: the search index is being built: 1,000 of 3,000" in text


def test_the_api_says_the_index_is_being_built(client, first_build):
    response = client.get("/api/search", {"q": "neutrino"})

    assert response.status_code == 503
    assert "being built: 1,000 of 3,000 papers embedded" in response.json()["error"]


def test_no_progress_line_once_no_build_runs(client, db):
    SearchIndex.objects.create(status=SearchIndex.Status.FAILED, path="", encoder="m", encoder_backend="x")

    assert client.get("/api/search", {"q": "x"}).json()["error"].startswith("no search index yet")
