"""Small real experiments behind the figures of the Q1-Q7 pages.

They run at book build time on a CIFAR-10 subset shrunk to 16x16 grayscale so
that each page trains in seconds on a 2-core CPU, with fixed seeds. They
illustrate the answers; the exercises (solutions/) are the full-size runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import config

SIDE = 16  # images are shrunk to SIDE x SIDE grayscale: 256 inputs


def small_gray(images: np.ndarray) -> np.ndarray:
    """``(n, 32, 32, 3) uint8`` -> ``(n, 256) float32`` in [0, 1] (gray, 2x2 average-pooled)."""
    if images.ndim != 4 or images.shape[1:] != (32, 32, 3):
        raise ValueError(f"expected (n, 32, 32, 3) images, got shape {images.shape}")
    gray = images.astype(np.float32).mean(axis=-1) / 255.0
    pooled = gray.reshape(len(images), SIDE, 2, SIDE, 2).mean(axis=(2, 4))
    return pooled.reshape(len(images), SIDE * SIDE)


def load_demo_data(n_train: int = 2000, n_val: int = 1000, data_source=None):
    """``(x_train, x_val)``: ``(n, 256) float32`` from CIFAR-10 train and test images."""
    from ..data import load_cifar10

    data = load_cifar10(config.data_source(data_source), progress=False)
    # The loader mixes classes, so a prefix slice is class-balanced enough here.
    return small_gray(data.x_train[:n_train]), small_gray(data.x_test[:n_val])


@dataclass
class TrainedAutoencoder:
    name: str
    model: object  # keras.Model: (n, 256) float32 -> (n, 256) float32
    encoder: object  # keras.Model: (n, 256) -> (n, coding units)
    history: dict[str, list[float]]


def train_autoencoder(
    x_train: np.ndarray,
    x_val: np.ndarray,
    *,
    hidden_units: tuple[int, ...],
    name: str,
    noise_stddev: float = 0.0,
    num_epochs: int = 30,
    seed: int = 42,
    first_layer_l2: float = 0.0,
) -> TrainedAutoencoder:
    """Dense autoencoder 256 -> hidden_units -> mirror -> 256, trained to reproduce its input.

    ``noise_stddev > 0`` adds Gaussian noise to the input during training only
    (a denoising autoencoder): the target stays the clean input.
    ``first_layer_l2 > 0`` starts the first layer's weights small and decays them,
    so that in a short run the weights show what was learned rather than the
    random initialisation (used for the Q6 weight images).
    """
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(SIDE * SIDE,), name="image")
    x = keras.layers.GaussianNoise(noise_stddev)(inputs) if noise_stddev > 0 else inputs
    for i, units in enumerate(hidden_units):
        extra = {}
        if i == 0 and first_layer_l2 > 0:
            extra = dict(kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
                         kernel_regularizer=keras.regularizers.L2(first_layer_l2))
        x = keras.layers.Dense(units, activation="relu", name=f"encoder_{i}", **extra)(x)
    codings = x
    for i, units in enumerate(reversed(hidden_units[:-1])):
        x = keras.layers.Dense(units, activation="relu", name=f"decoder_{i}")(x)
    outputs = keras.layers.Dense(SIDE * SIDE, activation="sigmoid", name="reconstruction")(x)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    history = model.fit(
        x_train, x_train, validation_data=(x_val, x_val), epochs=num_epochs,
        batch_size=64, verbose=0,
    )
    encoder = keras.Model(inputs, codings, name=f"{name}_encoder")
    return TrainedAutoencoder(name, model, encoder, history.history)


def reconstruction_mse(model, x: np.ndarray) -> float:
    """Mean squared error between ``x`` (n, 256) and its reconstruction."""
    recon = np.asarray(model.predict(x, verbose=0, batch_size=256))
    return float(np.mean((recon - x) ** 2))


def random_images(n: int, seed: int = 0) -> np.ndarray:
    """``(n, 256) float32`` uniform noise: inputs no autoencoder of photos should reproduce."""
    return np.random.default_rng(seed).uniform(0.0, 1.0, size=(n, SIDE * SIDE)).astype(np.float32)
