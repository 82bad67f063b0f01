"""The corpus map: computed once per index (by build_index and by the Celery task after a build), stored as
an immutable file, and served as a seeded sample of at most MAP_POINTS points."""

import io
import json

import pytest
from django.core.management import call_command

from physlit.corpus.models import Paper
from physlit.search import corpus_map
from physlit.search.corpus_map import corpus_map_build, corpus_map_get, map_path

pytestmark = pytest.mark.django_db


def test_map_holds_every_indexed_paper_with_its_primary_archive(indexed):
    path = corpus_map_build(indexed.pk)
    assert path == map_path(indexed.pk) and path.parent.name == "maps"
    stored = json.loads(path.read_text())
    assert stored["index"] == indexed.pk and stored["fields"] == ["arxiv_id", "x", "y", "archive"]
    archives = {p[0]: p[3] for p in stored["points"]}
    assert archives == {
        "2401.00001": "hep-th",
        "2401.00002": "quant-ph",
        "2401.00003": "astro-ph",
        "2401.00004": "cond-mat",
        "2401.00005": "quant-ph",
        "2401.00006": "gr-qc",
        "2401.00007": "hep-ph",
        "2401.00008": "hep-th",
    }
    assert all(isinstance(p[1], float) and isinstance(p[2], float) for p in stored["points"])


def test_map_is_computed_once_per_index(indexed):
    path = corpus_map_build(indexed.pk)
    written = path.stat().st_mtime_ns
    assert corpus_map_build(indexed.pk) == path and path.stat().st_mtime_ns == written


def test_no_map_until_computed_then_the_current_index_map(indexed):
    assert corpus_map_get() is None
    corpus_map_build(indexed.pk)
    data = corpus_map_get()
    assert (data["index"], data["count"], data["shown"]) == (indexed.pk, 8, 8)
    assert data["archives"] == {
        "hep-th": 2,
        "quant-ph": 2,
        "astro-ph": 1,
        "cond-mat": 1,
        "gr-qc": 1,
        "hep-ph": 1,
    }
    assert set(data["points"][0]) == {"arxiv_id", "x", "y", "archive"}


def test_display_is_a_seeded_sample_of_at_most_map_points(indexed, monkeypatch):
    monkeypatch.setattr(corpus_map, "MAP_POINTS", 5)
    corpus_map_build(indexed.pk)
    corpus_map._display.cache_clear()
    first = corpus_map_get()
    corpus_map._display.cache_clear()
    assert first["shown"] == 5 and first["count"] == 8 and sum(first["archives"].values()) == 5
    assert corpus_map_get()["points"] == first["points"]
    corpus_map._display.cache_clear()


def test_build_index_command_computes_the_map(db, search_settings):
    from physlit.harvest.upsert import papers_upsert
    from physlit.search.build import index_current
    from tests.support.corpus import corpus_records

    papers_upsert(corpus_records())
    out = io.StringIO()
    call_command("build_index", stdout=out)
    row = index_current()
    assert map_path(row.pk).is_file() and "corpus map" in out.getvalue()


def test_index_task_maps_the_new_index(db, search_settings, django_capture_on_commit_callbacks):
    from physlit.harvest.upsert import papers_upsert
    from physlit.tasks import index_papers
    from tests.support.corpus import corpus_records

    papers_upsert(corpus_records())
    with django_capture_on_commit_callbacks(execute=True):
        pk = index_papers.delay().get()
    assert map_path(pk).is_file()
    assert len(json.loads(map_path(pk).read_text())["points"]) == Paper.objects.count()
