"""Data-independent and linear hashing baselines, on the same bit count as the autoencoder.

Each hasher is fitted on the database features ``(n, d) float32`` (flattened
pixels in [0, 1] in exercise 9) and maps features to bits ``(m, num_bits)``
uint8 with :meth:`hash`.

- :class:`RandomHyperplaneLSH`: sign of random Gaussian projections of the
  centred data (Charikar 2002). Centring keeps the bits roughly balanced.
- :class:`PCASign`: sign of the top ``num_bits`` principal components.
- :class:`PCAITQ`: PCA followed by the rotation that minimises the
  quantisation error (Gong & Lazebnik 2011, Iterative Quantisation).
"""

from __future__ import annotations

import numpy as np


def _features(x, name="x") -> np.ndarray:
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"{name} must be (n, ...) features, got shape {x.shape}")
    x = x.reshape(len(x), -1)
    if x.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be numeric, got {x.dtype}")
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf")
    return x


class _LinearHasher:
    """bits = (x - mean) @ projection > 0, with ``projection`` chosen by subclasses."""

    def __init__(self, num_bits: int, seed: int = 0):
        if num_bits < 1:
            raise ValueError(f"num_bits must be >= 1, got {num_bits}")
        self.num_bits = int(num_bits)
        self.seed = int(seed)
        self.mean = None
        self.projection = None

    def _fit_projection(self, centred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def fit(self, x):
        """Fit on ``(n, ...)`` features; returns ``self``."""
        x = _features(x)
        if x.shape[0] < 2:
            raise ValueError("need at least 2 samples to fit a hasher")
        self.mean = x.mean(axis=0)
        self.projection = self._fit_projection(x - self.mean).astype(np.float32)
        return self

    def project(self, x) -> np.ndarray:
        """Real-valued projections ``(m, num_bits)`` float32 before the sign."""
        if self.projection is None:
            raise ValueError(f"{type(self).__name__} is not fitted: call fit(x) first")
        x = _features(x)
        if x.shape[1] != self.mean.shape[0]:
            raise ValueError(f"expected {self.mean.shape[0]} features, got {x.shape[1]}")
        return (x - self.mean) @ self.projection

    def hash(self, x) -> np.ndarray:
        """``(m, ...)`` features -> ``(m, num_bits)`` uint8 bits."""
        return (self.project(x) > 0).astype(np.uint8)


class RandomHyperplaneLSH(_LinearHasher):
    """Random Gaussian hyperplanes through the data mean."""

    def _fit_projection(self, centred):
        rng = np.random.default_rng(self.seed)
        return rng.standard_normal((centred.shape[1], self.num_bits))


def _pca_components(centred: np.ndarray, num_bits: int) -> np.ndarray:
    """Top ``num_bits`` principal directions ``(d, num_bits)`` via the covariance eigendecomposition."""
    if num_bits > centred.shape[1]:
        raise ValueError(f"num_bits={num_bits} exceeds the feature dimension {centred.shape[1]}")
    # d x d covariance then eigh is cheaper than an SVD of the n x d matrix when n >> d.
    cov = (centred.T @ centred) / (centred.shape[0] - 1)
    _, vectors = np.linalg.eigh(cov.astype(np.float64))
    return vectors[:, ::-1][:, :num_bits]


class PCASign(_LinearHasher):
    """Sign of the top principal components."""

    def _fit_projection(self, centred):
        return _pca_components(centred, self.num_bits)


class PCAITQ(_LinearHasher):
    """PCA then an orthogonal rotation learned by Iterative Quantisation."""

    def __init__(self, num_bits: int, seed: int = 0, num_iterations: int = 50):
        super().__init__(num_bits, seed)
        self.num_iterations = int(num_iterations)

    def _fit_projection(self, centred):
        components = _pca_components(centred, self.num_bits)
        v = centred @ components
        rng = np.random.default_rng(self.seed)
        rotation, _ = np.linalg.qr(rng.standard_normal((self.num_bits, self.num_bits)))
        for _ in range(self.num_iterations):
            # Fix the rotation, set B = sign(VR); fix B, solve the orthogonal
            # Procrustes problem min ||B - VR|| by an SVD of B^T V.
            b = np.where(v @ rotation >= 0, 1.0, -1.0)
            u, _, wt = np.linalg.svd(b.T @ v)
            rotation = (u @ wt).T
        return components @ rotation
