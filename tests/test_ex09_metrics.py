"""Exercise 9 metrics on hand-made cases with known answers, and against brute force."""

from itertools import permutations

import numpy as np
import pytest

from aelab.metrics.hashing import (
    bit_balance,
    bit_correlation,
    bucket_size_distribution,
    bucket_sizes,
    gini_purity,
    hash_lookup_precision,
    mean_average_precision,
    precision_at_k,
    saturation_histogram,
    singleton_share,
)
from aelab.retrieval import hamming_distances, pack_bits

CAT, DOG, FROG = 3, 5, 6


def test_three_cats_one_dog_bucket():
    bits = np.zeros((4, 30), dtype=np.uint8)
    labels = np.array([CAT, CAT, CAT, DOG])
    assert gini_purity(bits, labels) == pytest.approx(0.75**2 + 0.25**2)


def test_size_weighting_not_bucket_mean():
    # Bucket A: 3 cats + 1 dog (purity 0.625, 4 images); bucket B: 1 frog (purity 1).
    bits = np.zeros((5, 8), dtype=np.uint8)
    bits[4, 0] = 1
    labels = np.array([CAT, CAT, CAT, DOG, FROG])
    assert gini_purity(bits, labels) == pytest.approx((4 * 0.625 + 1.0) / 5)  # 0.7, not 0.8125
    assert gini_purity(bits, labels, min_bucket_size=2) == pytest.approx(0.625)
    assert singleton_share(bits) == pytest.approx(0.2)
    np.testing.assert_array_equal(np.sort(bucket_sizes(bits)), [1, 4])


def test_all_singletons_score_one_and_are_reported():
    bits = np.eye(6, dtype=np.uint8)
    labels = np.arange(6)
    assert gini_purity(bits, labels) == 1.0
    assert singleton_share(bits) == 1.0
    assert np.isnan(gini_purity(bits, labels, min_bucket_size=2))
    dist = bucket_size_distribution(bits)
    assert dist["num_buckets"] == 6 and dist["image_share_by_size"]["1"] == 1.0


def test_identical_codes_give_label_distribution_purity():
    labels = np.repeat(np.arange(10), 7)
    bits = np.ones((70, 30), dtype=np.uint8)
    assert gini_purity(bits, labels) == pytest.approx(0.1)
    assert singleton_share(bits) == 0.0
    assert bucket_size_distribution(bits)["max_size"] == 70


def test_purity_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="same images"):
        gini_purity(np.zeros((10, 30), np.uint8), np.zeros(50, np.int64))


def test_radius_purity_brute_force():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, size=(400, 8), dtype=np.uint8)
    labels = rng.integers(0, 3, size=400)
    dist = hamming_distances(pack_bits(bits), pack_bits(bits))
    for radius in (0, 1, 2):
        per_image = []
        for i in range(400):
            ball = np.bincount(labels[dist[i] <= radius], minlength=3)
            per_image.append(((ball / ball.sum()) ** 2).sum())
        assert gini_purity(bits, labels, radius=radius) == pytest.approx(np.mean(per_image))


def test_hash_lookup_precision_brute_force():
    rng = np.random.default_rng(1)
    db = rng.integers(0, 2, size=(300, 10), dtype=np.uint8)
    db_labels = rng.integers(0, 4, size=300)
    q = rng.integers(0, 2, size=(50, 10), dtype=np.uint8)
    q_labels = rng.integers(0, 4, size=50)
    dist = hamming_distances(pack_bits(q), pack_bits(db))
    out = hash_lookup_precision(pack_bits(q), q_labels, pack_bits(db), db_labels, num_bits=10, radius=1)
    precisions = [
        (db_labels[dist[i] <= 1] == q_labels[i]).mean() for i in range(50) if (dist[i] <= 1).any()
    ]
    assert out["precision"] == pytest.approx(np.mean(precisions))
    assert out["hit_rate"] == pytest.approx((dist <= 1).any(axis=1).mean())


def _average_precision(relevant_in_order):
    rel = np.asarray(relevant_in_order, dtype=float)
    if rel.sum() == 0:
        return 0.0
    precision = np.cumsum(rel) / np.arange(1, rel.size + 1)
    return float((precision * rel).sum() / rel.sum())


