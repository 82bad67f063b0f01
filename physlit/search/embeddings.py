"""Paper embeddings for other programs: one paper's stored vector, all of an index's vectors in chunks, and
an export of them (numpy folder or one Parquet file) with the ids and the encoder that made them.

Input: a SearchIndex (the current one by default) and its dense.faiss. Output: float32 vectors, L2-normalised
(inner product is cosine), in the index's order of paper primary keys; files written atomically.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.utils import timezone

from physlit.corpus.models import Paper
from physlit.ml.files import atomic_folder, atomic_path
from physlit.registry.models import ModelVersion
from physlit.search.build import index_current
from physlit.search.models import SearchIndex
from physlit.search.service import SearchUnavailable, index_loaded

FORMATS = ("npy", "parquet")
CHUNK = 8192  # vectors read from FAISS at a time: memory stays flat whatever the corpus


def encoder_describe(row: SearchIndex) -> dict:
    """The encoder that embedded `row`'s papers: {"name": model reference or hub id, "version": its model
    registry label ("encoder v3") or None for a model not from the registry (the packaged MiniLM),
    "index": row pk, "dim": vector length}."""
    version = (
        ModelVersion.objects.filter(kind=ModelVersion.Kind.ENCODER, path=row.encoder).order_by("-pk").first()
    )
    return {
        "name": row.encoder,
        "version": version.label if version else None,
        "index": row.pk,
        "dim": row.dim,
    }


@dataclass(frozen=True)
class PaperEmbedding:
    vector: np.ndarray | None  # (dim,) float32; None when the paper is not in the index
    encoder: dict | None  # encoder_describe of the index; None when there is no index
    reason: str | None = None  # why `vector` is None


def paper_embedding(*, paper_id: int) -> PaperEmbedding:
    """A paper's vector as stored in the current index (what search and "similar papers" compare)."""
    from physlit.ml import vectors

    try:
        loaded = index_loaded()
    except SearchUnavailable as exc:
        return PaperEmbedding(None, None, str(exc))
    encoder = encoder_describe(loaded.row)
    try:
        vector = vectors.index_vectors(loaded.dense, np.asarray([paper_id]))[0]
    except KeyError:
        return PaperEmbedding(
            None, encoder, "this paper is not in the search index yet (the next build adds it)"
        )
    return PaperEmbedding(vector, encoder)


@dataclass(frozen=True)
class IndexEmbeddings:
    """An index's vectors, for papers still in the corpus, in ascending primary-key order."""

    row: SearchIndex
    dense: Any  # a faiss.Index (physlit.ml.vectors)
    paper_ids: np.ndarray  # (n,) int64
    arxiv_ids: list[str]  # (n,) in the same order

    def chunks(self, size: int = CHUNK) -> Iterator[tuple[slice, np.ndarray]]:
        """(rows, vectors (m, dim) float32) for consecutive slices of paper_ids / arxiv_ids."""
        from physlit.ml import vectors

        for start in range(0, len(self.paper_ids), size):
            rows = slice(start, min(start + size, len(self.paper_ids)))
            yield rows, vectors.index_vectors(self.dense, self.paper_ids[rows])

    def meta(self) -> dict:
        """What the vectors are: encoder reference, version label, fingerprint, backend, index, dim, count."""
        row = self.row
        return {
            "encoder": row.encoder,
            "version": encoder_describe(row)["version"],
            "fingerprint": row.encoder_fingerprint,
            "backend": row.encoder_backend,
            "index": row.pk,
            "index_created": row.created_at.isoformat(),
            "created": timezone.now().isoformat(),
            "dim": row.dim,
            "count": len(self.paper_ids),
            "dtype": "float32",
            "normalized": True,  # L2: inner product is cosine similarity
        }


def embeddings_all(row: SearchIndex | None = None) -> IndexEmbeddings:
    """The vectors of `row` (default: the current index); SearchUnavailable when there is none."""
    from physlit.ml import vectors

    row = row or index_current()
    if row is None:
        raise SearchUnavailable("no search index yet: run `python manage.py build_index`")
    folder = Path(row.path)
    ids = np.load(folder / "ids.npy")
    arxiv = dict(Paper.objects.filter(pk__in=ids.tolist()).values_list("pk", "arxiv_id"))
    kept = np.asarray([pk for pk in ids.tolist() if pk in arxiv], dtype=np.int64)  # deleted since the build
    return IndexEmbeddings(
        row=row,
        dense=vectors.index_load(folder / "dense.faiss"),
        paper_ids=kept,
        arxiv_ids=[arxiv[pk] for pk in kept.tolist()],
    )


class ExportExists(FileExistsError):
    """The output path exists and overwriting was not asked for."""


def embeddings_export(*, fmt: str, output: Path | None = None, force: bool = False) -> tuple[Path, dict]:
    """Write the current index's vectors for other programs; returns (path written, meta).

    "npy": a folder with embeddings.npy (n, dim) float32, ids.txt (arXiv ids, one a line, in row order) and
    meta.json. "parquet": one file, columns arxiv_id (string) and embedding (fixed_size_list<float32>[dim]),
    the meta as JSON under the key "physlit" of the file's key-value metadata. Default output:
    embeddings-<index pk> (npy) or embeddings-<index pk>.parquet in the working directory. An existing
    output is replaced only with `force`, and only once the new one is complete.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {FORMATS}")
    data = embeddings_all()
    default = f"embeddings-{data.row.pk}" + (".parquet" if fmt == "parquet" else "")
    output = Path(output or default)
    if output.exists() and not force:
        raise ExportExists(f"{output} exists; pass --force to replace it")
    meta = data.meta()
    (_npy_write if fmt == "npy" else _parquet_write)(data, meta, output, force)
    return output, meta


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _npy_write(data: IndexEmbeddings, meta: dict, output: Path, force: bool) -> None:
    with atomic_folder(output) as tmp:
        matrix = np.lib.format.open_memmap(
            tmp / "embeddings.npy", mode="w+", dtype=np.float32, shape=(len(data.paper_ids), data.row.dim)
        )
        for rows, block in data.chunks():
            matrix[rows] = block
        matrix.flush()
        del matrix
        (tmp / "ids.txt").write_text("".join(f"{a}\n" for a in data.arxiv_ids), encoding="utf-8")
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        if force and output.exists():
            _remove(output)  # last: a failed export above leaves the old output as it was


def _parquet_write(data: IndexEmbeddings, meta: dict, output: Path, force: bool) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    dim = data.row.dim
    schema = pa.schema(
        [("arxiv_id", pa.string()), ("embedding", pa.list_(pa.float32(), dim))],
        metadata={"physlit": json.dumps(meta)},
    )
    if force and output.is_dir():
        _remove(output)  # os.replace cannot put a file where a folder is
    with atomic_path(output) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        for rows, block in data.chunks():
            values = pa.array(block.reshape(-1), type=pa.float32())
            writer.write_table(
                pa.table(
                    [
                        pa.array(data.arxiv_ids[rows], pa.string()),
                        pa.FixedSizeListArray.from_arrays(values, dim),
                    ],
                    schema=schema,
                )
            )
