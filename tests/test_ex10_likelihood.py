"""Exercise 10 likelihood maths: discretised logistic, Gaussian KL, bits/dim, active units."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aelab.metrics import likelihood as lik

BIN = 1.0 / 255.0
LEVELS = np.arange(256, dtype=np.float64) / 255.0


def _log_prob(x, mean, log_scale, coeffs=None):
    return np.asarray(lik.discretized_logistic_log_prob(x, mean, log_scale, coeffs))


def _sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


@pytest.mark.parametrize("mean, log_scale", [(0.5, -4.0), (0.0, -6.9), (1.0, -2.0), (0.3, -0.5),
                                             (-0.4, -3.0), (1.7, -5.0)])
def test_discretised_logistic_sums_to_one_over_256_bins(mean, log_scale):
    probs = np.exp(_log_prob(LEVELS, np.full(256, mean), np.full(256, log_scale)))
    assert probs.min() >= 0.0
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)


def test_bin_masses_match_sigmoid_differences_in_float64():
    rng = np.random.default_rng(0)
    k = rng.integers(1, 255, size=200)
    x = k / 255.0
    mean = rng.uniform(0, 1, size=200)
    log_scale = rng.uniform(-5, -1, size=200)
    s = np.exp(log_scale)
    upper, lower = (x + BIN / 2 - mean) / s, (x - BIN / 2 - mean) / s
    # Subtract on the side where both sigmoids are small, so the reference keeps its digits.
    expected = np.where(x > mean, _sigmoid(-lower) - _sigmoid(-upper), _sigmoid(upper) - _sigmoid(lower))
    np.testing.assert_allclose(np.exp(_log_prob(x, mean, log_scale)), expected, rtol=1e-9)


def test_edge_bins_extend_to_infinity():
    s = math.exp(-3.0)
    first = np.exp(_log_prob(np.array([0.0]), np.array([0.1]), np.array([-3.0])))[0]
    last = np.exp(_log_prob(np.array([1.0]), np.array([0.9]), np.array([-3.0])))[0]
    assert first == pytest.approx(_sigmoid((BIN / 2 - 0.1) / s), rel=1e-12)
    assert last == pytest.approx(1.0 - _sigmoid((1.0 - BIN / 2 - 0.9) / s), rel=1e-12)


def test_float32_is_finite_and_accurate_far_in_the_tails():
    # The mean is ~200 scales away: a naive difference of sigmoids gives log(0) = -inf.
    x = np.array([0.2, 0.8], dtype=np.float32)
    mean = np.array([0.9, 0.1], dtype=np.float32)
    log_scale = np.full(2, -5.6, dtype=np.float32)
    low_precision = _log_prob(x, mean, log_scale)
    reference = _log_prob(x.astype(np.float64), mean.astype(np.float64), log_scale.astype(np.float64))
    assert np.all(np.isfinite(low_precision))
    np.testing.assert_allclose(low_precision, reference, rtol=1e-4)


def test_channel_coupled_density_is_normalised_over_each_conditional():
    rng = np.random.default_rng(1)
    mean = rng.uniform(0.1, 0.9, size=3)
    log_scale = rng.uniform(-4, -2, size=3)
    coeffs = np.array([0.8, -0.3, 0.6])
    # p(r) p(g | r) p(b | r, g): sum over b for fixed (r, g), over g for fixed r, over r.
    for r, g in [(0.2, 0.7), (1.0, 0.0), (0.5, 0.5)]:
        images = np.stack([np.full(256, r), np.full(256, g), LEVELS], axis=-1)
        log_p = _log_prob(images, np.broadcast_to(mean, images.shape),
                          np.broadcast_to(log_scale, images.shape), np.broadcast_to(coeffs, images.shape))
        assert np.exp(log_p[:, 2]).sum() == pytest.approx(1.0, abs=1e-9)
        images = np.stack([np.full(256, r), LEVELS, np.full(256, g)], axis=-1)
        log_p = _log_prob(images, np.broadcast_to(mean, images.shape),
                          np.broadcast_to(log_scale, images.shape), np.broadcast_to(coeffs, images.shape))
        assert np.exp(log_p[:, 1]).sum() == pytest.approx(1.0, abs=1e-9)


def test_channel_coupling_shifts_green_and_blue_means_by_residuals():
    x = np.array([[0.6, 0.5, 0.4]])
    mean = np.array([[0.5, 0.5, 0.5]])
    coeffs = np.array([[0.5, 1.0, -2.0]])
    coupled = np.asarray(lik.couple_channels(x, mean, coeffs))
    np.testing.assert_allclose(coupled, [[0.5, 0.55, 0.5 + 0.1 - 2.0 * 0.0]])


def test_gaussian_kl_of_identical_distributions_is_zero():
    rng = np.random.default_rng(2)
    mean = rng.normal(size=(5, 7))
    log_var = rng.normal(size=(5, 7))
    np.testing.assert_allclose(np.asarray(lik.gaussian_kl(mean, log_var, mean, log_var)), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(lik.kl_to_standard_normal(np.zeros((3, 4)), np.zeros((3, 4)))), 0.0)


def test_gaussian_kl_matches_closed_form_and_is_positive():
    # KL(N(1, e^0) || N(0, 1)) = 0.5 (1 + 1 - 1 - 0) = 0.5; KL(N(0, e^2) || N(0,1)) = 0.5 (e^2 - 1 - 2)
    kl = np.asarray(lik.gaussian_kl(np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]])))
    np.testing.assert_allclose(kl, [[0.5, 0.5 * (math.exp(2.0) - 3.0)]], rtol=1e-12)
    rng = np.random.default_rng(3)
    assert np.all(np.asarray(lik.gaussian_kl(rng.normal(size=(50, 3)), rng.normal(size=(50, 3)),
                                             rng.normal(size=(50, 3)), rng.normal(size=(50, 3)))) >= 0)


def test_gaussian_kl_agrees_with_monte_carlo():
    rng = np.random.default_rng(4)
    mq, lq, mp, lp = 0.3, -0.5, -0.2, 0.4
    z = mq + math.exp(lq / 2) * rng.standard_normal(400_000)
    log_q = -0.5 * ((z - mq) ** 2 / math.exp(lq) + lq + math.log(2 * math.pi))
    log_p = -0.5 * ((z - mp) ** 2 / math.exp(lp) + lp + math.log(2 * math.pi))
    analytic = float(np.asarray(lik.gaussian_kl(np.array([mq]), np.array([lq]), mp, lp))[0])
    assert np.mean(log_q - log_p) == pytest.approx(analytic, abs=3e-3)


def test_negative_elbo_on_a_case_with_a_known_value():
    # Every sub-pixel interior, decoder mean on the bin centre, scale s: mass tanh(bin / (4 s))
    # for each of the 3072 sub-pixels; posterior N(1, 1) on 2 units costs 2 * 0.5 nats.
    rng = np.random.default_rng(5)
    x = rng.integers(1, 255, size=(2, 32, 32, 3)) / 255.0
    log_scale = np.full_like(x, -4.0)
    expected_reconstruction = -3072 * math.log(math.tanh(BIN / (4 * math.exp(-4.0))))
    z_mean, z_log_var = np.ones((2, 2)), np.zeros((2, 2))
    value = np.asarray(lik.negative_elbo(x, x, log_scale, z_mean, z_log_var))
    np.testing.assert_allclose(value, expected_reconstruction + 1.0, rtol=1e-9)
    halved = np.asarray(lik.negative_elbo(x, x, log_scale, z_mean, z_log_var, beta=0.5))
    np.testing.assert_allclose(halved, expected_reconstruction + 0.5, rtol=1e-9)


def test_bits_per_dim_conversion():
    assert lik.nats_to_bits_per_dim(3072 * math.log(2.0)) == pytest.approx(1.0)
    assert lik.bits_per_dim_to_nats(lik.nats_to_bits_per_dim(12345.0)) == pytest.approx(12345.0)
    # A uniform distribution over the 256 values costs exactly 8 bits per dimension.
    assert lik.nats_to_bits_per_dim(3072 * math.log(256.0)) == pytest.approx(8.0)
    with pytest.raises(ValueError, match="num_dims"):
        lik.nats_to_bits_per_dim(1.0, num_dims=0)


def test_active_units_counts_dimensions_that_vary_across_images():
    rng = np.random.default_rng(6)
    z = np.zeros((100, 5))
    z[:, 0] = rng.normal(size=100)
    z[:, 3] = rng.normal(scale=0.5, size=100)
    z[:, 4] = rng.normal(scale=0.01, size=100)  # variance 1e-4: collapsed
    assert lik.active_units(z) == 2
    with pytest.raises(ValueError, match="shape"):
        lik.active_units(np.zeros(5))


def test_to_unit_float_checks_dtype_and_shape():
    images = np.array([[[[0, 255, 128]] * 32] * 32], dtype=np.uint8)
    out = lik.to_unit_float(images)
    assert out.dtype == np.float32 and out.shape == (1, 32, 32, 3)
    np.testing.assert_allclose(out[0, 0, 0], [0.0, 1.0, 128 / 255], rtol=1e-6)
    with pytest.raises(ValueError, match="uint8"):
        lik.to_unit_float(images.astype(np.float32))
    with pytest.raises(ValueError, match="shape"):
        lik.to_unit_float(np.zeros((2, 28, 28, 1), dtype=np.uint8))
