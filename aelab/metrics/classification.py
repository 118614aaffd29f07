"""Classification metrics and seed-spread summaries."""

from __future__ import annotations

import numpy as np


def predicted_labels(scores) -> np.ndarray:
    """``(n,) int`` labels, or ``(n, k)`` probabilities/logits -> ``(n,) int64`` argmax labels."""
    scores = np.asarray(scores)
    if scores.ndim == 1:
        return scores.astype(np.int64)
    if scores.ndim == 2:
        return np.argmax(scores, axis=1).astype(np.int64)
    raise ValueError(f"expected labels (n,) or scores (n, k), got shape {scores.shape}")


def accuracy(y_true, scores) -> float:
    """Fraction of correct predictions; ``scores`` is labels ``(n,)`` or probabilities ``(n, k)``."""
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    y_pred = predicted_labels(scores)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"need as many predictions as labels (> 0): {y_pred.shape} vs {y_true.shape}")
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, scores, num_classes: int) -> np.ndarray:
    """``(num_classes, num_classes) int64``; rows are true classes, columns predictions."""
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    y_pred = predicted_labels(scores)
    if y_true.min(initial=0) < 0 or max(y_true.max(initial=0), y_pred.max(initial=0)) >= num_classes:
        raise ValueError(f"labels must be in [0, {num_classes})")
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def per_class_accuracy(y_true, scores, num_classes: int) -> np.ndarray:
    """``(num_classes,) float64`` recall of each class (NaN for a class absent from ``y_true``)."""
    matrix = confusion_matrix(y_true, scores, num_classes)
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / totals, np.nan)


def mean_and_spread(values) -> dict:
    """``{"mean", "std", "min", "max", "n"}`` of a list of per-seed values (std with ddof=1 when n > 1)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("need at least one value")
    return {
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)) if values.size > 1 else 0.0,
        "min": float(values.min()),
        "max": float(values.max()),
        "n": int(values.size),
    }
