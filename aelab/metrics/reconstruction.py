"""Reconstruction metrics for autoencoders (pixels in ``[0, 1]``)."""

from __future__ import annotations

import numpy as np


def to_unit_float(images) -> np.ndarray:
    """``uint8 [0,255]`` or float images -> ``float32`` in ``[0, 1]`` (floats are checked, not rescaled)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"images must be uint8 or float in [0, 1], got dtype {images.dtype}")
    if images.size and (images.min() < -1e-6 or images.max() > 1 + 1e-6):
        raise ValueError("float images must be scaled to [0, 1] (divide uint8 pixels by 255)")
    return images.astype(np.float32, copy=False)


def per_image_mse(original, reconstructed) -> np.ndarray:
    """Mean squared error of each image: ``(n, ...)`` x2 -> ``(n,) float64``."""
    original = to_unit_float(original)
    reconstructed = np.asarray(reconstructed, dtype=np.float32)
    if original.shape != reconstructed.shape:
        raise ValueError(f"shape mismatch: original {original.shape} vs reconstructed {reconstructed.shape}")
    diff = original.astype(np.float64) - reconstructed.astype(np.float64)
    return np.mean(diff.reshape(len(diff), -1) ** 2, axis=1)


def mean_squared_error(original, reconstructed) -> float:
    """Mean over all pixels of the squared error (images in ``[0, 1]``)."""
    return float(per_image_mse(original, reconstructed).mean())


def model_reconstruction_mse(model, images, *, batch_size: int = 256) -> float:
    """MSE of ``model.predict`` (inference mode: no noise) on ``images`` ``(n, 32, 32, 3)`` uint8 or [0,1] float."""
    x = to_unit_float(images)
    predicted = model.predict(x, batch_size=batch_size, verbose=0)
    return mean_squared_error(x, predicted)


def psnr(mse: float, *, max_value: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB for a given MSE."""
    if mse <= 0:
        return float("inf")
    return float(10.0 * np.log10(max_value**2 / mse))
