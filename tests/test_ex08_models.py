"""Builders of Exercise 8 on tiny random inputs: shapes, noise, freezing, saving."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from aelab.models.classifier import (  # noqa: E402
    build_classifier,
    build_head,
    fresh_copy,
    unfreeze_encoder,
)
from aelab.models.dae import build_dae, build_encoder, first_layer_kernels  # noqa: E402


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((16, 32, 32, 3), dtype=np.float32)


@pytest.fixture(scope="module")
def dae():
    keras.utils.set_random_seed(1)
    return build_dae(hidden_filters=(8,), coding_filters=12)


def test_dae_shapes(dae, images):
    assert dae.encoder.output.shape[1:] == (8, 8, 12)
    out = dae.autoencoder.predict(images, verbose=0)
    assert out.shape == images.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0  # sigmoid output, like the pixels
    assert dae.decoder.input.shape[1:] == (8, 8, 12)
    assert first_layer_kernels(dae.encoder).shape == (5, 5, 3, 8)


def test_noise_only_in_training(dae, images):
    a = keras.ops.convert_to_numpy(dae.autoencoder(images, training=False))
    b = keras.ops.convert_to_numpy(dae.autoencoder(images, training=False))
    np.testing.assert_array_equal(a, b)
    noisy = keras.ops.convert_to_numpy(dae.autoencoder(images, training=True))
    assert np.abs(noisy - a).max() > 1e-4
    # The encoder alone carries no noise layer: deterministic even in training mode
    # apart from BatchNorm using batch statistics, so compare two training calls.
    e1 = keras.ops.convert_to_numpy(dae.encoder(images, training=True))
    e2 = keras.ops.convert_to_numpy(dae.encoder(images, training=True))
    np.testing.assert_allclose(e1, e2, rtol=1e-5, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="noise_stddev"):
        build_dae(noise_stddev=0.0)
    with pytest.raises(ValueError, match="hidden_filters"):
        build_encoder(hidden_filters=(0,))
    with pytest.raises(ValueError, match="num_classes"):
        build_head((8, 8, 4), num_classes=1)


def test_classifier_shapes_and_probabilities(dae, images):
    model = build_classifier(fresh_copy(dae.encoder), num_classes=10, freeze_encoder=False)
    probs = model.predict(images, verbose=0)
    assert probs.shape == (16, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_head_must_match_encoder(dae):
    with pytest.raises(ValueError, match="codings of shape"):
        build_classifier(dae.encoder, head=build_head((4, 4, 3)))


def test_frozen_encoder_really_frozen(dae, images):
    encoder = fresh_copy(dae.encoder)
    encoder.set_weights(dae.encoder.get_weights())
    before = [w.copy() for w in encoder.get_weights()]  # includes BN moving statistics
    model = build_classifier(encoder, freeze_encoder=True)
    head_before = [w.copy() for w in model.get_layer("head").get_weights()]
    labels = np.arange(16) % 10
    model.fit(images, labels, epochs=2, batch_size=8, verbose=0)
    for old, new in zip(before, encoder.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    changed = [not np.array_equal(a, b) for a, b in zip(head_before, model.get_layer("head").get_weights(), strict=True)]
    assert any(changed), "the head must train while the encoder is frozen"
    assert encoder.trainable_weights == []

    unfreeze_encoder(model, encoder, learning_rate=1e-3)
    assert len(encoder.trainable_weights) > 0
    model.fit(images, labels, epochs=1, batch_size=8, verbose=0)
    kernels_changed = not np.array_equal(before[0], encoder.get_weights()[0])
    assert kernels_changed, "fine-tuning must update the encoder's kernels"


def test_fresh_copy_has_new_weights(dae):
    copy = fresh_copy(dae.encoder)
    assert [w.shape for w in copy.get_weights()] == [w.shape for w in dae.encoder.get_weights()]
    assert not np.allclose(copy.get_weights()[0], dae.encoder.get_weights()[0])
    assert copy.trainable


def test_models_round_trip_with_safe_mode(dae, images, tmp_path):
    keras.utils.set_random_seed(2)
    classifier = build_classifier(dae.encoder, freeze_encoder=True)
    for name, model in (("dae.keras", dae.autoencoder), ("classifier.keras", classifier)):
        path = tmp_path / name
        model.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0),
                                   rtol=1e-4, atol=1e-5)
