"""Index builds: embed papers into a FAISS file and build the BM25 index, as an immutable folder + a row.

A full build runs on the first call, on --rebuild, or when the encoder changed; otherwise only papers newer
than the current index are embedded and added. One writer at a time (a file lock under the index folder);
the new row becomes current only once its folder is complete, so an interrupted build changes nothing.
"""

import fcntl
import logging
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Max

from physlit.corpus.models import Paper
from physlit.search.encoding import encoder_current
from physlit.search.keyword import KeywordIndex
from physlit.search.models import SearchIndex

log = logging.getLogger(__name__)

EMBED_CHUNK = 2048
TRAIN_SAMPLE = 200_000  # vectors used to train an IVF index's coarse quantizer


class IndexBusy(RuntimeError):
    """Another process is building an index right now."""


def index_current() -> SearchIndex | None:
    """The newest complete index, or None."""
    return SearchIndex.objects.filter(status=SearchIndex.Status.READY).order_by("-id").first()


@contextmanager
def _writer_lock(wait: bool):
    folder = Path(settings.PHYSLIT_INDEX_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise IndexBusy("another index build is running") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _paper_text(title: str, abstract: str) -> str:
    from physlit.ml.encoder import paper_text

    return paper_text(title, abstract)


def index_build(*, rebuild: bool = False, progress: bool = False, wait: bool = True) -> SearchIndex | None:
    """Bring the search index up to date with the corpus; returns the current row (None: empty corpus)."""
    from physlit.ml import vectors

    with _writer_lock(wait):
        # We hold the writer lock, so a row still "building" belongs to a build that was killed.
        SearchIndex.objects.filter(status=SearchIndex.Status.BUILDING).update(
            status=SearchIndex.Status.FAILED, error="interrupted"
        )
        current = index_current()
        encoder = encoder_current()
        full = (
            rebuild
            or current is None
            or current.encoder != encoder.name
            or current.encoder_backend != encoder.backend
            or not Path(current.path).is_dir()
        )
        since = 0 if full else current.max_paper_id
        max_id = Paper.objects.aggregate(m=Max("pk"))["m"] or 0
        if max_id == 0:
            return current
        if not full and max_id <= since:
            return current

        started = time.monotonic()
        total = Paper.objects.filter(pk__lte=max_id).count()
        row = SearchIndex.objects.create(
            status=SearchIndex.Status.BUILDING,
            path="",
            encoder=encoder.name,
            encoder_backend=encoder.backend,
            dim=encoder.dim,
            parent=None if full else current,
        )
        final = Path(settings.PHYSLIT_INDEX_DIR) / f"{row.pk:06d}"
        tmp = final.with_name(final.name + ".tmp")
        _remove_stale(Path(settings.PHYSLIT_INDEX_DIR))
        try:
            if full:
                dense = vectors.index_new(
                    encoder.dim, expected_size=total, ivf_threshold=settings.PHYSLIT_IVF_THRESHOLD
                )
            else:
                dense = vectors.index_load(Path(current.path) / "dense.faiss")
            added = _embed_into(dense, encoder, since, max_id, progress)
            ids, texts = [], []
            for pk, title, abstract in (
                Paper.objects.filter(pk__lte=max_id)
                .order_by("pk")
                .values_list("pk", "title", "abstract")
                .iterator(chunk_size=5000)
            ):
                ids.append(pk)
                texts.append(_paper_text(title, abstract))
            keyword = KeywordIndex.build(texts)
            tmp.mkdir(parents=True)
            vectors.index_save(dense, tmp / "dense.faiss")
            keyword.save(tmp / "keyword")
            np.save(tmp / "ids.npy", np.asarray(ids, dtype=np.int64))
            os.replace(tmp, final)
        except BaseException as exc:
            row.status = SearchIndex.Status.FAILED
            row.error = repr(exc)
            row.save(update_fields=["status", "error"])
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        row.path = str(final)
        row.count = len(ids)
        row.max_paper_id = max_id
        row.added = added
        row.dense_kind = vectors.index_kind(dense)
        row.build_seconds = time.monotonic() - started
        row.status = SearchIndex.Status.READY
        row.save()
        log.info(
            "index %s ready: %d papers (%d embedded) in %.1f s", row.pk, row.count, added, row.build_seconds
        )
        return row


def _embed_into(dense, encoder, since: int, max_id: int, progress: bool) -> int:
    """Embed papers with since < pk <= max_id in chunks and add them to `dense`; returns how many.

    An untrained (IVF) index is trained on a sample of the new embeddings before they are added.
    """
    from physlit.ml import vectors

    papers = Paper.objects.filter(pk__gt=since, pk__lte=max_id).order_by("pk")
    total = papers.count()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="paper", desc="embedding", smoothing=0.05)
    held: list[tuple[np.ndarray, np.ndarray]] = []  # kept until an untrained index can be trained
    chunk_ids: list[int] = []
    chunk_texts: list[str] = []

    def flush():
        if not chunk_ids:
            return
        emb = encoder.encode(chunk_texts, batch_size=settings.PHYSLIT_ENCODE_BATCH)
        batch = (emb, np.asarray(chunk_ids, dtype=np.int64))
        if vectors.index_needs_training(dense):
            held.append(batch)
        else:
            vectors.index_add(dense, *batch)
        if bar is not None:
            bar.update(len(chunk_ids))
        chunk_ids.clear()
        chunk_texts.clear()

    for pk, title, abstract in papers.values_list("pk", "title", "abstract").iterator(chunk_size=EMBED_CHUNK):
        chunk_ids.append(pk)
        chunk_texts.append(_paper_text(title, abstract))
        if len(chunk_ids) >= EMBED_CHUNK:
            flush()
    flush()
    if held:
        embeddings = np.concatenate([e for e, _ in held])
        rng = np.random.default_rng(0)
        sample = embeddings[rng.choice(len(embeddings), min(len(embeddings), TRAIN_SAMPLE), replace=False)]
        vectors.index_train(dense, sample)
        for batch in held:
            vectors.index_add(dense, *batch)
    if bar is not None:
        bar.close()
    return total


def _remove_stale(folder: Path) -> None:
    """Folders left by builds that were killed (we hold the writer lock, so none is in progress)."""
    for path in folder.glob("*.tmp"):
        shutil.rmtree(path, ignore_errors=True)
