"""Hidden checks of ex10 (clean process; the notebook's own hidden asserts, rerun on
grading-time inputs outside the student's process)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from heldout import heldout_images, load_keras  # noqa: E402

# --- ex10-sampling -----------------------------------------------------------------

@pytest.mark.grade_id("ex10-sampling")
def test_sampling_distribution(job):
    out = job.output("ex10-sampling")
    with np.load(job.inputs / "sampling.npz") as data:
        mean, log_var = data["mean"], data["log_var"]
    z1, z2 = out["z1"], out["z2"]
    assert z1.shape == mean.shape and z1.dtype == np.float32
    std = np.exp(0.5 * log_var[0])
    assert bool(np.all(np.abs(z1.mean(axis=0) - mean[0]) < 5 * std / np.sqrt(len(z1))))
    assert bool(np.allclose(z1.std(axis=0), std, rtol=0.05))
    assert not bool(np.allclose(z1, z2)), "each call must draw new noise"
    eps = (z1 - mean) / std
    assert abs(np.corrcoef(eps[:, 0], eps[:, 1])[0, 1]) < 0.05, "independent noise per unit"


@pytest.mark.grade_id("ex10-sampling")
def test_sampling_is_differentiable(job):
    out = job.output("ex10-sampling")
    assert bool(np.allclose(out["grad_mean"], 1.0)), "dz/dz_mean = 1"
    assert bool(np.all(np.isfinite(out["grad_log_var"]))) and bool(np.any(out["grad_log_var"] != 0))


# --- ex10-loss ---------------------------------------------------------------------

@pytest.mark.grade_id("ex10-loss")
def test_loss_matches_numpy_truth(job):
    out = job.output("ex10-loss")
    truth = job.truth_arrays("loss.npz")
    assert out["log_prob"].shape == truth["log_prob"].shape
    assert bool(np.allclose(out["log_prob"], truth["log_prob"], rtol=1e-6, atol=1e-9))
    assert out["elbo"].shape == (3,)
    assert bool(np.allclose(out["elbo"], truth["elbo"], rtol=1e-6))
    assert bool(np.allclose(out["elbo_beta"], truth["elbo_beta"], rtol=1e-6))
    assert bool(np.allclose(out["kl"], truth["kl"], rtol=1e-6))


@pytest.mark.grade_id("ex10-loss")
def test_loss_finite_in_float32_tails(job):
    assert bool(np.all(np.isfinite(job.output("ex10-loss")["far"])))


# --- ex10-generator ------------------------------------------------------------------

@pytest.mark.grade_id("ex10-generator")
def test_generator(job):
    out = job.output("ex10-generator")
    a1, a2, b, dim = out["a1"], out["a2"], out["b"], int(out["latent_dim"])
    assert a1.shape == (4000, 32, 32, 3) and a1.dtype == np.float32
    assert float(a1.min()) >= 0.0 and float(a1.max()) <= 1.0
    assert bool(np.array_equal(a1, a2)), "same seed, same images"
    assert not bool(np.allclose(a1, b)), "another seed, other images"
    codes = (a1[:, 0, :dim, 0] - 0.5) / 0.1
    assert bool(np.all(np.abs(codes.mean(axis=0)) < 0.1)), "codes from N(0, I): mean 0"
    assert bool(np.all(np.abs(codes.std(axis=0) - 1.0) < 0.08)), "codes from N(0, I): variance 1"


# --- ex10-model (artefacts only) -------------------------------------------------------

@pytest.mark.grade_id("ex10-model")
def test_vae_artefacts_shapes_and_bits_per_dim(job, check_metric):
    from aelab.models.vae import evaluate_elbo

    encoder = load_keras(job.artefact("vae_encoder.keras"))
    decoder = load_keras(job.artefact("vae_decoder.keras"))
    x, _ = heldout_images(job.seed, 300)
    z_mean, z_log_var = encoder.predict(x, verbose=0)
    assert z_mean.shape == z_log_var.shape and z_mean.shape[0] == 300
    outputs = decoder.predict(z_mean, verbose=0)
    assert len(outputs) == 2 and all(o.shape == (300, 32, 32, 3) for o in outputs)
    assert float(outputs[0].min()) >= 0.0 and float(outputs[0].max()) <= 1.0
    images = np.round(x * 255.0).astype(np.uint8)
    bits = float(evaluate_elbo(encoder, decoder, images, seed=job.seed)["bits_per_dim"])
    assert bits < 8.0, "no better than a uniform guess (8 bits/dim)"
    # slack 0.015 x ~7 bits/dim ~= the contract's "quick reference + 0.1 bits/dim"
    check_metric("ex10.test_bits_per_dim", bits, direction="max", slack=0.015)
