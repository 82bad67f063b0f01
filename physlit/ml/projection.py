"""2-D layouts of embeddings for a corpus map: PCA to a few dozen dimensions, then t-SNE on a seeded sample,
and every other point placed among its nearest sampled neighbours. No Django.

t-SNE (scikit-learn, Barnes-Hut) keeps neighbourhoods, so fields form visible islands where a plain PCA
smears them together; its cost grows with the points laid out, so it runs on at most `sample` of them and
the rest follow their neighbours (a matrix product in chunks): 15 s for the 3k demo on one core, and an
estimated 30-60 s for 83k (the t-SNE part stays that of 5k points).
"""

from __future__ import annotations

import numpy as np

PCA_DIM = 50  # dimensions kept before t-SNE: its neighbour search is then cheap, and little is lost
LAYOUT_SAMPLE = 5_000  # points laid out by t-SNE; the others are placed among their neighbours
TSNE_ITERATIONS = 500  # half scikit-learn's default, half the time: the 3k demo's islands have formed by then
NEIGHBOURS = 10  # sampled neighbours averaged to place a point that was not sampled
PLACE_CHUNK = 4096  # points placed per matrix product


def pca(x: np.ndarray, dim: int) -> np.ndarray:
    """x (n, d) float32 → (n, min(dim, n, d)) float32: the centred data on its top principal axes
    (numpy SVD of the centred matrix)."""
    centred = x.astype(np.float32) - x.mean(axis=0, dtype=np.float64).astype(np.float32)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:dim].T


def points_layout(x: np.ndarray, *, seed: int = 0, sample: int = LAYOUT_SAMPLE) -> np.ndarray:
    """x (n, d) float32 embeddings → (n, 2) float32 map coordinates (same order), deterministic for a seed.

    Up to 3 points: their PCA; up to `sample`: t-SNE of them all; more: t-SNE of a seeded sample of
    `sample` points, each other point at the similarity-weighted mean of its NEIGHBOURS nearest sampled
    points (cosine in the PCA space).
    """
    n = len(x)
    out = np.zeros((n, 2), dtype=np.float32)
    if n <= 3:
        reduced = pca(x, 2) if n > 1 else np.zeros((n, 0), np.float32)
        out[:, : reduced.shape[1]] = reduced
        return out
    reduced = pca(x, PCA_DIM)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(n, size=sample, replace=False)) if n > sample else np.arange(n)
    out[chosen] = _tsne(reduced[chosen], seed)
    if len(chosen) < n:
        rest = np.setdiff1d(np.arange(n), chosen)
        out[rest] = _place(reduced[rest], reduced[chosen], out[chosen])
    return out


def _tsne(x: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.manifold import TSNE

    # Perplexity must stay below the number of points; 30 is the usual value for thousands.
    perplexity = min(30.0, (len(x) - 1) / 3)
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        max_iter=TSNE_ITERATIONS,
        random_state=seed,
    )
    return tsne.fit_transform(x).astype(np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _place(points: np.ndarray, anchors: np.ndarray, anchor_xy: np.ndarray) -> np.ndarray:
    """Each of points (m, k) at the mean of the 2-D positions anchor_xy (a, 2) of its NEIGHBOURS most
    similar anchors (a, k), weighted by similarity → (m, 2) float32."""
    anchors = _unit(anchors)
    k = min(NEIGHBOURS, len(anchors))
    out = np.empty((len(points), 2), dtype=np.float32)
    for start in range(0, len(points), PLACE_CHUNK):
        sims = _unit(points[start : start + PLACE_CHUNK]) @ anchors.T
        near = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        weights = np.maximum(np.take_along_axis(sims, near, axis=1), 1e-6)
        weighted = (weights[:, :, None] * anchor_xy[near]).sum(axis=1)
        out[start : start + PLACE_CHUNK] = weighted / weights.sum(axis=1, keepdims=True)
    return out
