"""2-D layouts for the corpus map: deterministic, finite, and keeping apart what the embeddings keep apart,
also for the points placed by their sampled neighbours rather than laid out by t-SNE."""

import numpy as np

from physlit.ml.projection import points_layout


def clusters(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n unit vectors (n, 64) float32 around 3 far-apart centres, and each one's cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, 64)) * 4
    label = rng.integers(0, 3, n)
    x = (centres[label] + rng.normal(size=(n, 64))).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True), label


def separated(xy: np.ndarray, label: np.ndarray) -> bool:
    """Every point is nearer its own cluster's centre on the map than any other's."""
    centres = np.stack([xy[label == c].mean(axis=0) for c in range(3)])
    nearest = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    return bool((nearest == label).all())


def test_layout_is_deterministic_and_separates_clusters():
    x, label = clusters(150)
    xy = points_layout(x, seed=0)
    assert xy.shape == (150, 2) and xy.dtype == np.float32 and np.isfinite(xy).all()
    np.testing.assert_array_equal(xy, points_layout(x, seed=0))
    assert separated(xy, label)


def test_points_beyond_the_sample_land_with_their_neighbours():
    x, label = clusters(300)
    xy = points_layout(x, seed=0, sample=60)
    assert np.isfinite(xy).all() and separated(xy, label)


def test_tiny_inputs_get_a_layout():
    for n in (0, 1, 2, 3, 4):
        x, _ = clusters(n)
        assert points_layout(x).shape == (n, 2)