def test_map_without_ties_is_standard_ap():
    # Database codes at distinct distances 0..4 from the query 0000.
    db = np.array([[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], np.uint8)
    db_labels = np.array([1, 0, 1, 0, 1])
    q = np.zeros((1, 4), np.uint8)
    expected = _average_precision([1, 0, 1, 0, 1])  # (1 + 2/3 + 3/5) / 3
    got = mean_average_precision(pack_bits(q), np.array([1]), pack_bits(db), db_labels, num_bits=4)
    assert got == pytest.approx(expected)


def test_map_with_ties_is_expectation_over_tie_orders():
    rng = np.random.default_rng(2)
    db = rng.integers(0, 2, size=(7, 3), dtype=np.uint8)
    db_labels = rng.integers(0, 2, size=7)
    queries = rng.integers(0, 2, size=(3, 3), dtype=np.uint8)
    q_labels = np.array([0, 1, 1])
    dist = hamming_distances(pack_bits(queries), pack_bits(db))
    expected = []
    for i in range(3):
        # Exact expectation: every order consistent with the distances is equally likely.
        aps = [
            _average_precision(db_labels[list(order)] == q_labels[i])
            for order in permutations(range(7))
            if np.all(np.diff(dist[i][list(order)].astype(int)) >= 0)
        ]
        expected.append(np.mean(aps))
    got, per_query = mean_average_precision(pack_bits(queries), q_labels, pack_bits(db), db_labels,
                                            num_bits=3, return_per_query=True)
    np.testing.assert_allclose(per_query, expected)
    assert got == pytest.approx(np.mean(expected))


def test_map_identical_codes_equals_class_share():
    # Every item ties (one tie group): compare with the exhaustive expectation.
    db = np.zeros((6, 5), np.uint8)
    db_labels = np.array([0, 0, 1, 1, 1, 1])
    q = np.zeros((1, 5), np.uint8)
    aps = [_average_precision(db_labels[list(o)] == 0) for o in permutations(range(6))]
    got = mean_average_precision(pack_bits(q), np.array([0]), pack_bits(db), db_labels, num_bits=5)
    assert got == pytest.approx(np.mean(aps))


def test_precision_at_k_tie_aware():
    db = np.array([[0, 0], [0, 0], [0, 0], [1, 1]], np.uint8)  # three ties at distance 0
    db_labels = np.array([1, 1, 0, 1])
    q = np.zeros((1, 2), np.uint8)
    out = precision_at_k(pack_bits(q), np.array([1]), pack_bits(db), db_labels, num_bits=2, k=[1, 2, 3, 4])
    assert out[1] == pytest.approx(2 / 3)
    assert out[2] == pytest.approx(2 / 3)
    assert out[3] == pytest.approx(2 / 3)
    assert out[4] == pytest.approx(3 / 4)


def test_map_chunking_does_not_change_result():
    rng = np.random.default_rng(3)
    db = pack_bits(rng.integers(0, 2, size=(500, 30), dtype=np.uint8))
    q = pack_bits(rng.integers(0, 2, size=(70, 30), dtype=np.uint8))
    db_labels, q_labels = rng.integers(0, 10, 500), rng.integers(0, 10, 70)
    a = mean_average_precision(q, q_labels, db, db_labels, num_bits=30, chunk_size=7)
    b = mean_average_precision(q, q_labels, db, db_labels, num_bits=30, chunk_size=1000)
    assert a == pytest.approx(b)


def test_bit_statistics():
    bits = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [0, 1, 1, 0], [1, 0, 1, 0]], np.uint8)
    np.testing.assert_allclose(bit_balance(bits), [0.5, 0.5, 1.0, 0.0])
    corr, mean_abs = bit_correlation(bits)
    assert corr[0, 1] == pytest.approx(-1.0)
    assert corr[0, 2] == 0.0 and corr[2, 2] == 1.0  # constant bit: 0, not NaN
    assert mean_abs == pytest.approx(2 / 12)


def test_saturation_histogram():
    codes = np.array([[0.01, 0.99, 0.5, 0.95]])
    out = saturation_histogram(codes, num_bins=10)
    assert out["counts"].sum() == 4 and out["counts"][0] == 1 and out["counts"][-1] == 2
    assert out["saturated_share"] == pytest.approx(0.75)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        saturation_histogram(np.array([[1.5]]))
