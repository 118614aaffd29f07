"""Exercise 8 experiment helpers and figures; the quick profile end to end on real data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aelab.experiments import ex08


def test_schedule_budget_rule():
    # Small sets: whole epochs up to max_epochs; big sets: part of one pass.
    assert ex08.schedule_for(1000, 10_000, 30, 100) == (10, 10)
    assert ex08.schedule_for(100, 10_000, 30, 50) == (30, 2)
    assert ex08.schedule_for(50_000, 10_000, 30, 128) == (1, 79)
    with pytest.raises(ValueError):
        ex08.schedule_for(0, 10, 1, 1)


def test_settings_profiles():
    quick, full = ex08.settings_for("quick"), ex08.settings_for("full")
    assert quick.train_size < 10_000 and full.train_size is None
    assert full.curve_seeds >= 3
    assert set(full.curve_fractions) == {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0}
    with pytest.raises(ValueError, match="profile"):
        ex08.settings_for("huge")


def _metrics(pre, fine, scratch10, full):
    return {
        "dae": {"test_mse": 0.004},
        "classifier": {
            "pretrained_frozen_10pct": {"test_accuracy": pre},
            "pretrained_finetuned_10pct": {"test_accuracy": fine},
            "scratch_10pct": {"test_accuracy": scratch10},
            "scratch_100pct": {"test_accuracy": full},
        },
        "curve": {
            "fractions": [0.05, 0.1, 1.0],
            "pretrained_frozen": {"mean": [0.4, 0.5, 0.6], "std": [0.01, 0.02, 0.01]},
            "scratch": {"mean": [0.3, 0.45, 0.7], "std": [0.01, 0.03, 0.01]},
        },
    }


def test_answer_and_targets():
    metrics = _metrics(0.55, 0.6, 0.4, 0.7)
    answer = ex08.answer(metrics)
    assert answer["best_pretrained_10pct"] == 0.6
    assert answer["gain_over_scratch_10pct"] == pytest.approx(0.2)
    assert answer["gap_to_full_data"] == pytest.approx(0.1)
    assert answer["matches_full_data"] is False
    assert answer["curve_fraction"] == 0.1
    assert answer["curve_gain_pretrained_minus_scratch"] == pytest.approx(0.05)
    assert answer["curve_seed_spread"] == pytest.approx(0.03)
    assert answer["curve_gain_exceeds_spread"] is True
    metrics["answer"] = answer
    targets = ex08.targets_report(metrics, runtime_s=1500)
    assert targets["dae_test_mse"]["met"] is True
    assert targets["full_data_accuracy"]["met"] is False
    assert targets["pretrained_10pct_accuracy"]["met"] is True
    assert targets["runtime"]["met"] is False


def test_figures():
    import matplotlib.figure

    from aelab.plots import ex08 as plots

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 32, 32, 3), dtype=np.uint8)
    floats = images.astype(np.float32) / 255
    figures = [
        plots.reconstructions(images, floats, floats),
        plots.first_layer_filters(rng.normal(size=(5, 5, 3, 16)).astype(np.float32)),
        plots.top_activating_images(images, np.array([3, 1]), np.array([[0, 1, 2], [3, 4, 5]])),
        plots.dae_learning_curve([0.02, 0.01], [0.015, 0.009]),
        plots.label_fraction_curve({
            "fractions": [0.1, 1.0], "seeds": [1, 2], "budget_images": 100,
            "pretrained_frozen": {"accuracy": [[0.3, 0.32], [0.4, 0.41]], "mean": [0.31, 0.405],
                                  "std": [0.014, 0.007]},
            "scratch": {"accuracy": [[0.2, 0.22], [0.5, 0.5]], "mean": [0.21, 0.5], "std": [0.014, 0.0]},
        }),
        plots.classifier_comparison({"a": {"test_accuracy": 0.5}, "b": {"test_accuracy": 0.3}}),
    ]
    for fig in figures:
        assert isinstance(fig, matplotlib.figure.Figure)
    with pytest.raises(ValueError):
        plots.reconstructions(images, floats[:2], floats)


def test_filter_normalisation():
    from aelab.plots.common import normalise_filters

    kernels = np.zeros((3, 3, 3, 2), np.float32)
    kernels[..., 1] = np.arange(27, dtype=np.float32).reshape(3, 3, 3)
    tiles = normalise_filters(kernels)
    assert tiles.shape == (2, 3, 3, 3)
    assert np.all(tiles[0] == 0.5)  # constant filter -> mid grey
    assert tiles[1].min() == 0.0 and tiles[1].max() == 1.0


@pytest.mark.realdata
@pytest.mark.slow
def test_quick_profile_end_to_end(real_cifar, tmp_path):
    metrics = ex08.run("quick", data=real_cifar, results_dir=tmp_path, verbose=0,
                       progress=lambda *_: None)
    dae = metrics["dae"]
    assert dae["loss_per_epoch"][-1] < dae["loss_per_epoch"][0], "DAE training loss must fall"
    assert dae["test_mse"] < dae["test_mse_untrained"] / 3
    assert 0 < dae["test_mse"] < 0.02
    chance = 1 / len(real_cifar.class_names)
    for name in ("pretrained_frozen_10pct", "pretrained_finetuned_10pct"):
        assert metrics["classifier"][name]["test_accuracy"] > chance + 0.05, name
    for method in ("pretrained_frozen", "scratch"):
        assert len(metrics["curve"][method]["mean"]) == len(metrics["curve"]["fractions"])
    saved = json.loads((tmp_path / "ex08-quick.json").read_text())
    assert saved["metrics"]["completed_stage"] == "complete"
    assert saved["provenance"]["runtime_s"] > 0
