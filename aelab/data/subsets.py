"""Stratified, seeded label subsets (e.g. "10% of the labels").

For a given seed, each class's examples are put in one random order and a
subset takes the first ``k`` of each class, so subsets of the same seed are
*nested*: the 5% subset is contained in the 10% subset. That makes a
label-fraction curve compare "more labels" rather than "other labels".
"""

from __future__ import annotations

import numpy as np


def stratified_subset(labels, fraction: float, *, seed: int) -> np.ndarray:
    """Indices (sorted ``(m,) int64``) of a class-stratified ``fraction`` of ``labels``.

    ``labels`` is a ``(n,)`` integer array. Each class keeps
    ``max(1, round(fraction * count))`` of its examples, so class proportions
    are preserved and no class disappears. ``fraction == 1`` returns every index.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers (class ids), got dtype {labels.dtype}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction} (10% is 0.1)")
    rng = np.random.default_rng(seed)
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        order = members[rng.permutation(members.size)]
        keep = max(1, int(round(fraction * members.size)))
        chosen.append(order[:keep])
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def train_validation_split(labels, validation_size: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split of ``range(len(labels))`` into ``(train_idx, val_idx)`` (sorted int64)."""
    labels = np.asarray(labels)
    if not 0 < validation_size < labels.size:
        raise ValueError(f"validation_size must be in (0, {labels.size}), got {validation_size}")
    val = stratified_subset(labels, validation_size / labels.size, seed=seed)
    mask = np.ones(labels.size, dtype=bool)
    mask[val] = False
    return np.flatnonzero(mask).astype(np.int64), val
