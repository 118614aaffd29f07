"""Hidden checks of ex09 (clean process; contract: autograde/contracts/ex09.md)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from heldout import load_keras  # noqa: E402

from aelab.metrics.hashing import bit_balance, gini_purity, mean_average_precision  # noqa: E402
from aelab.retrieval import binarize, pack_bits  # noqa: E402

PURITY_CASES = ("four", "two", "singletons", "constant", "random_bits", "random_packed")


# --- ex09-model ----------------------------------------------------------------------

@pytest.mark.grade_id("ex09-model")
@pytest.mark.parametrize("tag", ["big", "small"])
def test_model_structure(job, tag):
    out = job.output("ex09-model")
    assert out[f"{tag}_infer_1"].shape == (6, 12)
    codes = out[f"{tag}_infer_1"]
    assert float(codes.min()) > 0.0 and float(codes.max()) < 1.0, "sigmoid codings"
    assert bool(np.array_equal(codes, out[f"{tag}_infer_2"])), "inference is deterministic"
    assert not bool(np.allclose(codes, out[f"{tag}_train"])), "noise acts in training"
    noise_at, flatten_at = int(out[f"{tag}_noise_at"]), int(out[f"{tag}_flatten_at"])
    assert noise_at > flatten_at + 2 >= 2, "GaussianNoise after Flatten and two Dense layers"
    assert int(out[f"{tag}_dense_below_noise"]) == 2
    assert out[f"{tag}_recon"].shape == (6, 32, 32, 3) and bool(out[f"{tag}_compiled"])


def _stratified(labels, per_class, rng):
    return np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
                           for c in range(10)])


@pytest.mark.grade_id("ex09-model")
def test_trained_encoder_retrieval(job, check_metric):
    import os

    from aelab.data import load_cifar10

    source = os.environ.get("AELAB_DATA")
    if not source:
        pytest.fail("grading needs the CIFAR-10 data: pass --data or set AELAB_DATA", pytrace=False)
    data = load_cifar10(source, cache_dir=os.environ.get("AELAB_CACHE"), progress=False)
    rng = np.random.default_rng(job.seed)
    db_index, q_index = _stratified(data.y_train, 200, rng), _stratified(data.y_test, 50, rng)
    x_db = data.x_train[db_index].astype(np.float32) / 255.0
    x_q = data.x_test[q_index].astype(np.float32) / 255.0
    encoder = load_keras(job.artefact("hash_encoder.keras"))
    db_codes = np.asarray(encoder.predict(x_db, batch_size=500, verbose=0))
    assert db_codes.shape == (2000, 30)
    assert float(db_codes.min()) >= 0.0 and float(db_codes.max()) <= 1.0
    assert bool(np.array_equal(db_codes, np.asarray(encoder.predict(x_db, batch_size=500, verbose=0))))
    q_codes = np.asarray(encoder.predict(x_q, batch_size=500, verbose=0))
    db_bits, q_bits = binarize(db_codes), binarize(q_codes)
    balance = bit_balance(db_bits)
    assert int(np.sum((balance < 0.01) | (balance > 0.99))) <= 20, "too many constant bits"
    db_labels, q_labels = data.y_train[db_index], data.y_test[q_index]
    assert gini_purity(db_bits, db_labels) >= 0.12, "buckets no purer than a constant hash"
    score = float(mean_average_precision(pack_bits(q_bits), q_labels, pack_bits(db_bits), db_labels,
                                         num_bits=30))
    assert score >= 0.103, "mAP at chance level"
    check_metric("ex09.map", score, direction="min", slack=0.08)


# --- ex09-hash ---------------------------------------------------------------------------

@pytest.mark.grade_id("ex09-hash")
def test_hash_codes(job):
    out = job.output("ex09-hash")
    truth = job.truth_arrays("hash.npz")["codes"]
    assert out["bits"].dtype == np.uint8 and out["bits"].shape == truth.shape
    assert bool(np.array_equal(out["bits"], truth)), "bit = 1 iff code > 0.5"


@pytest.mark.grade_id("ex09-hash")
def test_pack_hashes(job):
    out = job.output("ex09-hash")
    with np.load(job.inputs / "hash.npz") as data:
        for b in (1, 30, 64):
            packed, bits = out[f"packed_{b}"], data[f"bits_{b}"]
            assert packed.dtype == np.uint64 and packed.shape == (200,)
            unpacked = (packed[:, None] >> np.arange(b, dtype=np.uint64)) & np.uint64(1)
            assert bool(np.array_equal(unpacked, bits))
            assert bool(np.array_equal(packed, pack_bits(bits)[:, 0]))


@pytest.mark.grade_id("ex09-hash")
def test_hash_rejects_bad_input(job):
    assert bool(np.all(job.output("ex09-hash")["rejects"])), "ValueError for bad codes or bits"


# --- ex09-purity ---------------------------------------------------------------------------

@pytest.mark.grade_id("ex09-purity")
def test_gini_purity_known_cases(job):
    out = job.output("ex09-purity")
    truth = job.truth_arrays("purity.npz")
    expected = np.array([float(truth[case]) for case in PURITY_CASES])
    assert out["values"].shape == expected.shape
    assert bool(np.all(np.abs(out["values"] - expected) < 1e-9)), "purity values"
    assert abs(expected[0] - 0.625) < 1e-12 and abs(expected[1] - 0.7) < 1e-12  # sanity of the truth
    assert bool(np.all(out["is_float"])), "return a Python float"


@pytest.mark.grade_id("ex09-purity")
def test_gini_purity_rejects_mismatch(job):
    assert bool(job.output("ex09-purity")["mismatch_raises"])
