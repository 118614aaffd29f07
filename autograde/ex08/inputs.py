"""Grading-time inputs for ex08 (runs in the grader, never in a sandbox).

Two official-format CIFAR-10 batch folders of random sizes (not multiples of
the official 10,000, so nothing hard-coded matches) and random images for the
model-structure probes. Held-out real test images are drawn by the hidden
checks themselves with the job's seed.
"""

import numpy as np

from aelab.data.fixtures import random_images, write_cifar_batches


def make_inputs(inputs_dir, truth_dir, seed):
    rng = np.random.default_rng(seed)
    truth = {}
    for tag in ("a", "b"):
        n_train, n_test = int(rng.integers(21, 60)) * 5 + 3, int(rng.integers(11, 30))
        x_train, y_train = random_images(n_train, seed=int(rng.integers(1 << 30)))
        x_test, y_test = random_images(n_test, seed=int(rng.integers(1 << 30)))
        order = rng.permutation(n_train)  # labels not sorted: alignment must be kept
        x_train, y_train = x_train[order], y_train[order]
        write_cifar_batches(inputs_dir / f"loader_{tag}" / "cifar-10-batches-py",
                            x_train, y_train, x_test, y_test)
        truth.update({f"{tag}_x_train": x_train, f"{tag}_y_train": y_train,
                      f"{tag}_x_test": x_test, f"{tag}_y_test": y_test})
    np.savez(truth_dir / "loader.npz", **truth)
    np.save(inputs_dir / "images.npy", rng.random((4, 32, 32, 3), dtype=np.float32))
