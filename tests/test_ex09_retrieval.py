"""Exercise 9 retrieval engine: packing, Hamming distance, bucket index, baselines."""

import faiss
import numpy as np
import pytest

from aelab.retrieval import (
    PCAITQ,
    BucketIndex,
    PCASign,
    RandomHyperplaneLSH,
    binarize,
    hamming_distances,
    hamming_masks,
    pack_bits,
    to_faiss_bytes,
    unpack_bits,
)


@pytest.mark.parametrize("num_bits", [1, 8, 30, 64, 65, 100])
def test_pack_unpack_round_trip(num_bits):
    rng = np.random.default_rng(num_bits)
    bits = rng.integers(0, 2, size=(257, num_bits), dtype=np.uint8)
    packed = pack_bits(bits)
    assert packed.dtype == np.uint64 and packed.shape == (257, -(-num_bits // 64))
    np.testing.assert_array_equal(unpack_bits(packed, num_bits), bits)


def test_pack_bit_order_is_little_endian():
    bits = np.zeros((1, 30), dtype=np.uint8)
    bits[0, [0, 3, 29]] = 1
    assert int(pack_bits(bits)[0, 0]) == 1 + 8 + 2**29


def test_binarize_rounds_half_down_and_rejects_bad_input():
    codes = np.array([[0.0, 0.5, 0.5000001, 1.0, 0.49]])
    np.testing.assert_array_equal(binarize(codes), [[0, 0, 1, 1, 0]])
    with pytest.raises(ValueError, match="NaN"):
        binarize(np.array([[np.nan, 0.2]]))
    with pytest.raises(ValueError, match="2-D"):
        binarize(np.zeros(3))
    with pytest.raises(ValueError, match="only 0 and 1"):
        pack_bits(np.array([[0, 2]]))


@pytest.mark.parametrize("num_bits", [30, 100])
def test_hamming_distances_match_bit_counting(num_bits):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, size=(40, num_bits), dtype=np.uint8)
    b = rng.integers(0, 2, size=(70, num_bits), dtype=np.uint8)
    expected = (a[:, None, :] != b[None, :, :]).sum(axis=2)
    np.testing.assert_array_equal(hamming_distances(pack_bits(a), pack_bits(b)), expected)


def test_masks_count_and_content():
    masks = hamming_masks(30, 2)
    assert masks.size == 1 + 30 + 435
    assert len(set(masks.tolist())) == masks.size
    assert np.bitwise_count(masks).max() == 2 and masks[0] == 0


@pytest.mark.parametrize("radius", [0, 1, 2, 3])
def test_bucket_lookup_matches_brute_force(radius):
    rng = np.random.default_rng(radius)
    num_bits = 12  # few bits, so balls of radius 2-3 hold many items
    bits = rng.integers(0, 2, size=(3000, num_bits), dtype=np.uint8)
    packed = pack_bits(bits)
    index = BucketIndex(packed, num_bits)
    queries = rng.integers(0, 2, size=(50, num_bits), dtype=np.uint8)
    dist = hamming_distances(pack_bits(queries), packed)
    for q in range(len(queries)):
        found = index.lookup(pack_bits(queries[q:q + 1])[0, 0], radius=radius)
        np.testing.assert_array_equal(found, np.flatnonzero(dist[q] <= radius))


def test_bucket_lookup_30_bits_with_planted_neighbours():
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, size=(5000, 30), dtype=np.uint8)
    bits[10] = bits[0]
    bits[11] = bits[0]
    bits[11, 7] ^= 1
    bits[12] = bits[0]
    bits[12, [3, 20]] ^= 1
    packed = pack_bits(bits)
    index = BucketIndex(packed, 30)
    dist = hamming_distances(packed[:1], packed)[0]
    for radius in range(3):
        np.testing.assert_array_equal(index.lookup(packed[0, 0], radius), np.flatnonzero(dist <= radius))
    assert {10, 11, 12} <= set(index.lookup(packed[0, 0], 2).tolist())


def test_ball_class_counts_match_brute_force():
    rng = np.random.default_rng(2)
    bits = rng.integers(0, 2, size=(2000, 10), dtype=np.uint8)
    labels = rng.integers(0, 4, size=2000)
    packed = pack_bits(bits)
    index = BucketIndex(packed, 10, labels=labels)
    queries = pack_bits(rng.integers(0, 2, size=(30, 10), dtype=np.uint8))
    counts = index.ball_class_counts(queries, radius=2)
    dist = hamming_distances(queries, packed)
    for q in range(30):
        np.testing.assert_array_equal(counts[q], np.bincount(labels[dist[q] <= 2], minlength=4))


def test_faiss_binary_index_agrees():
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2, size=(500, 30), dtype=np.uint8)
    queries = rng.integers(0, 2, size=(20, 30), dtype=np.uint8)
    index = faiss.IndexBinaryFlat(32)
    index.add(to_faiss_bytes(bits))
    distances, _ = index.search(to_faiss_bytes(queries), 5)
    brute = np.sort(hamming_distances(pack_bits(queries), pack_bits(bits)), axis=1)[:, :5]
    np.testing.assert_array_equal(distances, brute)


def test_index_rejects_wide_or_unpacked_codes():
    with pytest.raises(ValueError, match="uint64"):
        BucketIndex(np.zeros((3, 30), dtype=np.uint8), 30)
    with pytest.raises(ValueError, match="above bit"):
        BucketIndex(np.array([1 << 40], dtype=np.uint64), 30)


@pytest.mark.parametrize("hasher", [RandomHyperplaneLSH, PCASign, PCAITQ])
def test_baselines_shapes_balance_and_determinism(hasher):
    rng = np.random.default_rng(4)
    # Low-rank data plus noise, so PCA directions are well defined.
    x = rng.standard_normal((600, 5)) @ rng.standard_normal((5, 40)) + 0.1 * rng.standard_normal((600, 40))
    model = hasher(8, seed=0).fit(x)
    bits = model.hash(x)
    assert bits.shape == (600, 8) and bits.dtype == np.uint8
    assert 0.2 < bits.mean() < 0.8
    np.testing.assert_array_equal(bits, hasher(8, seed=0).fit(x).hash(x))
    with pytest.raises(ValueError, match="features"):
        model.hash(x[:, :10])


def test_itq_lowers_quantisation_error_vs_pca():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1000, 6)) @ rng.standard_normal((6, 30))
    pca, itq = PCASign(6).fit(x), PCAITQ(6).fit(x)

    def quantisation_error(model):
        v = model.project(x)
        return float(((np.where(v >= 0, 1.0, -1.0) - v) ** 2).sum())

    # ITQ rotates the same PCA subspace, so the norms of v are unchanged.
    assert quantisation_error(itq) < quantisation_error(pca)


def test_baseline_requires_fit():
    with pytest.raises(ValueError, match="not fitted"):
        PCASign(4).hash(np.zeros((2, 8)))


def test_randomised_pca_matches_exact_eigendecomposition():
    from aelab.retrieval.baselines import _pca_components

    rng = np.random.default_rng(6)
    scales = np.linspace(10, 1, 50)
    x = rng.standard_normal((800, 50)) * scales
    x -= x.mean(axis=0)
    _, vectors = np.linalg.eigh(x.T @ x)
    exact = vectors[:, ::-1][:, :8]
    approx = _pca_components(x, 8)
    # Same directions up to sign: |cosine| close to 1 for each component.
    np.testing.assert_allclose(np.abs((exact * approx).sum(axis=0)), 1.0, atol=1e-3)
