"""The FAISS layer: exact and IVF indexes keyed by paper ids, filters inside the search, atomic saves."""

import numpy as np
import pytest

from physlit.ml import vectors


def unit_vectors(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("threshold,exact", [(10_000, True), (100, False)])
def test_index_returns_paper_ids_and_filters_inside_search(threshold, exact):
    x = unit_vectors(2000)
    ids = np.arange(5000, 7000, dtype=np.int64)
    index = vectors.index_new(32, expected_size=len(x), ivf_threshold=threshold)
    if vectors.index_needs_training(index):
        vectors.index_train(index, x)
    vectors.index_add(index, x, ids)
    assert vectors.index_is_exact(index) is exact
    _, found = vectors.index_search(index, x[:5], 3, nprobe=64)
    assert list(found[:, 0]) == list(ids[:5])
    allowed = ids[::97]  # 21 allowed ids: a filter must still give k results when k exist
    scores, found = vectors.index_search(index, x[:2], 10, allowed_ids=allowed)
    assert found.shape == (2, 10) and np.isin(found, allowed).all()
    expected = allowed[np.argsort(-(x[:2] @ x[::97].T), axis=1)[:, :10]]
    assert (found == expected).all()


def test_filter_with_fewer_allowed_than_k_pads_with_minus_one():
    x = unit_vectors(3000)
    index = vectors.index_new(32, expected_size=3000, ivf_threshold=10)
    vectors.index_train(index, x)
    vectors.index_add(index, x, np.arange(3000))
    _, found = vectors.index_search(index, x[:1], 5, allowed_ids=np.array([3, 7]))
    assert sorted(found[0][:2]) == [3, 7] and list(found[0][2:]) == [-1, -1, -1]


def test_saved_index_loads_with_same_vectors(tmp_path):
    x = unit_vectors(100)
    index = vectors.index_new(32, expected_size=100, ivf_threshold=1000)
    vectors.index_add(index, x, np.arange(100, 200))
    path = tmp_path / "dense.faiss"
    vectors.index_save(index, path)
    assert not list(tmp_path.glob("*.tmp*"))
    loaded = vectors.index_load(path)
    assert loaded.ntotal == 100
    np.testing.assert_allclose(vectors.index_vectors(loaded, np.array([150])), x[50:51], rtol=1e-6)
    assert list(vectors.index_ids(loaded)) == list(range(100, 200))


@pytest.mark.parametrize("threshold", [10_000, 100])
def test_removed_vectors_can_be_replaced_and_ids_listed(threshold):
    x = unit_vectors(3000)
    ids = np.arange(1, 3001, dtype=np.int64)
    index = vectors.index_new(32, expected_size=3000, ivf_threshold=threshold)
    if vectors.index_needs_training(index):
        vectors.index_train(index, x)
    vectors.index_add(index, x, ids)
    assert vectors.index_remove(index, np.array([5, 6, 99999])) == 2
    assert index.ntotal == 2998 and 5 not in set(vectors.index_ids(index))
    with pytest.raises(KeyError):
        vectors.index_vectors(index, np.array([5]))
    vectors.index_add(index, x[100:101], np.array([5]))  # paper 5 revised: its new vector
    # IVF lists keep float16 vectors
    np.testing.assert_allclose(vectors.index_vectors(index, np.array([5]))[0], x[100], atol=1e-3)
    assert list(vectors.index_ids(index)[:3]) == [1, 2, 3] and len(vectors.index_ids(index)) == 2999


def test_an_exact_index_is_rekinded_to_ivf_with_the_same_vectors_and_ids():
    x = unit_vectors(3000)
    ids = np.arange(10, 3010, dtype=np.int64)
    exact = vectors.index_new(32, expected_size=3000, ivf_threshold=10_000)
    vectors.index_add(exact, x, ids)
    assert vectors.index_rekind(exact, expected_size=3000, ivf_threshold=10_000) is exact  # already right
    ivf = vectors.index_rekind(exact, expected_size=3000, ivf_threshold=2000)
    assert vectors.index_kind(ivf) == "ivf" and ivf.ntotal == 3000
    assert list(vectors.index_ids(ivf)) == list(ids)
    some = [0, 1500, 2999]
    np.testing.assert_allclose(vectors.index_vectors(ivf, ids[some]), x[some], atol=1e-3)
    _, found = vectors.index_search(ivf, x[42:43], 1, nprobe=ivf.nlist)
    assert found[0, 0] == ids[42]


def test_an_ivf_index_of_float32_lists_is_rekinded_to_float16_lists_without_re_embedding():
    import faiss

    x = unit_vectors(3000)
    ids = np.arange(10, 3010, dtype=np.int64)
    old = faiss.index_factory(32, "IVF64,Flat", faiss.METRIC_INNER_PRODUCT)  # what earlier builds wrote
    vectors.index_train(old, x)
    vectors.index_add(old, x, ids)
    assert vectors.index_kind(old) == "ivf-flat"
    new = vectors.index_rekind(old, expected_size=3000, ivf_threshold=2000)
    assert vectors.index_kind(new) == "ivf" and list(vectors.index_ids(new)) == list(ids)
    assert new.code_size == 32 * 2  # two bytes a dimension
    np.testing.assert_allclose(vectors.index_vectors(new, ids[:50]), x[:50], atol=1e-3)
    _, found = vectors.index_search(new, x[7:8], 1, nprobe=new.nlist)
    assert found[0, 0] == ids[7]
