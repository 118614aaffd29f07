"""Exercise 10 experiment: data split, time budget, and the quick profile end to end on real data."""

from __future__ import annotations

import json
import math
import types

import keras
import numpy as np
import pytest

from aelab.experiments import ex10


def _fake_cifar(n_train=60, n_test=30):
    rng = np.random.default_rng(0)
    return types.SimpleNamespace(
        x_train=rng.integers(0, 256, size=(n_train, 32, 32, 3), dtype=np.uint8),
        x_test=rng.integers(0, 256, size=(n_test, 32, 32, 3), dtype=np.uint8),
    )


def test_split_data_is_seeded_and_disjoint():
    cifar = _fake_cifar()
    settings = ex10.Ex10Settings(train_size=40, validation_size=10, test_size=12, epochs=1,
                                 train_budget_s=1.0)
    x_train, x_val, x_test = ex10.split_data(cifar, settings, seed=3)
    assert x_train.shape == (40, 32, 32, 3) and x_val.shape == (10, 32, 32, 3)
    assert x_test.shape == (12, 32, 32, 3) and x_train.dtype == np.uint8
    train_rows = {row.tobytes() for row in x_train}
    assert not train_rows & {row.tobytes() for row in x_val}
    again = ex10.split_data(cifar, settings, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((x_train, x_val, x_test), again, strict=True))
    too_big = ex10.Ex10Settings(train_size=51, validation_size=10, test_size=None, epochs=1,
                                train_budget_s=1.0)
    with pytest.raises(ValueError, match="train_size"):
        ex10.split_data(cifar, too_big, seed=3)


def test_profiles_differ_and_reject_unknown_names():
    quick, full = ex10.settings_for("quick"), ex10.settings_for("full")
    assert quick.train_size < 50_000 - full.validation_size and full.train_size is None
    assert full.train_budget_s + 200 <= ex10.RUNTIME_TARGET_S["full"]
    with pytest.raises(ValueError, match="profile"):
        ex10.settings_for("huge")


def test_time_budget_stops_when_the_next_epoch_would_not_fit():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((8, 2), np.float32)
    budget = ex10.TimeBudget(1e-6)
    history = model.fit(x, x[:, :1], epochs=5, verbose=0, callbacks=[budget])
    assert len(history.history["loss"]) == 1 and budget.stopped_early
    roomy = ex10.TimeBudget(3600)
    history = model.fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[roomy])
    assert len(history.history["loss"]) == 3 and not roomy.stopped_early
    with pytest.raises(ValueError):
        ex10.TimeBudget(0)


@pytest.mark.realdata
@pytest.mark.slow
def test_quick_profile_end_to_end(real_cifar, tmp_path):
    metrics = ex10.run("quick", data=real_cifar, results_dir=tmp_path, verbose=0,
                       progress=lambda message: None)
    payload = json.loads((tmp_path / "ex10-quick.json").read_text())
    assert payload["exercise"] == "ex10" and payload["profile"] == "quick"
    test = metrics["test"]
    # A uniform guess over the 256 values costs exactly 8 bits/dim; even two quick epochs beat it.
    assert 0.0 < test["bits_per_dim"] < 8.0
    assert test["neg_elbo_nats_per_image"] == pytest.approx(
        test["reconstruction_nats_per_image"] + test["kl_nats_per_image"], rel=1e-6)
    assert test["bits_per_dim"] == pytest.approx(
        test["neg_elbo_nats_per_image"] / (3072 * math.log(2)), rel=1e-9)
    assert len(test["kl_per_dim_nats"]) == test["latent_dim"]
    assert 0 <= test["active_units"] <= test["latent_dim"]
    assert metrics["training"]["epochs_run"] >= 1
    for name, path in metrics["figures"].items():
        assert (tmp_path / "figures" / "ex10-quick" / f"{name}.png").is_file(), path
