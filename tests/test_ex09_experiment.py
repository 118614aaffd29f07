"""Exercise 9 experiment: helpers, figures, and the quick profile end to end on real data."""

import json

import matplotlib
import numpy as np
import pytest

from aelab import config
from aelab.experiments import ex09

matplotlib.use("Agg")


def test_grid_is_one_factor_at_a_time():
    default = {"noise_stddev": 4.0, "hidden_sizes": (512, 256), "learning_rate": 1e-3}
    grid = ex09._grid(default, noise=(0.0, 4.0, 16.0), hidden=((256, 128),), rates=(3e-3,))
    assert grid[0] == default and len(grid) == 5
    for row in grid[1:]:
        assert sum(row[k] != default[k] for k in default) == 1


def test_best_params_and_noise_ablation():
    rows = [
        {"noise_stddev": 4.0, "hidden_sizes": [512, 256], "learning_rate": 1e-3, "cv_map_mean": 0.13},
        {"noise_stddev": 0.0, "hidden_sizes": [512, 256], "learning_rate": 1e-3, "cv_map_mean": 0.12},
        {"noise_stddev": 4.0, "hidden_sizes": [256, 128], "learning_rate": 1e-3, "cv_map_mean": 0.14},
    ]
    chosen = ex09.best_params(rows)
    assert chosen == {"noise_stddev": 4.0, "hidden_sizes": (256, 128), "learning_rate": 1e-3}
    ablation = ex09.noise_ablation(rows, {"hidden_sizes": (512, 256), "learning_rate": 1e-3})
    assert [r["noise_stddev"] for r in ablation] == [0.0, 4.0]


def test_evaluate_hashes_on_perfect_and_random_codes():
    rng = np.random.default_rng(0)
    y_db, y_q = rng.integers(0, 4, 400), rng.integers(0, 4, 100)
    class_codes = rng.integers(0, 2, size=(4, 30), dtype=np.uint8)
    perfect = ex09.evaluate_hashes(class_codes[y_db], y_db, class_codes[y_q], y_q)
    assert perfect["map"] == pytest.approx(1.0)
    assert perfect["gini_purity"] == pytest.approx(1.0) and perfect["singleton_share"] == 0.0
    assert perfect["lookup_r2"]["precision"] == pytest.approx(1.0)
    noise = ex09.evaluate_hashes(rng.integers(0, 2, (400, 30), dtype=np.uint8), y_db,
                                 rng.integers(0, 2, (100, 30), dtype=np.uint8), y_q)
    assert 0.15 < noise["map"] < 0.4  # chance level is about 0.25 with 4 classes


def test_nearest_by_hamming():
    db = np.array([[0, 0, 0], [1, 1, 1], [1, 0, 0], [0, 0, 0]], np.uint8)
    ids, dist = ex09.nearest_by_hamming(np.zeros((1, 3), np.uint8), db, k=3)
    np.testing.assert_array_equal(ids, [[0, 3, 2]])
    np.testing.assert_array_equal(dist, [[0, 0, 1]])


def test_figures_build_on_synthetic_data():
    from aelab.plots import ex09 as plots

    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(40, 32, 32, 3), dtype=np.uint8)
    bits = rng.integers(0, 2, size=(40, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, 40)
    figures = [
        plots.bucket_grid(images, bits, labels, [f"c{i}" for i in range(10)], num_buckets=3),
        plots.hamming_neighbours(images[:2], images[2:8].reshape(2, 3, 32, 32, 3), [[0, 1, 1], [0, 0, 2]],
                                 query_labels=labels[:2], neighbour_labels=labels[2:8].reshape(2, 3)),
        plots.methods_bars({"autoencoder": {"map": 0.14, "gini_purity": 0.8, "singleton_share": 0.6},
                            "lsh": {"map": 0.12, "gini_purity": 1.0, "singleton_share": 1.0}}),
        plots.metrics_vs_bits([{"method": "lsh", "num_bits": b, "map": 0.1, "gini_purity": 0.5,
                                "singleton_share": 0.3} for b in (8, 16)]),
        plots.noise_ablation([{"noise_stddev": s, "cv_map_mean": 0.1, "cv_map_std": 0.01,
                               "cv_saturated_share": 0.5, "cv_singleton_share": 0.2} for s in (0, 4)]),
        plots.saturation_histograms({"autoencoder": {"counts": np.arange(10), "edges": np.linspace(0, 1, 11),
                                                     "saturated_share": 0.4}}),
    ]
    assert all(len(fig.axes) > 0 for fig in figures)
    with pytest.raises(ValueError, match="unique"):
        plots.bucket_grid(images[:4], np.eye(4, dtype=np.uint8))


@pytest.mark.realdata
@pytest.mark.slow
def test_quick_profile_end_to_end(real_cifar, tmp_path):
    metrics = ex09.run(config.get_profile("quick"), data=real_cifar, seed=42, results_dir=tmp_path,
                       progress=lambda *_: None)
    saved = json.loads((tmp_path / "ex09-quick.json").read_text())
    assert saved["metrics"]["methods"].keys() == metrics["methods"].keys()
    assert set(metrics["methods"]) == {"autoencoder", "lsh", "pca_sign", "pca_itq", "cnn"}
    for name, m in metrics["methods"].items():
        # Chance mAP is about 0.1 with ten balanced classes; pixel hashes sit a little above it.
        assert 0.09 < m["map"] < 0.6, (name, m["map"])
        assert 0.0 <= m["gini_purity"] <= 1.0 and 0.0 <= m["singleton_share"] <= 1.0
    ae = metrics["methods"]["autoencoder"]
    assert ae["bits"]["dead_bits"] < 15, "batch-normalised codings should keep most bits alive"
    assert 0.0 < ae["saturation"]["saturated_share"] <= 1.0
    assert metrics["cnn_training"]["test_accuracy"] > 0.15
    assert len(metrics["cross_validation"]) == len(ex09.settings_for(config.get_profile("quick")).cv_grid)
    assert {r["num_bits"] for r in metrics["bits_sweep"]} == {16, 30}
    assert saved["provenance"]["runtime_s"] > 0
