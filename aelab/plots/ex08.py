"""Figures of Exercise 8 (denoising-autoencoder pretraining).

Inputs are plain arrays / the results ``metrics`` dict of
:func:`aelab.experiments.ex08.run`, so the figures can be redrawn from a
results file without retraining.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .common import image_rows, normalise_filters, plt, tile


def reconstructions(original, noisy, reconstructed, *, max_images: int = 10):
    """Three rows: original / noisy (as seen in training) / reconstructed, ``(n, 32, 32, 3)`` each."""
    n = min(max_images, len(original))
    if not (len(noisy) >= n and len(reconstructed) >= n):
        raise ValueError("original, noisy and reconstructed must hold the same images")
    return image_rows([original[:n], noisy[:n], reconstructed[:n]],
                      row_titles=["original", "noisy", "reconstructed"])


def first_layer_filters(kernels, *, columns: int = 8):
    """The first convolution's filters ``(kh, kw, 3, c_out)`` as small RGB images."""
    return tile(normalise_filters(kernels), columns=columns, cell_size=0.7,
                title="first-layer filters (each min-max scaled)")


def top_activating_images(images, units: Sequence[int], top_indices, *, max_units: int = 8):
    """One row per coding unit: the test images ``images[top_indices[u]]`` that activate it most."""
    top_indices = np.asarray(top_indices)
    rows = [np.asarray(images)[top_indices[i]] for i in range(min(max_units, len(units)))]
    return image_rows(rows, row_titles=[f"unit {int(u)}" for u in units[: len(rows)]],
                      title="test images that activate each coding unit most")


def dae_learning_curve(loss: Sequence[float], val_loss: Sequence[float] | None = None):
    """DAE training (noisy input) and validation MSE per epoch."""
    fig, ax = plt.subplots(figsize=(4.5, 3))
    epochs = np.arange(1, len(loss) + 1)
    ax.plot(epochs, loss, "o-", label="training (noisy inputs)")
    if val_loss:
        ax.plot(epochs, val_loss, "s--", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE")
    ax.legend()
    fig.tight_layout()
    return fig


_LABELS = {
    "pretrained_frozen": "pretrained encoder (frozen)",
    "pretrained_finetuned": "pretrained encoder (fine-tuned)",
    "scratch": "from scratch",
}


def label_fraction_curve(curve: dict):
    """Test accuracy vs label fraction, mean over seeds with a +-1 std band and every seed's point."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    fractions = np.asarray(curve["fractions"], dtype=float) * 100
    for method in ("pretrained_frozen", "pretrained_finetuned", "scratch"):
        if method not in curve:
            continue
        mean = np.asarray(curve[method]["mean"])
        std = np.asarray(curve[method]["std"])
        line, = ax.plot(fractions, mean, "o-", label=_LABELS[method])
        ax.fill_between(fractions, mean - std, mean + std, color=line.get_color(), alpha=0.2)
        for f, values in zip(fractions, curve[method]["accuracy"], strict=True):
            ax.scatter([f] * len(values), values, s=8, color=line.get_color(), alpha=0.6)
    ax.set_xscale("log")
    ax.set_xticks(fractions)
    ax.set_xticklabels([f"{f:g}%" for f in fractions])
    ax.set_xlabel("labelled training images")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"{len(curve['seeds'])} seeds, band = +-1 std, budget {curve['budget_images']} images/run",
                 fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def classifier_comparison(classifier: dict):
    """Bar chart of the test accuracy of each classifier run (10% labels x3, 100% labels)."""
    names = list(classifier)
    values = [classifier[n]["test_accuracy"] for n in names]
    fig, ax = plt.subplots(figsize=(6, 3))
    bars = ax.barh(names, values, color=["C0", "C1", "C2", "C3"][: len(names)])
    for bar, v in zip(bars, values, strict=True):
        ax.text(v + 0.005, bar.get_y() + bar.get_height() / 2, f"{v:.1%}", va="center", fontsize=8)
    ax.set_xlim(0, max(1.0, max(values) + 0.1) if values else 1.0)
    ax.axvline(0.1, color="grey", linestyle=":", label="chance")
    ax.set_xlabel("test accuracy")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
