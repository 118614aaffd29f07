"""Reconstruction and classification metrics on hand-checked cases."""

from __future__ import annotations

import numpy as np
import pytest

from aelab.metrics.classification import (
    accuracy,
    confusion_matrix,
    mean_and_spread,
    per_class_accuracy,
)
from aelab.metrics.reconstruction import mean_squared_error, per_image_mse, psnr, to_unit_float


def test_mse_known_values():
    original = np.zeros((2, 2, 2, 1), dtype=np.float32)
    reconstructed = np.zeros_like(original)
    reconstructed[1] = 0.5  # second image off by 0.5 everywhere -> 0.25
    np.testing.assert_allclose(per_image_mse(original, reconstructed), [0.0, 0.25])
    assert mean_squared_error(original, reconstructed) == pytest.approx(0.125)


def test_uint8_is_scaled():
    original = np.full((1, 2, 2, 3), 255, dtype=np.uint8)
    assert mean_squared_error(original, np.ones((1, 2, 2, 3), np.float32)) == pytest.approx(0.0)
    np.testing.assert_allclose(to_unit_float(np.array([0, 51, 255], np.uint8)), [0, 0.2, 1])


def test_mse_rejects_bad_input():
    with pytest.raises(ValueError, match="shape mismatch"):
        per_image_mse(np.zeros((2, 4), np.float32), np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        to_unit_float(np.array([0.0, 200.0]))


def test_psnr():
    assert psnr(0.01) == pytest.approx(20.0)
    assert psnr(0.0) == float("inf")


def test_accuracy_labels_and_probabilities():
    y = np.array([0, 1, 2, 2])
    assert accuracy(y, np.array([0, 1, 1, 2])) == pytest.approx(0.75)
    probs = np.eye(3)[[0, 0, 2, 2]]
    assert accuracy(y, probs) == pytest.approx(0.75)
    with pytest.raises(ValueError):
        accuracy(y, np.array([0, 1]))


def test_confusion_and_per_class():
    y = np.array([0, 0, 1, 1])
    pred = np.array([0, 1, 1, 1])
    np.testing.assert_array_equal(confusion_matrix(y, pred, 3), [[1, 1, 0], [0, 2, 0], [0, 0, 0]])
    recall = per_class_accuracy(y, pred, 3)
    np.testing.assert_allclose(recall[:2], [0.5, 1.0])
    assert np.isnan(recall[2])
    with pytest.raises(ValueError, match="labels"):
        confusion_matrix(y, np.array([0, 5, 1, 1]), 3)


def test_mean_and_spread():
    summary = mean_and_spread([0.5, 0.6, 0.7])
    assert summary["mean"] == pytest.approx(0.6)
    assert summary["std"] == pytest.approx(0.1)
    assert (summary["min"], summary["max"], summary["n"]) == (0.5, 0.7, 3)
    assert mean_and_spread([0.4])["std"] == 0.0
    with pytest.raises(ValueError):
        mean_and_spread([])
