"""``tf.data`` input pipeline: uint8 arrays in, float32 batches out.

Images stay ``uint8`` in memory (184 MB for CIFAR-10 instead of 737 MB as
float32); conversion to ``float32`` in ``[0, 1]`` happens per batch inside the
pipeline, as does the optional Gaussian noise of a denoising autoencoder.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

TARGETS = ("input", "label", None)


def make_dataset(
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    batch_size: int = 128,
    shuffle: bool = False,
    seed: int = 0,
    noise_stddev: float = 0.0,
    target: str | None = "input",
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Batches of images (and targets) for ``model.fit``/``predict``/``evaluate``.

    Args:
        x: ``(n, H, W, C) uint8`` images.
        y: ``(n,)`` integer labels; required when ``target="label"``.
        batch_size: images per batch.
        shuffle: reshuffle the whole set every epoch (seeded by ``seed``).
        seed: seed of the shuffling and of the noise.
        noise_stddev: standard deviation of Gaussian noise added to the *inputs*
            (after scaling to [0, 1]), then clipped to [0, 1]; new noise every epoch.
        target: ``"input"``: elements are ``(inputs, clean images)`` (autoencoder);
            ``"label"``: ``(inputs, y)`` with ``y`` ``(batch,) int64``; ``None``:
            elements are the inputs alone (for ``predict``).
        drop_remainder: drop the last, smaller batch.

    Returns:
        A prefetching ``tf.data.Dataset`` of ``(batch, H, W, C) float32`` inputs in [0, 1]
        (plus targets as above).

    Raises:
        ValueError: wrong dtype/shape, missing or misaligned ``y``, bad arguments.
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    x = np.asarray(x)
    if x.dtype != np.uint8 or x.ndim != 4:
        raise ValueError(
            f"x must be (n, H, W, C) uint8 images, got {x.dtype} {x.shape}; pass the arrays "
            "of aelab.data.load_cifar10 unchanged (scaling to [0, 1] happens here, per batch)"
        )
    if target == "label":
        if y is None:
            raise ValueError("target='label' needs y, the (n,) integer labels")
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must be ({len(x)},) integer labels, got {y.dtype} {y.shape}")
        y = y.astype(np.int64, copy=False)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if noise_stddev < 0:
        raise ValueError(f"noise_stddev must be >= 0, got {noise_stddev}")

    parts = (x, y) if target == "label" else (x,)
    dataset = tf.data.Dataset.from_tensor_slices(parts)
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    # One random seed per batch, different every epoch, reproducible from `seed`
    # (stateless noise below, so the pipeline may run its maps in parallel).
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    dataset = tf.data.Dataset.zip((dataset, seeds))
    noise = float(noise_stddev)

    def prepare(batch, batch_seed):
        clean = tf.cast(batch[0], tf.float32) / 255.0
        inputs = clean
        if noise > 0:
            stateless_seed = tf.stack([batch_seed, tf.constant(seed, tf.int64)])
            gaussian = tf.random.stateless_normal(tf.shape(clean), seed=stateless_seed, stddev=noise)
            inputs = tf.clip_by_value(clean + gaussian, 0.0, 1.0)
        if target == "input":
            return inputs, clean
        if target == "label":
            return inputs, batch[1]
        return inputs

    dataset = dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)
