"""Paper embeddings for other programs: one paper's stored vector, and the export command in both formats,
read back with numpy and pyarrow (ids aligned with the index's vectors, the encoder in the metadata)."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from physlit.corpus.models import Paper
from physlit.harvest.upsert import papers_upsert
from physlit.ml import vectors
from physlit.registry.models import ModelVersion
from physlit.search.embeddings import embeddings_all, paper_embedding
from tests.support.factories import paper_record

pytestmark = pytest.mark.django_db


def stored_vectors(row, arxiv_ids: list[str]) -> np.ndarray:
    """The vectors the index holds for these papers, read straight from its FAISS file."""
    pks = dict(Paper.objects.values_list("arxiv_id", "pk"))
    dense = vectors.index_load(Path(row.path) / "dense.faiss")
    return vectors.index_vectors(dense, np.asarray([pks[a] for a in arxiv_ids]))


def test_paper_embedding_is_the_stored_vector_with_its_encoder(indexed):
    paper = Paper.objects.get(arxiv_id="2401.00003")
    got = paper_embedding(paper_id=paper.pk)
    assert got.reason is None and got.vector.dtype == np.float32
    np.testing.assert_array_equal(got.vector, stored_vectors(indexed, ["2401.00003"])[0])
    assert got.encoder == {"name": indexed.encoder, "version": None, "index": indexed.pk, "dim": 384}


def test_encoder_from_the_registry_is_named_by_its_version_label(indexed):
    version = ModelVersion.objects.create(kind="encoder", base="x", path=indexed.encoder, score=0.5)
    got = paper_embedding(paper_id=Paper.objects.get(arxiv_id="2401.00001").pk)
    assert got.encoder["version"] == version.label == "encoder v1"  # labels count per kind from 1


def test_paper_not_indexed_yet_has_no_vector_and_a_reason(indexed):
    papers_upsert([paper_record("2402.09999", title="A paper harvested after the build")])
    got = paper_embedding(paper_id=Paper.objects.get(arxiv_id="2402.09999").pk)
    assert got.vector is None and "not in the search index" in got.reason
    assert got.encoder["index"] == indexed.pk


def test_embeddings_all_reads_every_indexed_paper_in_chunks(indexed):
    data = embeddings_all()
    assert len(data.arxiv_ids) == 8 == len(data.paper_ids)
    blocks = list(data.chunks(size=3))
    assert [b.shape for _, b in blocks] == [(3, 384), (3, 384), (2, 384)]
    np.testing.assert_array_equal(
        np.concatenate([b for _, b in blocks]), stored_vectors(indexed, data.arxiv_ids)
    )


def export(*args: str) -> None:
    call_command("export_embeddings", *args, stdout=io.StringIO())


def test_npy_export_aligns_ids_with_vectors_and_records_the_encoder(indexed, tmp_path):
    out = tmp_path / "export"
    export("--format", "npy", "--output", str(out))
    matrix = np.load(out / "embeddings.npy")
    ids = (out / "ids.txt").read_text().split()
    meta = json.loads((out / "meta.json").read_text())
    assert matrix.dtype == np.float32 and matrix.shape == (8, 384)
    assert sorted(ids) == sorted(Paper.objects.values_list("arxiv_id", flat=True))
    np.testing.assert_array_equal(matrix, stored_vectors(indexed, ids))
    assert meta["encoder"] == indexed.encoder and meta["version"] is None
    assert meta["fingerprint"] == indexed.encoder_fingerprint and meta["backend"] == indexed.encoder_backend
    assert (meta["index"], meta["dim"], meta["count"]) == (indexed.pk, 384, 8)
    assert meta["created"]


def test_parquet_export_has_fixed_size_float32_lists_and_metadata(indexed, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "embeddings.parquet"
    export("--format", "parquet", "--output", str(out))
    table = pq.read_table(out)
    assert table.schema.field("arxiv_id").type == pa.string()
    assert table.schema.field("embedding").type == pa.list_(pa.float32(), 384)
    ids = table.column("arxiv_id").to_pylist()
    matrix = np.asarray(table.column("embedding").to_pylist(), dtype=np.float32)
    np.testing.assert_array_equal(matrix, stored_vectors(indexed, ids))
    meta = json.loads(table.schema.metadata[b"physlit"])
    assert (meta["index"], meta["dim"], meta["count"], meta["encoder"]) == (
        indexed.pk,
        384,
        8,
        indexed.encoder,
    )


@pytest.mark.parametrize("fmt,name", [("npy", "export"), ("parquet", "e.parquet")])
def test_export_refuses_to_overwrite_without_force(indexed, tmp_path, fmt, name):
    out = tmp_path / name
    export("--format", fmt, "--output", str(out))
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(CommandError, match="--force"):
        export("--format", fmt, "--output", str(out))
    export("--format", fmt, "--output", str(out), "--force")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # replaced in place, no temporaries left


def test_export_default_output_is_named_after_the_index(indexed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    export("--format", "parquet")
    assert (tmp_path / f"embeddings-{indexed.pk}.parquet").is_file()


def test_export_without_an_index_is_a_clear_error(db, search_settings, tmp_path):
    with pytest.raises(CommandError, match="no search index"):
        export("--format", "npy", "--output", str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_export_with_a_bad_format_is_an_argument_error(db):
    with pytest.raises(CommandError, match="invalid choice"):
        export("--format", "csv")
