"""Exercise 8 speed and precision benchmark: ``python -m bench ex08``.

Rows (one per model x precision policy):

* ``mflop_per_image``: forward-pass multiply-adds x2 of the model, counted from
  its layers (convolutions, transposed convolutions, dense); training costs
  about 3x that (forward + two backward products);
* ``train_images_per_s`` / ``train_gflop_per_s``: measured with ``model.fit``
  on a fixed batch stream after a warm-up epoch, achieved GFLOP/s =
  images/s x 3 x forward FLOPs;
* ``matmul_gflop_per_s``: a 1024x1024 float32 (or bfloat16) matrix product
  measured in the same run, the practical peak to compare against;
* ``quality``: DAE test MSE after the same short training (real data from
  ``$AELAB_DATA``), or the classifier's test accuracy, so that a faster
  policy is only kept if it is not worse.

``mixed_bfloat16`` is kept as the default only if it is faster at equal
quality; the experiment (:mod:`aelab.experiments.ex08`) uses float32 unless
this benchmark says otherwise.
"""

from __future__ import annotations

import os
import time

import numpy as np

TOPIC = "ex08"
POLICIES = ("float32", "mixed_bfloat16")


def _leaf_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:
            yield from _leaf_layers(layer)
        else:
            yield layer


def forward_flops(model) -> int:
    """FLOPs (2 x multiply-adds) of one image's forward pass through conv / conv-transpose / dense layers."""
    import keras

    total = 0
    for layer in _leaf_layers(model):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            in_h, in_w, c_in = layer.input.shape[1:]
            kh, kw = layer.kernel_size
            total += 2 * in_h * in_w * kh * kw * c_in * layer.filters
        elif isinstance(layer, keras.layers.Conv2D):
            out_h, out_w = layer.output.shape[1:3]
            c_in = layer.input.shape[-1]
            kh, kw = layer.kernel_size
            total += 2 * out_h * out_w * kh * kw * c_in * layer.filters
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return int(total)


def matmul_gflops(dtype: str = "float32", size: int = 1024, repeats: int = 20) -> float:
    """Achieved GFLOP/s of a ``size`` x ``size`` matrix product (best of 3 rounds)."""
    import tensorflow as tf

    a = tf.random.normal((size, size), dtype=tf.float32)
    b = tf.random.normal((size, size), dtype=tf.float32)
    if dtype == "bfloat16":
        a, b = tf.cast(a, tf.bfloat16), tf.cast(b, tf.bfloat16)
    tf.linalg.matmul(a, b).numpy()  # warm-up
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            c = tf.linalg.matmul(a, b)
        c.numpy()
        best = max(best, 2 * size**3 * repeats / (time.perf_counter() - start) / 1e9)
    return best


def _throughput(model, x, y, *, batch_size: int = 128) -> float:
    model.fit(x[: batch_size * 4], y[: batch_size * 4], batch_size=batch_size, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
    return len(x) / (time.perf_counter() - start)


def _data(num_train: int, num_test: int):
    from aelab.data import load_cifar10

    source = os.environ.get("AELAB_DATA")
    if not source:
        raise ValueError("bench ex08 measures quality on real data: set AELAB_DATA to a CIFAR-10 source")
    cifar = load_cifar10(source, progress=False)
    rng = np.random.default_rng(0)
    train = rng.choice(len(cifar.y_train), num_train, replace=False)
    test = rng.choice(len(cifar.y_test), num_test, replace=False)
    to_float = lambda a: a.astype(np.float32) / 255.0  # noqa: E731
    return (to_float(cifar.x_train[train]), cifar.y_train[train].astype(np.int64),
            to_float(cifar.x_test[test]), cifar.y_test[test].astype(np.int64))


def run(*, num_train: int = 2048, num_test: int = 1000, quality_epochs: int = 2) -> list[dict]:
    """Measure both models under both policies; returns the table rows."""
    import keras

    from aelab.metrics.classification import accuracy
    from aelab.metrics.reconstruction import mean_squared_error
    from aelab.models.classifier import build_classifier
    from aelab.models.dae import build_dae

    x, y, x_test, y_test = _data(num_train, num_test)
    rows = []
    try:
        for policy in POLICIES:
            keras.mixed_precision.set_global_policy(policy)
            peak = matmul_gflops("bfloat16" if policy == "mixed_bfloat16" else "float32")
            keras.utils.set_random_seed(0)
            dae = build_dae()
            flops = forward_flops(dae.autoencoder)
            speed = _throughput(dae.autoencoder, x, x)
            dae.autoencoder.fit(x, x, batch_size=128, epochs=quality_epochs, verbose=0)
            mse = mean_squared_error(x_test, dae.autoencoder.predict(x_test, verbose=0).astype(np.float32))
            rows.append(_row("dae", policy, flops, speed, peak, "test_mse", mse))

            keras.utils.set_random_seed(0)
            classifier = build_classifier(dae.encoder, freeze_encoder=False)
            flops = forward_flops(classifier)
            speed = _throughput(classifier, x, y)
            classifier.fit(x, y, batch_size=128, epochs=quality_epochs, verbose=0)
            acc = accuracy(y_test, classifier.predict(x_test, verbose=0))
            rows.append(_row("classifier", policy, flops, speed, peak, "test_accuracy", acc))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    return rows


def _row(model, policy, flops, images_per_s, peak, quality_name, quality) -> dict:
    achieved = images_per_s * 3 * flops / 1e9
    return {
        "model": model,
        "policy": policy,
        "mflop_per_image": round(flops / 1e6, 2),
        "train_images_per_s": round(images_per_s, 1),
        "train_gflop_per_s": round(achieved, 2),
        "matmul_gflop_per_s": round(peak, 1),
        "fraction_of_matmul": round(achieved / peak, 3) if peak else None,
        quality_name: round(float(quality), 5),
        "host_cpus": os.cpu_count(),
    }


if __name__ == "__main__":  # pragma: no cover - convenience: python bench/bench_ex08.py
    for r in run():
        print(r)
