"""Figures of exercise 9 (semantic hashing). Each function returns a matplotlib Figure.

Images are ``(n, 32, 32, 3) uint8`` (or float in [0, 1]); bits are ``(n, b)``
uint8 in {0, 1}; metric rows are the dicts written by
:mod:`aelab.experiments.ex09` to the results JSON.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .common import image_rows, plt

METHOD_LABELS = {"autoencoder": "autoencoder", "lsh": "LSH", "pca_sign": "PCA-sign",
                 "pca_itq": "PCA-ITQ", "cnn": "CNN (labels)"}


def largest_buckets(bits, *, num_buckets: int = 5, min_size: int = 2) -> list[np.ndarray]:
    """Item ids of the ``num_buckets`` largest buckets of ``bits`` (size >= ``min_size``)."""
    bits = np.asarray(bits)
    _, inverse, counts = np.unique(bits, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    order = [b for b in np.argsort(-counts, kind="stable") if counts[b] >= min_size][:num_buckets]
    return [np.flatnonzero(inverse == b) for b in order]


def bucket_grid(images, bits, labels=None, class_names: Sequence[str] | None = None, *,
                num_buckets: int = 5, per_bucket: int = 10):
    """One row per large bucket: images that share a hash (row title: size and majority class)."""
    buckets = largest_buckets(bits, num_buckets=num_buckets)
    if not buckets:
        raise ValueError("no bucket holds two or more images: every hash is unique")
    rows, titles = [], []
    for ids in buckets:
        rows.append(np.asarray(images)[ids[:per_bucket]])
        title = f"{len(ids)} images"
        if labels is not None:
            counts = np.bincount(np.asarray(labels)[ids])
            top = int(counts.argmax())
            name = class_names[top] if class_names else str(top)
            title += f"\n{counts[top] / len(ids):.0%} {name}"
        titles.append(title)
    return image_rows(rows, row_titles=titles, title="Images sharing a hash (largest buckets)")


def hamming_neighbours(query_images, neighbour_images, distances, *, query_labels=None,
                       neighbour_labels=None, class_names: Sequence[str] | None = None):
    """Each row: a query, then its nearest database images by Hamming distance.

    ``query_images (q, H, W, C)``, ``neighbour_images (q, k, H, W, C)``,
    ``distances (q, k)`` ints. Row titles name the query's class; the figure
    title gives the distances row by row.
    """
    neighbour_images = np.asarray(neighbour_images)
    rows = [np.concatenate([np.asarray(query_images)[i:i + 1], neighbour_images[i]])
            for i in range(len(neighbour_images))]
    titles = None
    if query_labels is not None:
        titles = [class_names[y] if class_names else str(y) for y in np.asarray(query_labels)]
    fig = image_rows(rows, row_titles=titles,
                     column_titles=["query"] + [f"#{j + 1}" for j in range(neighbour_images.shape[1])],
                     title="Hamming nearest neighbours (first column: test query)")
    for i, ax_row in enumerate(np.asarray(fig.axes).reshape(len(rows), -1)):
        for j in range(1, len(rows[i])):
            caption = f"d={int(distances[i][j - 1])}"
            if neighbour_labels is not None and query_labels is not None:
                caption += " ✓" if neighbour_labels[i][j - 1] == query_labels[i] else ""
            ax_row[j].set_xlabel(caption, fontsize=7)
    return fig


def methods_bars(methods: dict):
    """mAP and size-weighted purity (with singleton share) of every method, side by side."""
    names = list(methods)
    labels = [METHOD_LABELS.get(n, n) for n in names]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for ax, key, title in zip(axes, ("map", "gini_purity", "singleton_share"),
                              ("mAP (test queries vs training database)",
                               "size-weighted Gini purity (test buckets)",
                               "share of test images alone in their bucket"), strict=True):
        values = [methods[n][key] for n in names]
        ax.bar(labels, values, color=["tab:blue" if n == "autoencoder" else "tab:gray" for n in names])
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", rotation=30, labelsize=8)
        for k, v in enumerate(values):
            ax.text(k, v, f"{v:.3f}", ha="center", va="bottom", fontsize=7)
    fig.tight_layout()
    return fig


def metrics_vs_bits(sweep: list[dict]):
    """mAP, size-weighted purity and singleton share against the number of bits, per method."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for method in dict.fromkeys(r["method"] for r in sweep):
        rows = sorted((r for r in sweep if r["method"] == method), key=lambda r: r["num_bits"])
        bits = [r["num_bits"] for r in rows]
        for ax, key in zip(axes, ("map", "gini_purity", "singleton_share"), strict=True):
            ax.plot(bits, [r[key] for r in rows], marker="o", label=METHOD_LABELS.get(method, method))
    for ax, title in zip(axes, ("mAP", "size-weighted Gini purity", "singleton share"), strict=True):
        ax.set_xlabel("bits")
        ax.set_title(title, fontsize=9)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def noise_ablation(rows: list[dict]):
    """Cross-validated mAP (with std over folds) and saturated share against the noise level."""
    rows = sorted(rows, key=lambda r: r["noise_stddev"])
    noise = [r["noise_stddev"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    left.errorbar(noise, [r["cv_map_mean"] for r in rows], yerr=[r["cv_map_std"] for r in rows],
                  marker="o", capsize=3)
    left.set_xlabel("noise stddev before the coding layer")
    left.set_title("validation mAP (K-fold CV)", fontsize=9)
    right.plot(noise, [r["cv_saturated_share"] for r in rows], marker="o", label="codes < 0.1 or > 0.9")
    right.plot(noise, [r["cv_singleton_share"] for r in rows], marker="s", label="singleton share")
    right.set_xlabel("noise stddev before the coding layer")
    right.set_title("saturation and bucket spread", fontsize=9)
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def saturation_histograms(histograms: dict):
    """Histogram of coding-unit activations before rounding, one panel per model.

    ``histograms``: ``{name: {"counts": (k,), "edges": (k + 1,), "saturated_share": float}}``.
    """
    fig, axes = plt.subplots(1, len(histograms), figsize=(4.5 * len(histograms), 3), squeeze=False)
    for ax, (name, hist) in zip(axes[0], histograms.items(), strict=True):
        edges = np.asarray(hist["edges"], dtype=float)
        counts = np.asarray(hist["counts"], dtype=float)
        ax.bar(edges[:-1], counts / counts.sum(), width=np.diff(edges), align="edge",
               edgecolor="white")
        ax.set_title(f"{METHOD_LABELS.get(name, name)}: {hist['saturated_share']:.0%} saturated",
                     fontsize=9)
        ax.set_xlabel("code value before rounding")
    axes[0][0].set_ylabel("share of activations")
    fig.tight_layout()
    return fig
