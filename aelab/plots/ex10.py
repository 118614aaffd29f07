"""Figures for Exercise 10 (variational autoencoder).

Images are ``(n, 32, 32, 3)`` ``uint8`` or float in ``[0, 1]``; every function
returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .common import image_rows, plt, tile


def reconstructions(original, reconstructed, *, max_images: int = 10):
    """Test images (top row) above the decoder's mean for ``z`` sampled from ``q(z | x)``."""
    original = np.asarray(original)[:max_images]
    reconstructed = np.asarray(reconstructed)[:max_images]
    if len(original) != len(reconstructed):
        raise ValueError(f"{len(original)} originals but {len(reconstructed)} reconstructions")
    return image_rows([original, reconstructed], row_titles=["test image", "reconstruction"],
                      title="VAE reconstructions (decoder means)")


def prior_samples(images, *, columns: int = 8):
    """Grid of decoded prior samples ``z ~ N(0, I)``."""
    return tile(images, columns=columns, cell_size=0.9,
                title="samples: decoder means for z ~ N(0, I)")


def interpolations(rows: Sequence, *, row_titles: Sequence[str] | None = None):
    """One row per pair of test images: decoded points on the line between their codes.

    ``rows``: arrays ``(num_steps, 32, 32, 3)``, first and last columns being the
    decoded codes of the two end images.
    """
    num_steps = len(rows[0]) if rows else 0
    titles = [f"{t:.2f}" for t in np.linspace(0.0, 1.0, num_steps)] if num_steps else None
    return image_rows(list(rows), row_titles=row_titles, column_titles=titles,
                      title="latent interpolation between two test images (t = weight of the second)")


def kl_per_dimension(kl_per_dim, *, threshold_nats: float | None = None, active: int | None = None):
    """Average KL of each latent unit, sorted: a collapsed unit sits near 0 nats."""
    kl = np.sort(np.asarray(kl_per_dim, dtype=np.float64))[::-1]
    if kl.ndim != 1 or len(kl) == 0:
        raise ValueError(f"kl_per_dim must be a non-empty 1-D array, got shape {kl.shape}")
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(np.arange(len(kl)), kl, width=1.0, color="tab:blue")
    if threshold_nats is not None:
        ax.axhline(threshold_nats, color="tab:red", linestyle="--", linewidth=1,
                   label=f"{threshold_nats} nats")
        ax.legend()
    ax.set_xlabel("latent unit (sorted by KL)")
    ax.set_ylabel("mean KL (nats)")
    title = "KL per latent unit on the test set"
    if active is not None:
        title += f" ({active} of {len(kl)} units active)"
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def learning_curves(history: dict):
    """Bits per dimension (negative ELBO, beta = 1) per epoch, training and validation."""
    train = history.get("bits_per_dim")
    if not train:
        raise ValueError("history has no 'bits_per_dim' values: pass History.history of a VAE fit")
    fig, ax = plt.subplots(figsize=(4.5, 3))
    epochs = np.arange(1, len(train) + 1)
    ax.plot(epochs, train, "o-", label="training")
    if history.get("val_bits_per_dim"):
        ax.plot(epochs, history["val_bits_per_dim"], "s--", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("bits / dim")
    ax.legend()
    fig.tight_layout()
    return fig
