"""make_dataset: dtypes, scaling, targets, noise, shuffling, argument checks."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")  # a hard dependency: this only guards a broken install

from aelab.data import make_dataset  # noqa: E402


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(10, 8, 8, 3), dtype=np.uint8), np.arange(10) % 3


def _collect(dataset):
    return [tuple(np.asarray(t) for t in (e if isinstance(e, tuple) else (e,))) for e in dataset]


def test_input_target_scales_per_batch(images):
    x, _ = images
    batches = _collect(make_dataset(x, batch_size=4))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    inputs, targets = np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
    assert inputs.dtype == np.float32 and targets.dtype == np.float32
    np.testing.assert_allclose(inputs, x / 255.0, atol=1e-7)
    np.testing.assert_array_equal(inputs, targets)


def test_label_target_and_no_target(images):
    x, y = images
    (inputs, labels), *_ = _collect(make_dataset(x, y, batch_size=10, target="label"))
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, y)
    (only,) = _collect(make_dataset(x, batch_size=10, target=None))
    assert len(only) == 1 and only[0].shape == (10, 8, 8, 3)


def test_noise_is_on_inputs_only_clipped_and_reproducible(images):
    x, _ = images
    dataset = make_dataset(x, batch_size=10, noise_stddev=0.2, seed=3)
    (noisy, clean), = _collect(dataset)
    np.testing.assert_allclose(clean, x / 255.0, atol=1e-7)
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0
    assert 0.1 < np.std(noisy - clean) < 0.25
    (again, _), = _collect(make_dataset(x, batch_size=10, noise_stddev=0.2, seed=3))
    np.testing.assert_array_equal(noisy, again)
    (next_epoch, _), = _collect(dataset)  # a new epoch draws new noise
    assert not np.array_equal(noisy, next_epoch)


def test_shuffle_is_seeded_and_keeps_pairs(images):
    x, y = images
    first = _collect(make_dataset(x, y, batch_size=10, shuffle=True, seed=1, target="label"))[0]
    same = _collect(make_dataset(x, y, batch_size=10, shuffle=True, seed=1, target="label"))[0]
    np.testing.assert_array_equal(first[1], same[1])
    pixels = np.rint(first[0] * 255).astype(np.uint8)
    order = [int(np.flatnonzero((x == img).all(axis=(1, 2, 3)))[0]) for img in pixels]
    assert sorted(order) == list(range(10)) and order != list(range(10))
    np.testing.assert_array_equal(first[1], y[order])


def test_drop_remainder(images):
    x, _ = images
    assert [b[0].shape[0] for b in _collect(make_dataset(x, batch_size=4, drop_remainder=True))] == [4, 4]


def test_feeds_keras_fit(images):
    import keras

    x, _ = images
    inputs = keras.Input(shape=(8, 8, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(3, 1)(inputs))
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(make_dataset(x, batch_size=5, noise_stddev=0.1), epochs=1, verbose=0, shuffle=False,
                        validation_data=make_dataset(x, batch_size=5))
    assert np.isfinite(history.history["val_loss"][0])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"x": np.zeros((2, 8, 8, 3), np.float32)}, "uint8 images"),
    ({"x": np.zeros((2, 8, 8), np.uint8)}, "uint8 images"),
    ({"target": "label"}, "needs y"),
    ({"y": np.zeros(3, np.int64)}, "integer labels"),
    ({"target": "pixels"}, "target must be one of"),
    ({"batch_size": 0}, "batch_size"),
    ({"noise_stddev": -1.0}, "noise_stddev"),
])
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    arguments = {"x": np.zeros((2, 8, 8, 3), np.uint8)} | kwargs
    with pytest.raises(ValueError, match=message):
        make_dataset(**arguments)
