"""Shared pytest fixtures.

``real_cifar``: the real CIFAR-10 copy named by ``$AELAB_DATA``, loaded once per
session. When the variable is unset the test is skipped with instructions, except
under ``AELAB_REQUIRE_REAL_DATA=1`` (CI), where it fails: CI must never silently
skip a real-data test.
"""

from __future__ import annotations

import os

import pytest


def _require_real_data() -> bool:
    return os.environ.get("AELAB_REQUIRE_REAL_DATA", "").strip() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def real_cifar():
    """:class:`aelab.data.CifarData` of the real CIFAR-10 source in ``$AELAB_DATA``."""
    source = os.environ.get("AELAB_DATA")
    if not source:
        message = (
            "real CIFAR-10 data not configured: set AELAB_DATA to a CIFAR-10 source, e.g. "
            "AELAB_DATA=/work/shared/data/cifar10-jpeg.tar.gz (archive, batches dir or image folder)"
        )
        if _require_real_data():
            pytest.fail(message + " (AELAB_REQUIRE_REAL_DATA=1 forbids skipping)", pytrace=False)
        pytest.skip(message)
    from aelab.data import load_cifar10

    return load_cifar10(source, progress=False)


@pytest.fixture
def small_arrays():
    """Balanced random CIFAR-shaped arrays: ``x_train (50, 32, 32, 3) uint8``, ``y_train (50,)
    int64`` (5 per class), ``x_test (20, 32, 32, 3)``, ``y_test (20,)`` (2 per class)."""
    from aelab.data.fixtures import random_images

    x_train, y_train = random_images(50, seed=1)
    x_test, y_test = random_images(20, seed=2)
    return x_train, y_train, x_test, y_test


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty cache directory, also set as ``$AELAB_CACHE``; ``$AELAB_DATA`` is unset."""
    path = tmp_path / "cache"
    monkeypatch.setenv("AELAB_CACHE", str(path))
    monkeypatch.delenv("AELAB_DATA", raising=False)
    return path
