"""Grading-time inputs for ex09 (runs in the grader, never in a sandbox).

Random codings with exact 0.5 ties for ``hash_codes``, random bits for
``pack_hashes``, bucket cases with known Gini purity (expected values from the
reference ``aelab.metrics.hashing.gini_purity``) and random images for the
model-structure probe. Held-out real images are drawn by the hidden checks.
"""

import numpy as np

from aelab.metrics.hashing import gini_purity


def make_inputs(inputs_dir, truth_dir, seed):
    rng = np.random.default_rng(seed)
    codes = rng.random((500, 30))
    codes[::7, int(rng.integers(30))] = 0.5
    codes[:4] = [[0.0] * 30, [1.0] * 30, [0.5] * 30, [0.5 + 1e-9] * 15 + [0.5 - 1e-9] * 15]
    bits = {f"bits_{b}": rng.integers(0, 2, size=(200, b), dtype=np.uint8) for b in (1, 30, 64)}
    np.savez(inputs_dir / "hash.npz", codes=codes, **bits)
    np.savez(truth_dir / "hash.npz", codes=(codes > 0.5).astype(np.uint8))

    cases, expected = {}, {}
    four = np.zeros((4, 30), np.uint8)
    two = np.zeros((5, 8), np.uint8)
    two[4, 0] = 1
    perm = rng.permutation(10)
    rand_bits = rng.integers(0, 2, size=(600, 4), dtype=np.uint8)
    rand_labels = rng.integers(0, 5, size=600)
    packed = (rand_bits.astype(np.int64) << np.arange(4)).sum(axis=1)
    for name, hashes, labels in (
        ("four", four, perm[[3, 3, 3, 5]]),
        ("two", two, perm[[3, 3, 3, 5, 6]]),
        ("singletons", np.eye(6, dtype=np.uint8), rng.permutation(6)),
        ("constant", np.ones((70, 30), np.uint8), rng.permutation(np.repeat(np.arange(10), 7))),
        ("random_bits", rand_bits, rand_labels),
        ("random_packed", packed, rand_labels),
    ):
        cases[f"{name}_hashes"], cases[f"{name}_labels"] = hashes, labels
        expected[name] = gini_purity(hashes if hashes.ndim == 2 else rand_bits, labels)
    np.savez(inputs_dir / "purity.npz", **cases)
    np.savez(truth_dir / "purity.npz", **{k: np.array(v) for k, v in expected.items()})
    np.save(inputs_dir / "images.npy", rng.random((6, 32, 32, 3), dtype=np.float32))
