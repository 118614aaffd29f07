"""Grading-time inputs for ex10 (runs in the grader, never in a sandbox).

Random means/log-variances for the sampling layer, random pixels and
distribution parameters for the loss (truth computed here with plain numpy,
independently of any Keras code), and seeds for the generator.
"""

import json

import numpy as np


def _softplus(t):
    return np.logaddexp(0.0, t)


def _log_bin_mass(x, m, s):
    """log P(pixel bin of x) under a logistic(m, s) discretised to 256 bins, stable in float64."""
    upper, lower = (x - m + 0.5 / 255) / s, (x - m - 0.5 / 255) / s
    interior = upper + np.log(-np.expm1(-(1.0 / 255) / s)) - _softplus(upper) - _softplus(lower)
    return np.where(x == 0, -_softplus(-upper), np.where(x == 1, -_softplus(lower), interior))


def make_inputs(inputs_dir, truth_dir, seed):
    rng = np.random.default_rng(seed)
    n, dims = 20000, int(rng.integers(4, 9))
    mean = np.tile(rng.normal(size=(1, dims)), (n, 1)).astype(np.float32)
    log_var = np.tile(rng.uniform(-3, 2, size=(1, dims)), (n, 1)).astype(np.float32)
    np.savez(inputs_dir / "sampling.npz", mean=mean, log_var=log_var)

    x = rng.integers(0, 256, size=(3, 32, 32, 3)) / 255.0
    x[0, 0, 0] = 0.0  # both edge bins appear
    x[0, 0, 1] = 1.0
    mu = rng.uniform(-0.1, 1.1, size=x.shape)
    ls = rng.uniform(-6.0, -0.5, size=x.shape)
    zm, zl = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    beta = float(rng.uniform(0.1, 0.9))
    log_mass = _log_bin_mass(x, mu, np.exp(ls))  # independent sub-pixels
    rec = -log_mass.reshape(3, -1).sum(axis=1)
    kl = 0.5 * (np.exp(zl) + zm ** 2 - 1 - zl).sum(axis=1)
    np.savez(inputs_dir / "loss.npz", x=x, mu=mu, ls=ls, zm=zm, zl=zl, beta=np.array(beta))
    np.savez(truth_dir / "loss.npz", log_prob=log_mass, elbo=rec + kl, elbo_beta=rec + beta * kl,
             kl=0.5 * (np.exp(zl) + zm ** 2 - 1 - zl))

    (inputs_dir / "generator.json").write_text(json.dumps(
        {"seed_a": int(rng.integers(1 << 30)), "seed_b": int(rng.integers(1 << 30)),
         "latent_dim": int(rng.integers(4, 9))}))
