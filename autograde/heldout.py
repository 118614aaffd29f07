"""Held-out real CIFAR-10 test images for the hidden checks (clean process only)."""

from __future__ import annotations

import os

import numpy as np
import pytest


def heldout_images(seed: int, count: int, *, stratified: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``count`` test images ``(count, 32, 32, 3) float32 [0, 1]`` and labels ``(count,) int64``,
    drawn with the job's grading-time ``seed`` (stratified: equal count per class)."""
    from aelab.data import load_cifar10

    source = os.environ.get("AELAB_DATA")
    if not source:
        pytest.fail("grading needs the CIFAR-10 data: pass --data or set AELAB_DATA", pytrace=False)
    data = load_cifar10(source, cache_dir=os.environ.get("AELAB_CACHE"), progress=False)
    rng = np.random.default_rng(seed)
    if stratified:
        per_class = count // 10
        index = np.concatenate([rng.choice(np.flatnonzero(data.y_test == c), per_class, replace=False)
                                for c in range(10)])
    else:
        index = rng.choice(len(data.y_test), count, replace=False)
    return data.x_test[index].astype(np.float32) / 255.0, data.y_test[index].astype(np.int64)


def load_keras(path):
    """Load a saved model without running any code from it (safe mode, no custom objects)."""
    import keras

    return keras.saving.load_model(path, safe_mode=True, compile=False)
