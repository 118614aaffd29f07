"""Stratified, seeded label subsets."""

from __future__ import annotations

import numpy as np
import pytest

from aelab.data.subsets import stratified_subset, train_validation_split


@pytest.fixture
def labels():
    # Unbalanced on purpose: class k has 20 * (k + 1) examples, shuffled.
    y = np.repeat(np.arange(5), [20, 40, 60, 80, 100])
    return np.random.default_rng(3).permutation(y)


def test_stratified_keeps_class_proportions(labels):
    idx = stratified_subset(labels, 0.1, seed=0)
    counts = np.bincount(labels[idx], minlength=5)
    np.testing.assert_array_equal(counts, [2, 4, 6, 8, 10])
    assert idx.dtype == np.int64 and np.all(np.diff(idx) > 0)  # sorted, unique


def test_reproducible_and_seed_dependent(labels):
    a = stratified_subset(labels, 0.25, seed=7)
    np.testing.assert_array_equal(a, stratified_subset(labels, 0.25, seed=7))
    assert not np.array_equal(a, stratified_subset(labels, 0.25, seed=8))


def test_nested_for_same_seed(labels):
    small = stratified_subset(labels, 0.05, seed=4)
    large = stratified_subset(labels, 0.5, seed=4)
    assert set(small) <= set(large)


def test_every_class_survives_tiny_fraction(labels):
    idx = stratified_subset(labels, 0.001, seed=0)
    assert sorted(set(labels[idx])) == [0, 1, 2, 3, 4]


def test_full_fraction_is_everything(labels):
    np.testing.assert_array_equal(stratified_subset(labels, 1.0, seed=0), np.arange(len(labels)))


@pytest.mark.parametrize("fraction", [0, -0.1, 1.5])
def test_bad_fraction(labels, fraction):
    with pytest.raises(ValueError, match="fraction"):
        stratified_subset(labels, fraction, seed=0)


def test_bad_labels():
    with pytest.raises(ValueError, match="integers"):
        stratified_subset(np.array([0.5, 1.0]), 0.5, seed=0)
    with pytest.raises(ValueError, match="1-D"):
        stratified_subset(np.zeros((2, 2), dtype=int), 0.5, seed=0)


def test_train_validation_split_disjoint_and_complete(labels):
    train, val = train_validation_split(labels, 30, seed=0)
    assert len(val) == 30 and len(set(train) & set(val)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(len(labels)))
    with pytest.raises(ValueError, match="validation_size"):
        train_validation_split(labels, len(labels), seed=0)
