"""Convolutional denoising autoencoder (Exercise 8), split into encoder and decoder.

The noise is a :class:`keras.layers.GaussianNoise` layer placed *in front of*
the encoder inside the autoencoder model, so that

* it is active only in training (``model(x, training=True)``) and the model is
  deterministic at inference;
* the encoder itself is noise-free and can be reused as the lower layers of a
  classifier (:mod:`aelab.models.classifier`).

Everything is built from standard Keras layers with the functional API, so a
saved ``.keras`` file loads with ``keras.saving.load_model(path, safe_mode=True)``.

Shapes: images are ``(n, 32, 32, 3) float32`` in ``[0, 1]``; with the default
two stride-2 layers the codings are ``(n, 8, 8, coding_filters) float32``
(non-negative: ReLU), i.e. ``coding_filters`` *coding units*, each a feature
map over an 8x8 grid of image positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

# Keras' default 0.99 needs ~500 steps before the moving statistics used at
# inference match the data; short CPU runs (a few hundred steps) need 0.9.
BN_MOMENTUM = 0.9

IMAGE_SHAPE = (32, 32, 3)


@dataclass(frozen=True)
class DaeModels:
    """The three models that share layers: ``autoencoder = decoder(encoder(noise(x)))``."""

    autoencoder: keras.Model
    encoder: keras.Model
    decoder: keras.Model


def _check_filters(filters, name: str) -> tuple[int, ...]:
    filters = tuple(int(f) for f in filters)
    if not filters or any(f <= 0 for f in filters):
        raise ValueError(f"{name} must be a non-empty sequence of positive ints, got {filters!r}")
    return filters


def build_encoder(
    *,
    input_shape: tuple[int, int, int] = IMAGE_SHAPE,
    hidden_filters: tuple[int, ...] = (32,),
    coding_filters: int = 64,
    first_kernel_size: int = 5,
    name: str = "encoder",
) -> keras.Model:
    """Encoder ``(n, 32, 32, 3) float32 [0,1] -> (n, 8, 8, coding_filters) float32 >= 0``.

    One stride-2 ``Conv2D -> BatchNormalization -> ReLU`` block per entry of
    ``hidden_filters`` and one for the codings; each halves the resolution.
    The first convolution has a larger kernel (``first_kernel_size``) so its
    filters are worth looking at as images. Convolutions before BatchNorm carry
    no bias (BatchNorm's offset replaces it).
    """
    hidden_filters = _check_filters(hidden_filters, "hidden_filters")
    if coding_filters <= 0:
        raise ValueError(f"coding_filters must be positive, got {coding_filters}")
    inputs = keras.Input(shape=input_shape, name="images")
    x = inputs
    all_filters = (*hidden_filters, int(coding_filters))
    for index, filters in enumerate(all_filters):
        kernel = first_kernel_size if index == 0 else 3
        is_coding = index == len(all_filters) - 1
        prefix = "codings" if is_coding else f"enc{index + 1}"
        x = layers.Conv2D(filters, kernel, strides=2, padding="same", use_bias=False,
                          name=f"{prefix}_conv")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{prefix}_bn")(x)
        x = layers.ReLU(name=prefix if is_coding else f"{prefix}_relu")(x)
    return keras.Model(inputs, x, name=name)


def build_decoder(
    coding_shape: tuple[int, int, int],
    *,
    hidden_filters: tuple[int, ...] = (32,),
    output_channels: int = 3,
    last_kernel_size: int = 5,
    name: str = "decoder",
) -> keras.Model:
    """Decoder ``(n, *coding_shape) float32 -> (n, 32, 32, 3) float32`` in ``(0, 1)`` (sigmoid).

    Mirrors the encoder: one stride-2 ``Conv2DTranspose -> BN -> ReLU`` per
    hidden entry (in reverse order) and a final stride-2 transposed convolution
    with a sigmoid, because pixels live in ``[0, 1]``.
    """
    hidden_filters = _check_filters(hidden_filters, "hidden_filters")
    inputs = keras.Input(shape=tuple(coding_shape), name="codings")
    x = inputs
    for index, filters in enumerate(reversed(hidden_filters)):
        x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", use_bias=False,
                                   name=f"dec{index + 1}_convt")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"dec{index + 1}_bn")(x)
        x = layers.ReLU(name=f"dec{index + 1}_relu")(x)
    outputs = layers.Conv2DTranspose(output_channels, last_kernel_size, strides=2, padding="same",
                                     activation="sigmoid", name="reconstruction")(x)
    return keras.Model(inputs, outputs, name=name)


def build_dae(
    *,
    input_shape: tuple[int, int, int] = IMAGE_SHAPE,
    hidden_filters: tuple[int, ...] = (32,),
    coding_filters: int = 64,
    noise_stddev: float = 0.1,
    learning_rate: float = 2e-3,
    compile_model: bool = True,
) -> DaeModels:
    """Denoising autoencoder ``(n, 32, 32, 3) float32 [0,1] -> same``, compiled with Adam + MSE.

    ``noise_stddev`` is the standard deviation of the Gaussian noise added to
    the (``[0, 1]``-scaled) input pixels during training only.
    """
    if not noise_stddev > 0:
        raise ValueError(f"noise_stddev must be > 0 for a denoising autoencoder, got {noise_stddev}")
    encoder = build_encoder(input_shape=input_shape, hidden_filters=hidden_filters,
                            coding_filters=coding_filters)
    decoder = build_decoder(encoder.output.shape[1:], hidden_filters=hidden_filters,
                            output_channels=input_shape[-1])
    inputs = keras.Input(shape=input_shape, name="images")
    noisy = layers.GaussianNoise(noise_stddev, name="noise")(inputs)
    outputs = decoder(encoder(noisy))
    autoencoder = keras.Model(inputs, outputs, name="denoising_autoencoder")
    if compile_model:
        autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return DaeModels(autoencoder=autoencoder, encoder=encoder, decoder=decoder)


def first_layer_kernels(encoder: keras.Model):
    """Kernels of the encoder's first convolution: ``(k, k, 3, filters) float32`` numpy array."""
    for layer in encoder.layers:
        if isinstance(layer, layers.Conv2D):
            return keras.ops.convert_to_numpy(layer.kernel)
    raise ValueError(f"model {encoder.name!r} has no Conv2D layer")
