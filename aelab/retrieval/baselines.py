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


def _pca_components(centred: np.ndarray, num_bits: int, seed: int = 0) -> np.ndarray:
    """Top ``num_bits`` principal directions ``(d, num_bits)`` of centred ``(n, d)`` data.

    Randomised SVD (Halko, Martinsson & Tropp 2011) with power iterations: the
    exact eigendecomposition of a 3072 x 3072 covariance costs seconds to tens
    of seconds on a shared 2-core CPU, this costs O(n d k) and agrees with it
    on the leading directions (checked in the tests).
    """
    n, d = centred.shape
    if num_bits > min(n, d):
        raise ValueError(f"num_bits={num_bits} exceeds min(n_samples, n_features)={min(n, d)}")
    k = min(num_bits + 20, min(n, d))
    rng = np.random.default_rng(seed)
    x = centred.astype(np.float64)
    basis, _ = np.linalg.qr(x @ rng.standard_normal((d, k)))
    for _ in range(4):
        # Power iterations sharpen the gap between leading and trailing directions.
        basis, _ = np.linalg.qr(x.T @ basis)
        basis, _ = np.linalg.qr(x @ basis)
    _, _, vt = np.linalg.svd(basis.T @ x, full_matrices=False)
    return vt[:num_bits].T


class PCASign(_LinearHasher):
    """Sign of the top principal components."""

    def _fit_projection(self, centred):
        return _pca_components(centred, self.num_bits, self.seed)


class PCAITQ(_LinearHasher):
    """PCA then an orthogonal rotation learned by Iterative Quantisation."""

    def __init__(self, num_bits: int, seed: int = 0, num_iterations: int = 50):
        super().__init__(num_bits, seed)
        self.num_iterations = int(num_iterations)

    def _fit_projection(self, centred):
        components = _pca_components(centred, self.num_bits, self.seed)
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
