"""Exercise 9 models: noise only in training, shapes, safe-mode round trip."""

import keras
import numpy as np
import pytest

from aelab.models.hashing import build_cnn_hasher, build_hashing_autoencoder, coding_noise


@pytest.mark.parametrize("noise_stddev", [0.5, 4.0])
def test_noise_is_active_only_in_training(noise_stddev):
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(64,))
    model = keras.Model(inputs, coding_noise(inputs, noise_stddev))
    x = np.ones((2000, 64), dtype=np.float32)
    np.testing.assert_array_equal(model(x, training=False), x)
    noisy = keras.ops.convert_to_numpy(model(x, training=True)) - x
    assert noisy.std() == pytest.approx(noise_stddev, rel=0.05)
    assert abs(noisy.mean()) < 0.05 * noise_stddev


def test_noise_sits_right_below_the_coding_layer():
    autoencoder, encoder = build_hashing_autoencoder(num_bits=12, hidden_sizes=(32, 16), noise_stddev=4.0)
    names = [layer.name for layer in encoder.layers]
    assert names.index("coding_noise") < names.index("coding_logits") < names.index("codings")
    assert names.index("hidden_2") < names.index("coding_noise_down")
    # Nothing noisy before the hidden layers: the images are not corrupted.
    assert names.index("coding_noise_down") > names.index("flatten")


def test_encoder_is_deterministic_at_inference_and_noisy_in_training():
    keras.utils.set_random_seed(1)
    _, encoder = build_hashing_autoencoder(num_bits=10, hidden_sizes=(32, 16), noise_stddev=2.0)
    x = np.random.default_rng(0).random((8, 32, 32, 3), dtype=np.float32)
    a = keras.ops.convert_to_numpy(encoder(x, training=False))
    b = keras.ops.convert_to_numpy(encoder(x, training=False))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (8, 10) and a.dtype == np.float32 and (a > 0).all() and (a < 1).all()
    c = keras.ops.convert_to_numpy(encoder(x, training=True))
    assert not np.allclose(a, c)


def test_models_reload_in_safe_mode(tmp_path):
    _, encoder = build_hashing_autoencoder(num_bits=8, hidden_sizes=(16, 8), noise_stddev=4.0)
    _, hasher = build_cnn_hasher(num_bits=8, filters=(4,), dense_units=8)
    x = np.random.default_rng(0).random((3, 32, 32, 3), dtype=np.float32)
    for model in (encoder, hasher):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_builders_reject_bad_arguments():
    with pytest.raises(ValueError, match="num_bits"):
        build_hashing_autoencoder(num_bits=65)
    with pytest.raises(ValueError, match="noise_stddev"):
        build_hashing_autoencoder(noise_stddev=-1)
    with pytest.raises(ValueError, match="hidden_sizes"):
        build_hashing_autoencoder(hidden_sizes=(10,))
