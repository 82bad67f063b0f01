"""Index builds after a killed one: its row is marked interrupted, its temporary folder removed, even by a
build that has nothing to embed, and such a no-op build says so."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from filelock import FileLock

from physlit.harvest.upsert import papers_upsert
from physlit.search.build import IndexBusy, index_build, index_current
from physlit.search.corpus_map import map_path
from physlit.search.models import SearchIndex
from tests.support.factories import paper_record

pytestmark = pytest.mark.django_db


def killed_build(index_dir: Path, current: SearchIndex) -> tuple[SearchIndex, Path]:
    """What a build killed mid-write leaves: its row still building, a half-written atomic_folder."""
    row = SearchIndex.objects.create(
        status=SearchIndex.Status.BUILDING,
        path="",
        encoder=current.encoder,
        encoder_backend=current.encoder_backend,
        encoder_fingerprint=current.encoder_fingerprint,
        dim=current.dim,
        parent=current,
    )
    tmp = index_dir / f".{row.pk:06d}.4242.deadbeef.tmp"
    (tmp / "keyword").mkdir(parents=True)
    (tmp / "dense.faiss").write_bytes(b"half a faiss index")
    return row, tmp


def build_index_output(*args: str) -> str:
    out = io.StringIO()
    call_command("build_index", *args, stdout=out)
    return out.getvalue()


def test_a_no_op_build_after_a_killed_one_removes_its_temporaries_and_says_it_embedded_nothing(
    indexed, search_settings
):
    dead, tmp = killed_build(search_settings.PHYSLIT_INDEX_DIR, indexed)

    output = build_index_output()

    assert output.splitlines() == [
        f"index up to date: 8 papers, nothing to embed (index {indexed.pk})",
        f"corpus map: {map_path(indexed.pk)}",  # the fixture's index had none yet
    ]
    assert not tmp.exists() and not list(search_settings.PHYSLIT_INDEX_DIR.glob("*.tmp"))
    dead.refresh_from_db()
    assert dead.status == SearchIndex.Status.INTERRUPTED
    assert index_current().pk == indexed.pk


def test_a_build_that_embeds_reports_its_own_figures(indexed):
    papers_upsert(
        [
            paper_record(
                "2501.00001",
                title="Observation of a neutrino burst from a supernova",
                abstract="Kamiokande detected neutrinos from a core-collapse supernova.",
                categories=["hep-ex"],
            )
        ]
    )

    output = build_index_output()

    assert output.startswith(f"index {index_current().pk}: 9 papers, 1 embedded now")


def test_a_build_refused_by_the_lock_leaves_the_running_build_alone(indexed, search_settings):
    running, tmp = killed_build(search_settings.PHYSLIT_INDEX_DIR, indexed)  # alive: it holds the lock

    with FileLock(search_settings.PHYSLIT_INDEX_DIR / "build.lock"):
        with pytest.raises(IndexBusy):
            index_build(wait=False)

    running.refresh_from_db()
    assert running.status == SearchIndex.Status.BUILDING and tmp.exists()


def test_a_build_counts_the_papers_it_has_embedded_as_it_goes(indexed):
    assert indexed.added == indexed.embedded == 8
