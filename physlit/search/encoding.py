"""Which encoder the search stage uses: the current encoder version's artifact (model registry) when one is
current, else the configured one (PHYSLIT_ENCODER, "" = packaged MiniLM), with PHYSLIT_ENCODER_BACKEND.

An index row records the model reference it was built with (SearchIndex.encoder), and queries against
that index are encoded with that same model (`encoder_for_index`), so a rebuild with a new encoder never
mixes query and document embeddings of two models. Only the numeric backend may differ: papers are embedded
in batches by the fastest batch backend, queries one at a time by PHYSLIT_QUERY_ENCODER_BACKEND (the same
weights; docs/benchmarks.md measures that retrieval does not change), or by a shallower query encoder
distilled from that same model (`train query-encoder`, `query_reference`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from physlit.ml.encoder import Encoder
    from physlit.search.models import SearchIndex

PACKAGED = "sentence-transformers/all-MiniLM-L6-v2"  # physlit.ml.encoder.DEFAULT_MODEL_NAME, kept light here


def encoder_base_model() -> str:
    """Folder of the configured (untrained) encoder: where `train encoder` starts from."""
    if settings.PHYSLIT_ENCODER:
        return settings.PHYSLIT_ENCODER
    from physlit.ml.encoder import packaged_model_path

    return str(packaged_model_path())


def encoder_reference() -> str:
    """The model new index builds use: current encoder version's folder, else the configured encoder."""
    from physlit.registry.services import version_current

    current = version_current("encoder")
    if current is not None:
        return current.path
    return settings.PHYSLIT_ENCODER or PACKAGED


def encoder_load(reference: str, backend: str | None = None) -> Encoder:
    """The encoder for a reference (folder, hub id, or PACKAGED), loaded once per process."""
    from physlit.ml.encoder import get_encoder

    return get_encoder(
        model=None if reference in ("", PACKAGED) else reference,
        backend=backend or settings.PHYSLIT_ENCODER_BACKEND,
        cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx",
        threads=settings.PHYSLIT_ENCODER_THREADS or None,
    )


def encoder_current() -> Encoder:
    """The encoder a new build would use (see encoder_reference)."""
    return encoder_load(encoder_reference())


def query_reference(row: SearchIndex) -> str:
    """The model that embeds queries against `row`'s dense index: the current query-encoder version when it
    was distilled from the encoder that built `row` (same weights fingerprint), else that encoder itself."""
    from physlit.registry.services import version_current

    student = version_current("query-encoder")
    if (
        student is not None
        and student.metrics.get("teacher_fingerprint") == row.encoder_fingerprint
        and Path(student.path).is_dir()
    ):
        return student.path
    return row.encoder


# Queries of more words than this (a pasted abstract) go through the full encoder even when a query encoder
# serves: the student learned from titles, sentences and questions of at most 64 tokens.
QUERY_ENCODER_MAX_WORDS = 40


def query_encoder_for(row: SearchIndex, reference: str, query: str) -> str:
    """The model to embed `query` against `row`: `reference` (query_reference(row)) for a query of at most
    QUERY_ENCODER_MAX_WORDS words, else the encoder that built `row`."""
    return reference if len(query.split()) <= QUERY_ENCODER_MAX_WORDS else row.encoder


def encoder_for_index(row: SearchIndex, reference: str | None = None) -> Encoder:
    """The encoder to embed queries against `row`'s dense index: `reference` (query_reference(row); by
    default the model that built it), run by the query backend (or the index's own backend when
    PHYSLIT_QUERY_ENCODER_BACKEND is empty)."""
    return encoder_load(
        reference or row.encoder, settings.PHYSLIT_QUERY_ENCODER_BACKEND or row.encoder_backend
    )
