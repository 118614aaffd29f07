"""subsample: stratified, seeded, copies, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from aelab.data import CIFAR10_CLASSES, CifarData, subsample
from aelab.data.subsample import stratified_indices


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    y_train = np.repeat(np.arange(10), 30)
    y_test = np.repeat(np.arange(10), 8)
    return CifarData(
        rng.integers(0, 256, (300, 32, 32, 3), dtype=np.uint8), y_train,
        rng.integers(0, 256, (80, 32, 32, 3), dtype=np.uint8), y_test,
        CIFAR10_CLASSES, "fixture",
    )


def test_counts_are_stratified(data):
    small = subsample(data, 100, 23, seed=0)
    assert np.bincount(small.y_train, minlength=10).tolist() == [10] * 10
    assert sorted(np.bincount(small.y_test, minlength=10).tolist()) == [2] * 7 + [3] * 3
    assert small.x_train.shape == (100, 32, 32, 3) and small.x_train.dtype == np.uint8
    assert "subsample n_train=100" in small.source


def test_images_keep_their_labels_and_are_copies(data):
    small = subsample(data, 50, 10, seed=4)
    for image, label in zip(small.x_train, small.y_train, strict=True):
        matches = np.flatnonzero((data.x_train == image).all(axis=(1, 2, 3)))
        assert data.y_train[matches[0]] == label
    assert not np.shares_memory(small.x_train, data.x_train)


def test_seeded(data):
    a, b, c = (subsample(data, 40, 10, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)


def test_result_is_class_mixed():
    indices = stratified_indices(np.repeat(np.arange(10), 100), 100, seed=0)
    assert len(set((indices[:10] // 100).tolist())) > 3


def test_too_many_or_negative_is_an_error(data):
    with pytest.raises(ValueError, match="cannot take 301 items from 300"):
        subsample(data, 301, 10)
    with pytest.raises(ValueError, match="cannot take -1"):
        subsample(data, -1, 10)
    labels = np.array([0] * 10 + [1] * 2)
    with pytest.raises(ValueError, match="class 1 has 2 items.*ask for at most 4"):
        stratified_indices(labels, 8)
