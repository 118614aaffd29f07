"""Likelihoods for image VAEs: discretised logistic pixels, Gaussian KL, bits/dim.

Scale conventions (used everywhere in the project, and by the autograder):

* Images enter models as ``float32`` in ``[0, 1]``: pixel value ``k`` (0..255)
  becomes ``x = k / 255``. The 256 possible values are the centres of 256 bins
  of width ``1/255``; the first and last bins extend to -inf and +inf.
* The decoder predicts, for every sub-pixel, a logistic distribution with
  location ``pixel_mean`` (in ``[0, 1]``) and scale ``exp(log_scale)``, both on
  that ``[0, 1]`` scale. The *discretised* logistic gives each of the 256 values
  the probability mass of its bin, so the 256 masses sum to exactly 1. It is a
  probability mass function on the 0..255 integers: the negative log-likelihood
  is the same whichever scale pixels are written on, and needs no
  dequantisation or change of variables.
* ``nats per image`` is a sum over the 32*32*3 = 3072 sub-pixels;
  ``bits per dim = nats per image / (3072 * ln 2)``, i.e. bits per sub-pixel of
  the 8-bit (0..255) image, the figure reported for CIFAR-10 in the literature.

All functions are written with ``keras.ops`` so that the same code runs inside
``train_step`` (tensors) and on NumPy arrays (returns backend tensors; wrap in
``np.asarray``). Float64 inputs are computed in float64.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

NUM_BINS = 256
IMAGE_SHAPE = (32, 32, 3)
NUM_DIMS = 32 * 32 * 3
# Half the width of one bin on the [0, 1] scale: bin k is [(k - 0.5)/255, (k + 0.5)/255].
HALF_BIN = 0.5 / (NUM_BINS - 1)


def couple_channels(x, pixel_mean, channel_coeffs):
    """Means of G and B conditioned on the actual R (and G) values of the same pixel.

    Colour channels of one pixel are strongly correlated, and so are the errors
    of a decoder that gets a region's brightness slightly wrong. As in
    PixelCNN++ (Salimans et al., 2017), the green mean moves with the red
    residual and the blue mean with the red and green residuals::

        mean_r' = mean_r
        mean_g' = mean_g + alpha * (x_r - mean_r)
        mean_b' = mean_b + beta * (x_r - mean_r) + gamma * (x_g - mean_g)

    This is still a proper distribution over the image (p(r) p(g | r) p(b | r, g)
    per pixel). Conditioning on *residuals* (not on ``x_r`` itself, as PixelCNN++
    does) keeps ``pixel_mean`` the expected image, so decoded means can be shown
    as pictures directly.

    Args:
        x: ``(..., 3)`` float in ``[0, 1]``, the observed image.
        pixel_mean: ``(..., 3)`` float, decoder means.
        channel_coeffs: ``(..., 3)`` float: ``alpha, beta, gamma`` in the last axis.

    Returns:
        ``(..., 3)``: the conditional means (may leave ``[0, 1]``; the
        discretised likelihood handles any location).
    """
    residual = x - pixel_mean
    alpha, beta, gamma = (channel_coeffs[..., i] for i in range(3))
    mean_r = pixel_mean[..., 0]
    mean_g = pixel_mean[..., 1] + alpha * residual[..., 0]
    mean_b = pixel_mean[..., 2] + beta * residual[..., 0] + gamma * residual[..., 1]
    return ops.stack([mean_r, mean_g, mean_b], axis=-1)


def discretized_logistic_log_prob(x, pixel_mean, log_scale, channel_coeffs=None):
    """Log-probability of each sub-pixel under a discretised logistic.

    Args:
        x: images, shape ``S`` (normally ``(n, 32, 32, 3)``), float in
            ``[0, 1]`` on the ``k / 255`` grid.
        pixel_mean: logistic locations, shape ``S``, float, ``[0, 1]`` scale.
        log_scale: natural log of the logistic scales, shape ``S``.
        channel_coeffs: optional, shape ``S`` with last axis 3: couples the
            colour channels of each pixel (see :func:`couple_channels`);
            ``None`` treats the sub-pixels as independent.

    Returns:
        Shape ``S``, same float dtype: ``log P(pixel = 255 * x)`` in nats (<= 0).

    The bin mass ``sigmoid(a) - sigmoid(b)`` (``a``, ``b`` the standardised
    upper and lower bin edges) is evaluated as
    ``a + log(1 - exp(-(a - b))) - softplus(a) - softplus(b)``, an exact
    identity that stays accurate where both sigmoids are close to 0 or 1
    (subtracting them in float32 would lose every significant digit there).
    """
    x = ops.convert_to_tensor(x)
    dtype = x.dtype
    pixel_mean = ops.cast(ops.convert_to_tensor(pixel_mean), dtype)
    log_scale = ops.cast(ops.convert_to_tensor(log_scale), dtype)
    if channel_coeffs is not None:
        pixel_mean = couple_channels(x, pixel_mean, ops.cast(channel_coeffs, dtype))
    inv_scale = ops.exp(-log_scale)
    centred = x - pixel_mean
    upper = inv_scale * (centred + HALF_BIN)  # a: standardised upper edge
    lower = inv_scale * (centred - HALF_BIN)  # b: standardised lower edge
    width = inv_scale * (2.0 * HALF_BIN)  # a - b > 0
    log_mass_interior = (
        upper + ops.log(-ops.expm1(-width)) - ops.softplus(upper) - ops.softplus(lower)
    )
    log_mass_first = -ops.softplus(-upper)  # log sigmoid(a): bin (-inf, 0.5/255]
    log_mass_last = -ops.softplus(lower)  # log(1 - sigmoid(b)): bin [254.5/255, inf)
    return ops.where(
        x < HALF_BIN,
        log_mass_first,
        ops.where(x > 1.0 - HALF_BIN, log_mass_last, log_mass_interior),
    )


def discretized_logistic_nll(x, pixel_mean, log_scale, channel_coeffs=None):
    """Negative log-likelihood per image in nats.

    Args:
        x, pixel_mean, log_scale, channel_coeffs: ``(n, 32, 32, 3)`` float (see
            :func:`discretized_logistic_log_prob`; ``channel_coeffs`` optional).

    Returns:
        ``(n,)`` float: ``-sum log P(pixels)`` over the 3072 sub-pixels.
    """
    log_prob = discretized_logistic_log_prob(x, pixel_mean, log_scale, channel_coeffs)
    return -ops.sum(ops.reshape(log_prob, (ops.shape(log_prob)[0], -1)), axis=1)


def gaussian_kl(mean_q, log_var_q, mean_p=0.0, log_var_p=0.0):
    """Analytic KL(q || p) between diagonal Gaussians, per dimension.

    Args:
        mean_q, log_var_q: ``(n, latent_dim)`` float, the posterior ``q``.
        mean_p, log_var_p: broadcastable to the same shape; default the
            standard normal prior ``N(0, I)``.

    Returns:
        ``(n, latent_dim)`` float, nats, >= 0 (0 exactly when q == p).
    """
    mean_q = ops.convert_to_tensor(mean_q)
    dtype = mean_q.dtype
    log_var_q = ops.cast(ops.convert_to_tensor(log_var_q), dtype)
    mean_p = ops.cast(ops.convert_to_tensor(mean_p), dtype)
    log_var_p = ops.cast(ops.convert_to_tensor(log_var_p), dtype)
    return 0.5 * (
        log_var_p
        - log_var_q
        + (ops.exp(log_var_q) + ops.square(mean_q - mean_p)) * ops.exp(-log_var_p)
        - 1.0
    )


def kl_to_standard_normal(z_mean, z_log_var):
    """KL(N(z_mean, exp(z_log_var)) || N(0, I)) per image: ``(n, latent_dim)`` -> ``(n,)`` nats."""
    return ops.sum(gaussian_kl(z_mean, z_log_var), axis=1)


def negative_elbo(x, pixel_mean, log_scale, z_mean, z_log_var, beta=1.0):
    """Single-sample negative ELBO per image, in nats.

    ``-ELBO = -log p(x | z) + beta * KL(q(z | x) || N(0, I))`` where ``z`` is the
    reparameterised sample the decoder outputs were computed from. With
    ``beta = 1`` its mean over images is an upper bound (in expectation) on
    ``-log p(x)``.

    Args:
        x: ``(n, 32, 32, 3)`` float in ``[0, 1]`` (``uint8 / 255``).
        pixel_mean, log_scale: decoder outputs for ``z``, ``(n, 32, 32, 3)`` each.
        z_mean, z_log_var: encoder outputs, ``(n, latent_dim)``.
        beta: KL weight (1 for the true ELBO; < 1 during a KL warm-up).

    Returns:
        ``(n,)`` float, nats per image.
    """
    reconstruction = discretized_logistic_nll(x, pixel_mean, log_scale)
    kl = kl_to_standard_normal(z_mean, z_log_var)
    return reconstruction + ops.cast(beta, kl.dtype) * kl


def nats_to_bits_per_dim(nats_per_image, num_dims: int = NUM_DIMS):
    """Convert nats per image to bits per sub-pixel of an 8-bit image: ``nats / (num_dims ln 2)``."""
    if num_dims <= 0:
        raise ValueError(f"num_dims must be positive, got {num_dims}")
    return nats_per_image / (num_dims * math.log(2.0))


def bits_per_dim_to_nats(bits_per_dim, num_dims: int = NUM_DIMS):
    """Inverse of :func:`nats_to_bits_per_dim`."""
    if num_dims <= 0:
        raise ValueError(f"num_dims must be positive, got {num_dims}")
    return bits_per_dim * num_dims * math.log(2.0)


def active_units(z_means, threshold: float = 0.01) -> int:
    """Count latent dimensions the encoder actually uses (Burda et al., 2016).

    A unit is active when the variance *across images* of its posterior mean
    exceeds ``threshold``; a collapsed unit has ``q(z_i | x) = N(0, 1)`` for
    every ``x`` and so a constant mean.

    Args:
        z_means: ``(n, latent_dim)`` float, encoder means for ``n >= 2`` images.
        threshold: variance threshold (0.01 in the paper).
    """
    z_means = np.asarray(z_means, dtype=np.float64)
    if z_means.ndim != 2 or z_means.shape[0] < 2:
        raise ValueError(
            f"z_means must have shape (n, latent_dim) with n >= 2, got {z_means.shape}"
        )
    return int(np.sum(np.var(z_means, axis=0) > threshold))


def to_unit_float(images) -> np.ndarray:
    """``(n, 32, 32, 3) uint8`` -> ``float32`` in ``[0, 1]`` on the ``k / 255`` grid; checks input."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(
            f"expected uint8 images (0..255), got dtype {images.dtype}: pass the arrays "
            "from aelab.data.load_cifar10 unchanged"
        )
    if images.ndim != 4 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"expected images of shape (n, 32, 32, 3), got {images.shape}")
    return images.astype(np.float32) / np.float32(NUM_BINS - 1)
