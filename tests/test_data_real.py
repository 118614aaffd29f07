"""Real CIFAR-10 (``$AELAB_DATA``, e.g. the shared JPEG copy): shapes, balance, label alignment, cache."""

from __future__ import annotations

import os

import numpy as np
import pytest

from aelab.data import CIFAR10_CLASSES, load_cifar10, loader, subsample

pytestmark = pytest.mark.realdata


def test_shapes_and_dtypes(real_cifar):
    assert real_cifar.x_train.shape == (50000, 32, 32, 3) and real_cifar.x_train.dtype == np.uint8
    assert real_cifar.y_train.shape == (50000,) and real_cifar.y_train.dtype == np.int64
    assert real_cifar.x_test.shape == (10000, 32, 32, 3) and real_cifar.x_test.dtype == np.uint8
    assert real_cifar.y_test.shape == (10000,) and real_cifar.y_test.dtype == np.int64
    assert real_cifar.class_names == CIFAR10_CLASSES


def test_classes_are_balanced(real_cifar):
    assert np.bincount(real_cifar.y_train, minlength=10).tolist() == [5000] * 10
    assert np.bincount(real_cifar.y_test, minlength=10).tolist() == [1000] * 10


def test_pixel_statistics_match_published_cifar10(real_cifar):
    # The widely quoted per-channel training means of CIFAR-10 (in [0, 1]); the
    # JPEG copy stays within a few thousandths of them.
    mean = real_cifar.x_train.reshape(-1, 3).mean(axis=0, dtype=np.float64) / 255
    np.testing.assert_allclose(mean, [0.4914, 0.4822, 0.4465], atol=0.005)


@pytest.mark.parametrize("split", ["train", "test"])
def test_labels_are_aligned_with_images(real_cifar, split):
    """Sky and sea make airplanes and ships the only classes bluer than red on average,
    and frogs the least blue; shuffled or shifted labels would erase this."""
    x, y = getattr(real_cifar, f"x_{split}"), getattr(real_cifar, f"y_{split}")
    blue_minus_red = []
    for label in range(10):
        mean = x[y == label].reshape(-1, 3).mean(axis=0, dtype=np.float64)
        blue_minus_red.append(mean[2] - mean[0])
    blue_minus_red = np.array(blue_minus_red)
    bluish = {CIFAR10_CLASSES[i] for i in np.flatnonzero(blue_minus_red > 5)}
    assert bluish == {"airplane", "ship"}
    assert CIFAR10_CLASSES[int(np.argmin(blue_minus_red))] == "frog"


def test_slices_are_class_mixed(real_cifar):
    assert len(set(real_cifar.y_train[:100].tolist())) == 10


def test_second_load_is_a_cache_hit(real_cifar, monkeypatch):
    def must_not_decode(*args, **kwargs):
        raise AssertionError("the session fixture's load should have filled the cache")

    monkeypatch.setattr(loader, "read_source", must_not_decode)
    again = load_cifar10(os.environ["AELAB_DATA"], progress=False)
    np.testing.assert_array_equal(again.y_train, real_cifar.y_train)
    np.testing.assert_array_equal(again.x_test[:100], real_cifar.x_test[:100])
    assert again.sha256 == real_cifar.sha256


def test_subsample_of_real_data(real_cifar):
    small = subsample(real_cifar, 1000, 200, seed=0)
    assert np.bincount(small.y_train).tolist() == [100] * 10
    assert np.bincount(small.y_test).tolist() == [20] * 10


@pytest.mark.slow
def test_real_data_round_trips_through_the_official_format(real_cifar, tmp_path):
    """Full-size batches written by the fixtures writer read back bit-identical
    (the same path the official cifar-10-python.tar.gz takes, at full size)."""
    from aelab.data.batches import read_batches_dir
    from aelab.data.fixtures import write_cifar_batches

    directory = write_cifar_batches(tmp_path / "cifar-10-batches-py", real_cifar.x_train,
                                    real_cifar.y_train, real_cifar.x_test, real_cifar.y_test)
    x_train, y_train, x_test, y_test, names = read_batches_dir(directory)
    assert names == CIFAR10_CLASSES
    np.testing.assert_array_equal(x_train, real_cifar.x_train)
    np.testing.assert_array_equal(y_train, real_cifar.y_train)
    np.testing.assert_array_equal(x_test, real_cifar.x_test)
    np.testing.assert_array_equal(y_test, real_cifar.y_test)
