"""Stratified, seeded subsets of a :class:`CifarData` (quick profiles, few-label training)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .dataset import CifarData


def stratified_indices(labels: np.ndarray, n: int, *, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` items of ``labels`` ``(N,) int``, as equal per class as possible.

    Classes get ``n // k`` items each and the remainder goes to the first classes
    (in label order); within a class the items are a seeded random choice.
    The result is shuffled (seeded), so slices of it stay class-mixed.

    Raises:
        ValueError: ``n`` is negative or larger than a class can supply.
    """
    labels = np.asarray(labels)
    if not 0 <= n <= len(labels):
        raise ValueError(f"cannot take {n} items from {len(labels)}; use 0 <= n <= {len(labels)}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    per_class = np.full(len(classes), n // len(classes))
    per_class[: n % len(classes)] += 1
    short = per_class > counts
    if short.any():
        label = classes[np.argmax(short)]
        raise ValueError(
            f"class {label} has {counts[np.argmax(short)]} items but a stratified subset of {n} "
            f"needs {per_class[np.argmax(short)]}; ask for at most {counts.min() * len(classes)}"
        )
    chosen = [
        rng.choice(np.flatnonzero(labels == label), size=k, replace=False)
        for label, k in zip(classes, per_class, strict=True)
    ]
    picked = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
    return rng.permutation(picked)


def subsample(data: CifarData, n_train: int, n_test: int, *, seed: int = 0) -> CifarData:
    """A stratified random subset: ``n_train`` training and ``n_test`` test images.

    Same seed, same subset. Arrays are copies (``(n_train, H, W, C) uint8`` etc.),
    so the full dataset can be freed. ``source`` gains a ``[subsample ...]`` note.
    """
    train = stratified_indices(data.y_train, n_train, seed=seed)
    test = stratified_indices(data.y_test, n_test, seed=seed + 1)
    return dataclasses.replace(
        data,
        x_train=data.x_train[train], y_train=data.y_train[train],
        x_test=data.x_test[test], y_test=data.y_test[test],
        source=f"{data.source} [subsample n_train={n_train} n_test={n_test} seed={seed}]",
    )
