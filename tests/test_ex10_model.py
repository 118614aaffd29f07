"""Exercise 10 model: encoder/decoder shapes, sampling, the custom train step, saving."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from aelab.metrics import likelihood as lik
from aelab.models import vae

LATENT = 8


@pytest.fixture(scope="module")
def small_models():
    keras.utils.set_random_seed(0)
    encoder = vae.build_encoder(LATENT, filters=(8, 16), hidden_units=32)
    decoder = vae.build_decoder(LATENT, filters=(16, 8))
    return encoder, decoder


@pytest.fixture(scope="module")
def images():
    # Smooth random images (a gradient plus noise) so that a few steps can learn something.
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 200, 32)[None, :, None, None] + rng.integers(0, 50, size=(64, 1, 1, 3))
    noise = rng.normal(scale=5, size=(64, 32, 32, 3))
    return np.clip(ramp.transpose(0, 2, 1, 3) + noise, 0, 255).astype(np.uint8)


def test_encoder_outputs_mean_and_log_variance_of_latent_dim(small_models, images):
    encoder, _ = small_models
    z_mean, z_log_var = encoder(lik.to_unit_float(images[:5]))
    assert tuple(z_mean.shape) == (5, LATENT) and tuple(z_log_var.shape) == (5, LATENT)
    assert z_mean.dtype == "float32" and z_log_var.dtype == "float32"


def test_decoder_outputs_images_in_range(small_models):
    _, decoder = small_models
    z = np.random.default_rng(1).normal(scale=3.0, size=(6, LATENT)).astype(np.float32)
    pixel_mean, log_scale = (np.asarray(t) for t in decoder(z))
    for array in (pixel_mean, log_scale):
        assert array.shape == (6, 32, 32, 3) and array.dtype == np.float32
    assert pixel_mean.min() >= 0.0 and pixel_mean.max() <= 1.0
    assert log_scale.min() >= vae.LOG_SCALE_MIN and log_scale.max() <= vae.LOG_SCALE_MAX


def test_default_architecture_shapes():
    encoder = vae.build_encoder()
    decoder = vae.build_decoder()
    assert [tuple(o.shape) for o in encoder.outputs] == [(None, 128), (None, 128)]
    assert [tuple(o.shape) for o in decoder.outputs] == [(None, 32, 32, 3)] * 2


def test_builders_reject_bad_arguments():
    with pytest.raises(ValueError, match="latent_dim"):
        vae.build_encoder(0)
    with pytest.raises(ValueError, match="filters"):
        vae.build_encoder(4, filters=())
    with pytest.raises(ValueError, match="filters"):
        vae.build_decoder(4, filters=(8, 8, 8, 8, 8))


def test_sampling_statistics_match_the_posterior():
    n = 20_000
    rng = np.random.default_rng(2)
    z_mean = np.tile(rng.normal(size=(1, 4)), (n, 1)).astype(np.float32)
    z_log_var = np.tile(np.array([[-2.0, 0.0, 1.0, 0.5]]), (n, 1)).astype(np.float32)
    z = np.asarray(vae.Sampling(seed=3)([z_mean, z_log_var]))
    assert z.shape == (n, 4)
    standard_error = np.exp(0.5 * z_log_var[0]) / np.sqrt(n)
    assert np.all(np.abs(z.mean(axis=0) - z_mean[0]) < 4 * standard_error)
    np.testing.assert_allclose(z.var(axis=0), np.exp(z_log_var[0]), rtol=0.05)
    standardised = (z - z_mean) / np.exp(0.5 * z_log_var)
    assert abs(np.corrcoef(standardised[:, 0], standardised[:, 1])[0, 1]) < 0.05


def test_sampling_draws_fresh_noise_and_passes_gradients():
    layer = vae.Sampling(seed=4)
    z_mean = tf.Variable(tf.zeros((3, 5)))
    z_log_var = tf.Variable(tf.zeros((3, 5)))
    with tf.GradientTape() as tape:
        z = layer([z_mean, z_log_var])
        total = tf.reduce_sum(z)
    again = layer([z_mean, z_log_var])
    assert not np.allclose(np.asarray(z), np.asarray(again))
    grad_mean, grad_log_var = tape.gradient(total, [z_mean, z_log_var])
    np.testing.assert_allclose(np.asarray(grad_mean), 1.0)
    assert np.any(np.asarray(grad_log_var) != 0)


def test_train_step_lowers_the_loss_and_logs_elbo_metrics(small_models, images):
    encoder, decoder = small_models
    model = vae.VAE(encoder, decoder, seed=5)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = model.evaluate(images, batch_size=32, verbose=0, return_dict=True)
    history = model.fit(images, batch_size=16, epochs=4, verbose=0, validation_data=(images[:16],))
    after = model.evaluate(images, batch_size=32, verbose=0, return_dict=True)
    assert after["neg_elbo"] < before["neg_elbo"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    for key in ("loss", "reconstruction", "kl", "neg_elbo", "bits_per_dim", "val_bits_per_dim"):
        assert key in history.history
    assert after["bits_per_dim"] == pytest.approx(lik.nats_to_bits_per_dim(after["neg_elbo"]), rel=1e-4)
    # beta = 1: the optimised loss is the negative ELBO = reconstruction + KL.
    assert after["loss"] == pytest.approx(after["reconstruction"] + after["kl"], rel=1e-4)


def test_custom_loss_function_is_what_gets_optimised(small_models, images):
    encoder, decoder = small_models
    calls = []

    def loss_fn(x, pixel_mean, log_scale, z_mean, z_log_var, beta):
        calls.append(1)
        return lik.negative_elbo(x, pixel_mean, log_scale, z_mean, z_log_var, beta) * 2.0

    model = vae.VAE(encoder, decoder, loss_fn=loss_fn, seed=6)
    model.compile(optimizer="adam")
    result = model.evaluate(images[:32], batch_size=32, verbose=0, return_dict=True)
    assert calls
    assert result["loss"] == pytest.approx(2.0 * result["neg_elbo"], rel=1e-4)


def test_kl_warmup_ramps_beta_from_zero(small_models, images):
    encoder, decoder = small_models
    model = vae.VAE(encoder, decoder, beta=0.0, seed=7)
    model.compile(optimizer="adam")
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(float(np.asarray(self.model.beta)))

    history = model.fit(images[:32], batch_size=8, epochs=3, verbose=0,
                        callbacks=[vae.KLWarmup(2, final_beta=0.5), Spy()])
    # 4 batches per epoch: beta = 0.5 * step / 8 during the first 2 epochs, then 0.5.
    np.testing.assert_allclose(seen, [0.5 * min(1.0, step / 8) for step in range(12)], atol=1e-6)
    assert history.history["beta"] == pytest.approx([0.5 * 3 / 8, 0.5 * 7 / 8, 0.5])
    with pytest.raises(ValueError):
        vae.KLWarmup(-1)


def test_saved_encoder_and_decoder_load_in_safe_mode(small_models, tmp_path):
    encoder, decoder = small_models
    encoder.save(tmp_path / "vae_encoder.keras")
    decoder.save(tmp_path / "vae_decoder.keras")
    loaded_encoder = keras.saving.load_model(tmp_path / "vae_encoder.keras", safe_mode=True)
    loaded_decoder = keras.saving.load_model(tmp_path / "vae_decoder.keras", safe_mode=True)
    x = np.random.default_rng(8).uniform(size=(3, 32, 32, 3)).astype(np.float32)
    for got, want in zip(loaded_encoder(x), encoder(x), strict=True):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)
    z = np.asarray(encoder(x)[0])
    for got, want in zip(loaded_decoder(z), decoder(z), strict=True):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)


def test_evaluate_elbo_reports_consistent_numbers(small_models, images):
    encoder, decoder = small_models
    result = vae.evaluate_elbo(encoder, decoder, images[:20], seed=0, batch_size=8)
    assert result["num_images"] == 20
    assert result["neg_elbo_nats"] == pytest.approx(result["reconstruction_nats"] + result["kl_nats"])
    assert result["bits_per_dim"] == pytest.approx(lik.nats_to_bits_per_dim(result["neg_elbo_nats"]))
    assert result["kl_per_dim"].shape == (LATENT,)
    assert result["kl_per_dim"].sum() == pytest.approx(result["kl_nats"])
    assert 0 <= result["active_units"] <= LATENT
    assert result["z_mean"].shape == (20, LATENT)
    again = vae.evaluate_elbo(encoder, decoder, images[:20], seed=0, batch_size=20)
    assert again["neg_elbo_nats"] == pytest.approx(result["neg_elbo_nats"], rel=1e-5)
    with pytest.raises(ValueError, match="uint8"):
        vae.evaluate_elbo(encoder, decoder, images[:4].astype(np.float32))


def test_interpolation_and_prior_samples(small_models):
    _, decoder = small_models
    path = vae.interpolate_latents(np.zeros(LATENT), np.ones(LATENT), 5)
    assert path.shape == (5, LATENT) and path.dtype == np.float32
    np.testing.assert_allclose(path[:, 0], [0, 0.25, 0.5, 0.75, 1.0])
    with pytest.raises(ValueError):
        vae.interpolate_latents(np.zeros(3), np.zeros(4), 5)
    samples = vae.sample_prior_images(decoder, 7, LATENT, seed=1)
    assert samples.shape == (7, 32, 32, 3) and samples.dtype == np.float32
    assert samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, vae.sample_prior_images(decoder, 7, LATENT, seed=1))
