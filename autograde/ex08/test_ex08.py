"""Hidden checks of ex08 (clean process; contract: autograde/contracts/ex08.md)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from heldout import heldout_images, load_keras  # noqa: E402

from aelab.data import CIFAR10_CLASSES  # noqa: E402

# --- ex08-loader ---------------------------------------------------------------

@pytest.mark.grade_id("ex08-loader")
@pytest.mark.parametrize("tag", ["a", "b"])
def test_loader_reads_official_batches_exactly(job, tag):
    out = job.output("ex08-loader")
    truth = job.truth_arrays("loader.npz")
    for split, dtype in (("x_train", np.uint8), ("y_train", np.int64),
                         ("x_test", np.uint8), ("y_test", np.int64)):
        got, want = out[f"{tag}_{split}"], truth[f"{tag}_{split}"]
        assert got.dtype == dtype, f"{split} dtype"
        assert got.shape == want.shape, f"{split} shape"
        assert bool(np.array_equal(got, want)), f"{split} values (channel order, label alignment)"


@pytest.mark.grade_id("ex08-loader")
def test_loader_class_names(job):
    out = job.output("ex08-loader")
    for tag in ("a", "b"):
        assert tuple(str(n) for n in out[f"{tag}_names"]) == tuple(CIFAR10_CLASSES)


# --- ex08-dae -------------------------------------------------------------------

@pytest.mark.grade_id("ex08-dae")
def test_dae_structure(job):
    out = job.output("ex08-dae")
    x = out["x"]
    assert out["infer_1"].shape == x.shape
    assert bool(np.array_equal(out["infer_1"], out["infer_2"])), "inference must be deterministic"
    assert not bool(np.allclose(out["train"], out["infer_1"])), "noise must act in training"
    assert out["codes"].ndim == 4, "the encoder outputs 4-D coding maps"
    assert out["decoded"].shape == x.shape
    assert not bool(out["encoder_noise"]), "no GaussianNoise in the encoder"
    assert bool(out["autoencoder_noise"]), "the autoencoder has a GaussianNoise layer"
    assert bool(out["compiled"])
    assert float(out["infer_1"].min()) >= 0.0 and float(out["infer_1"].max()) <= 1.0


@pytest.mark.grade_id("ex08-dae")
def test_dae_artefact_reconstruction(job, check_metric):
    model = load_keras(job.artefact("dae.keras"))
    x, _ = heldout_images(job.seed, 500)
    y = np.asarray(model.predict(x, batch_size=250, verbose=0), dtype=np.float32)
    assert y.shape == x.shape
    check_metric("ex08.dae_test_mse", float(np.mean((y - x) ** 2)), direction="max", slack=0.5)


# --- ex08-classifier --------------------------------------------------------------

@pytest.mark.grade_id("ex08-classifier")
def test_classifier_structure(job):
    out = job.output("ex08-classifier")
    assert out["probs_10"].shape == (3, 10) and out["probs_7"].shape == (3, 7)
    for probs in (out["probs_10"], out["probs_7"]):
        assert bool(np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)) and float(probs.min()) >= 0
    assert int(out["frozen_trainable"]) == 0, "freeze_encoder=True freezes the encoder"
    assert int(out["tuned_trainable"]) > 0, "freeze_encoder=False trains the encoder"
    assert bool(out["encoder_is_layer"]) and bool(out["compiled"])


@pytest.mark.grade_id("ex08-classifier")
def test_classifier_artefact_accuracy(job, check_metric):
    model = load_keras(job.artefact("classifier_10pct.keras"))
    x, y = heldout_images(job.seed + 1, 1000, stratified=True)
    probs = np.asarray(model.predict(x, batch_size=250, verbose=0))
    assert probs.shape == (1000, 10)
    accuracy = float(np.mean(probs.argmax(axis=1) == y))
    assert accuracy > 0.15, "at most chance level + 5 points"
    check_metric("ex08.classifier_10pct_accuracy", accuracy, direction="min", slack=0.22)
