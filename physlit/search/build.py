"""Index builds: embed papers into a FAISS file and build the BM25 index, as an immutable folder + a row.

A full build runs on the first call, on --rebuild, or when the encoder changed; otherwise only papers newer
than the current index are embedded and added. One writer at a time (a file lock under the index folder);
the new row becomes current only once its folder is complete, so an interrupted build changes nothing.
"""

import logging
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.conf import settings
from filelock import FileLock, Timeout

from physlit.corpus.models import Paper
from physlit.ml.encoder import paper_text
from physlit.ml.files import atomic_folder, stale_temporaries_remove
from physlit.search.encoding import encoder_for_index, encoder_load, encoder_reference
from physlit.search.keyword import KeywordIndex
from physlit.search.models import SearchIndex

log = logging.getLogger(__name__)

EMBED_CHUNK = 1024  # papers per chunk: memory stays flat, and a waiting page sees progress
TRAIN_SAMPLE = 200_000  # vectors used to train an IVF index's coarse quantizer


class IndexBusy(RuntimeError):
    """Another process is building an index right now."""


def index_current() -> SearchIndex | None:
    """The newest complete index, or None."""
    return SearchIndex.objects.filter(status=SearchIndex.Status.READY).order_by("-id").first()


@contextmanager
def _writer_lock(wait: bool) -> Iterator[None]:
    """Hold the index folder's build.lock (an OS lock: a killed build releases it); IndexBusy if taken
    and not `wait`."""
    folder = Path(settings.PHYSLIT_INDEX_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / "build.lock")
    try:
        lock.acquire(timeout=-1 if wait else 0)
    except Timeout as exc:
        raise IndexBusy("another index build is running") from exc
    try:
        yield
    finally:
        lock.release()


def index_build(
    *, rebuild: bool = False, progress: bool = False, wait: bool = True, model: str | None = None
) -> SearchIndex | None:
    """Bring the search index up to date with the corpus; returns the current row (None: empty corpus).
    With nothing to embed or remove, that is the row that was already current (created before the call).

    `model`: the encoder to build with (a model folder, see physlit.search.encoding); default the current
    encoder version's, else the configured one. A different encoder than the current index's means a
    full rebuild, during which the current index (and its encoder) keeps serving.

    Incremental: papers not in the index yet are embedded and added, papers revised since the last build
    are re-embedded, deleted ones removed; the keyword index is rebuilt over the same papers (seconds).
    """
    from physlit.ml import vectors

    with _writer_lock(wait):
        # We hold the writer lock, so a row still "building" and any temporary folder belong to a build
        # whose process died. Cleared first, before a build that may turn out to have nothing to do.
        interrupted = SearchIndex.objects.filter(status=SearchIndex.Status.BUILDING).update(
            status=SearchIndex.Status.INTERRUPTED, error="the process building it died"
        )
        removed = stale_temporaries_remove(Path(settings.PHYSLIT_INDEX_DIR))
        if interrupted or removed:
            log.warning("killed builds: %d marked interrupted, %d temporaries removed", interrupted, removed)
        current = index_current()
        reference = model or encoder_reference()
        encoder = encoder_load(reference)
        full = (
            rebuild
            or current is None
            or (current.encoder, current.encoder_fingerprint) != (reference, encoder.fingerprint)
            or not (Path(current.path) / "dense.faiss").is_file()
        )
        parent = None if full else current  # the index this build extends (None: a full build)
        if parent is not None and parent.encoder_backend != encoder.backend:
            # Same weights, another numeric backend configured: new papers are embedded the way the index
            # was, so one index never mixes backends; `build_index --rebuild` switches.
            encoder = encoder_load(reference, parent.encoder_backend)
        started = time.monotonic()
        in_db = np.fromiter(Paper.objects.values_list("pk", flat=True), dtype=np.int64)
        if len(in_db) == 0:
            return current
        dense = None
        indexed = np.empty(0, np.int64)
        revised = np.empty(0, np.int64)
        rekind = False  # the corpus has crossed PHYSLIT_IVF_THRESHOLD: same vectors, other kind of index
        if parent is not None:
            dense = vectors.index_load(Path(parent.path) / "dense.faiss")
            indexed = vectors.index_ids(dense)
            changed = Paper.objects.filter(updated_at__gt=parent.created_at).values_list("pk", flat=True)
            revised = np.intersect1d(np.fromiter(changed, dtype=np.int64), indexed)
            rekind = vectors.index_kind(dense) != vectors.kind_for(len(in_db), settings.PHYSLIT_IVF_THRESHOLD)
        new = np.setdiff1d(in_db, indexed)
        gone = np.setdiff1d(indexed, in_db)
        if parent is not None and not (len(new) or len(gone) or len(revised) or rekind):
            return current
        to_embed = np.union1d(new, revised)

        row = SearchIndex.objects.create(
            status=SearchIndex.Status.BUILDING,
            path="",
            encoder=reference,
            encoder_backend=encoder.backend,
            encoder_fingerprint=encoder.fingerprint,
            dim=encoder.dim,
            parent=parent,
            added=len(to_embed),
        )
        final = Path(settings.PHYSLIT_INDEX_DIR) / f"{row.pk:06d}"
        try:
            if dense is None:
                dense = vectors.index_new(
                    encoder.dim, expected_size=len(in_db), ivf_threshold=settings.PHYSLIT_IVF_THRESHOLD
                )
            vectors.index_remove(dense, np.concatenate([gone, revised]))
            if rekind:
                dense = vectors.index_rekind(
                    dense, expected_size=len(in_db), ivf_threshold=settings.PHYSLIT_IVF_THRESHOLD
                )
            _embed_into(dense, encoder, to_embed, progress, row)
            ids = vectors.index_ids(dense)
            texts = dict.fromkeys(ids.tolist(), "")
            for pk, title, abstract in (
                Paper.objects.order_by("pk").values_list("pk", "title", "abstract").iterator(chunk_size=5000)
            ):
                if pk in texts:
                    texts[pk] = paper_text(title, abstract)
            keyword = KeywordIndex.build([texts[pk] for pk in ids.tolist()])
            with atomic_folder(final) as tmp:
                vectors.index_save(dense, tmp / "dense.faiss")
                keyword.save(tmp / "keyword")
                np.save(tmp / "ids.npy", ids)
        except BaseException as exc:
            row.status = SearchIndex.Status.FAILED
            row.error = repr(exc)
            row.save(update_fields=["status", "error"])
            raise
        row.path = str(final)
        row.count = len(ids)
        row.embedded = len(to_embed)  # _embed_into counted them in the database; save() writes every field
        row.dense_kind = vectors.index_kind(dense)
        row.build_seconds = time.monotonic() - started
        encoder_for_index(row)  # prepares the query backend (e.g. its ONNX export) before any search needs it
        row.status = SearchIndex.Status.READY
        row.save()
        _prune(keep=(row, current))
        log.info(
            "index %s ready: %d papers (%d embedded) in %.1f s",
            row.pk,
            row.count,
            row.added,
            row.build_seconds,
        )
        return row


