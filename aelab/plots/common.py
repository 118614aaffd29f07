"""Shared plotting helpers: image grids and filter tiles.

Images are ``(n, H, W, C)`` arrays, either ``uint8`` in ``[0, 255]`` or floats in
``[0, 1]``; every function returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg", force=False)  # headless by default (CI, book build); notebooks keep theirs
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def as_display(images) -> np.ndarray:
    """``uint8`` or ``[0, 1]`` float images -> ``float32`` in ``[0, 1]``, single channel squeezed."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    else:
        images = np.clip(images.astype(np.float32), 0.0, 1.0)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    return images


def image_rows(rows: Sequence, *, row_titles: Sequence[str] | None = None,
               column_titles: Sequence[str] | None = None, cell_size: float = 1.0,
               title: str | None = None):
    """Grid with one row per array of ``rows`` (each ``(k, H, W, C)``; rows may differ in ``k``)."""
    if not rows:
        raise ValueError("need at least one row of images")
    rows = [as_display(r) for r in rows]
    ncols = max(len(r) for r in rows)
    if ncols == 0:
        raise ValueError("rows contain no images")
    label_space = 1.2 if row_titles else 0.0
    fig, axes = plt.subplots(len(rows), ncols, squeeze=False,
                             figsize=(ncols * cell_size + label_space, len(rows) * cell_size + 0.4))
    for i, row in enumerate(rows):
        for j in range(ncols):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if j < len(row):
                ax.imshow(row[j], cmap="gray" if row[j].ndim == 2 else None, vmin=0, vmax=1,
                          interpolation="nearest")
            if row_titles and j == 0:
                ax.set_ylabel(row_titles[i], rotation=0, ha="right", va="center", fontsize=9)
            if column_titles and i == 0 and j < len(column_titles):
                ax.set_title(column_titles[j], fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def normalise_filters(kernels) -> np.ndarray:
    """Conv kernels ``(kh, kw, c_in, c_out)`` -> ``(c_out, kh, kw, c_in)`` each scaled to ``[0, 1]``.

    Each filter is min-max scaled on its own so its *pattern* is visible
    whatever its norm (a constant filter becomes mid-grey).
    """
    kernels = np.asarray(kernels, dtype=np.float32)
    if kernels.ndim != 4:
        raise ValueError(f"kernels must be (kh, kw, c_in, c_out), got shape {kernels.shape}")
    filters = np.moveaxis(kernels, -1, 0)
    low = filters.min(axis=(1, 2, 3), keepdims=True)
    span = filters.max(axis=(1, 2, 3), keepdims=True) - low
    return np.where(span > 0, (filters - low) / np.where(span > 0, span, 1), 0.5)


def tile(images, *, columns: int, cell_size: float = 0.8, title: str | None = None,
         labels: Sequence[str] | None = None):
    """Images ``(n, H, W, C)`` laid out ``columns`` per row, with optional per-image labels."""
    images = as_display(images)
    if len(images) == 0 or columns <= 0:
        raise ValueError("need at least one image and columns >= 1")
    nrows = -(-len(images) // columns)
    fig, axes = plt.subplots(nrows, columns, squeeze=False,
                             figsize=(columns * cell_size, nrows * cell_size + 0.4))
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(images):
            ax.imshow(images[k], cmap="gray" if images[k].ndim == 2 else None, vmin=0, vmax=1,
                      interpolation="nearest")
            if labels is not None:
                ax.set_title(labels[k], fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
