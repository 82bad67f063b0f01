"""The corpus map: a 2-D layout of an index's paper vectors (physlit.ml.projection), each point labelled with
its paper's primary archive, for the /map page.

Input: a ready SearchIndex. Output: an immutable JSON file PHYSLIT_INDEX_DIR/maps/<index pk>.json, written
atomically once per index (after each build, by the build_index command or a Celery task), holding every
point; `corpus_map_get` serves a seeded sample of at most MAP_POINTS of them for the current index.
"""

from __future__ import annotations

import json
import logging
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone

from physlit.corpus.categories import category_archive
from physlit.corpus.models import Paper
from physlit.ml.files import atomic_path
from physlit.search.build import index_current
from physlit.search.embeddings import embeddings_all
from physlit.search.models import SearchIndex

log = logging.getLogger(__name__)

MAP_POINTS = 20_000  # points a page draws at most: a canvas stays quick, and the legend stays honest
SEED = 0


def map_path(index_id: int) -> Path:
    return Path(settings.PHYSLIT_INDEX_DIR) / "maps" / f"{index_id:06d}.json"


def corpus_map_build(index_id: int) -> Path:
    """Compute and store the map of index `index_id` unless it is stored already; returns its path.
    Safe to run twice (the second run finds the file) and from several processes (each write is atomic)."""
    from physlit.ml.projection import points_layout

    path = map_path(index_id)
    if path.is_file():
        return path
    row = SearchIndex.objects.get(pk=index_id, status=SearchIndex.Status.READY)
    started = time.monotonic()
    data = embeddings_all(row)
    matrix = np.empty((len(data.paper_ids), row.dim), dtype=np.float32)
    for rows, block in data.chunks():
        matrix[rows] = block
    xy = points_layout(matrix, seed=SEED)
    primary = dict(Paper.objects.filter(pk__in=data.paper_ids.tolist()).values_list("pk", "primary_category"))
    archives = [category_archive(primary.get(pk) or "") or "unknown" for pk in data.paper_ids.tolist()]
    points = [
        [arxiv_id, round(float(x), 4), round(float(y), 4), archive]
        for arxiv_id, (x, y), archive in zip(data.arxiv_ids, xy.tolist(), archives)
    ]
    stored = {
        "index": row.pk,
        "encoder": row.encoder,
        "method": "t-SNE of a PCA to 50 dimensions (physlit.ml.projection.points_layout)",
        "seed": SEED,
        "created": timezone.now().isoformat(),
        "seconds": round(time.monotonic() - started, 1),
        "fields": ["arxiv_id", "x", "y", "archive"],
        "points": points,
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(stored, separators=(",", ":")), encoding="utf-8")
    _prune()
    log.info("corpus map of index %s: %d points in %.1f s", row.pk, len(points), stored["seconds"])
    return path


def _prune() -> None:
    """Delete maps whose index folder is gone (build._prune removed it)."""
    index_dir = Path(settings.PHYSLIT_INDEX_DIR)
    for path in (index_dir / "maps").glob("*.json"):
        if not (index_dir / path.stem).is_dir():
            path.unlink(missing_ok=True)


def corpus_map_get() -> dict | None:
    """The current index's map for display: {"index", "count" (all points), "shown", "archives"
    (archive -> points shown, most first), "points": [{"arxiv_id", "x", "y", "archive"}, ...]} with at most
    MAP_POINTS points (a seeded sample); None while no index is ready or its map is being computed."""
    row = index_current()
    if row is None or not map_path(row.pk).is_file():
        return None
    return _display(str(map_path(row.pk)))


@lru_cache(maxsize=2)  # a map file never changes: the sample is computed once per file and process
def _display(path: str) -> dict:
    stored = json.loads(Path(path).read_text(encoding="utf-8"))
    points = stored["points"]
    if len(points) > MAP_POINTS:
        keep = np.sort(np.random.default_rng(SEED).choice(len(points), MAP_POINTS, replace=False))
        points = [points[i] for i in keep.tolist()]
    archives: dict[str, int] = {}
    for point in points:
        archives[point[3]] = archives.get(point[3], 0) + 1
    return {
        "index": stored["index"],
        "count": len(stored["points"]),
        "shown": len(points),
        "archives": dict(sorted(archives.items(), key=lambda item: (-item[1], item[0]))),
        "points": [{"arxiv_id": a, "x": x, "y": y, "archive": c} for a, x, y, c in points],
    }