def _embed_into(dense, encoder, pks: np.ndarray, progress: bool, row: SearchIndex) -> None:
    """Embed the papers `pks` (sorted int64) in chunks and add them to `dense`; `row.embedded` counts the
    papers embedded so far, for pages that wait on a first build (service.index_progress).

    An untrained (IVF) index is trained on a sample of the new embeddings before they are added.
    """
    from physlit.ml import vectors

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(pks), unit="paper", desc="embedding", smoothing=0.05)
    held: list[tuple[np.ndarray, np.ndarray]] = []  # kept until an untrained index can be trained
    for start in range(0, len(pks), EMBED_CHUNK):
        chunk = pks[start : start + EMBED_CHUNK].tolist()
        rows = Paper.objects.filter(pk__in=chunk).order_by("pk").values_list("pk", "title", "abstract")
        chunk_ids = np.asarray([pk for pk, _, _ in rows], dtype=np.int64)
        emb = encoder.encode([paper_text(t, a) for _, t, a in rows], batch_size=settings.PHYSLIT_ENCODE_BATCH)
        if vectors.index_needs_training(dense):
            held.append((emb, chunk_ids))
        else:
            vectors.index_add(dense, emb, chunk_ids)
        SearchIndex.objects.filter(pk=row.pk).update(embedded=start + len(chunk))
        if bar is not None:
            bar.update(len(chunk))
    if held:
        embeddings = np.concatenate([e for e, _ in held])
        rng = np.random.default_rng(0)
        sample = embeddings[rng.choice(len(embeddings), min(len(embeddings), TRAIN_SAMPLE), replace=False)]
        vectors.index_train(dense, sample)
        for batch in held:
            vectors.index_add(dense, *batch)
    if bar is not None:
        bar.close()


def _prune(*, keep: tuple) -> None:
    """Delete the folders of older builds; the current and the previous one stay for processes still
    serving from it until they notice the new row."""
    kept = {Path(r.path).name for r in keep if r is not None and r.path}
    for folder in Path(settings.PHYSLIT_INDEX_DIR).iterdir():
        if folder.is_dir() and folder.name.isdigit() and folder.name not in kept:
            shutil.rmtree(folder, ignore_errors=True)
