"""Fashion-MNIST from IDX files: fixtures in both encodings, corrupt files, the installed copy."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

from aelab.data import DataError, load_fashion_mnist
from aelab.data.fashion_mnist import DEFAULT_DIR
from aelab.data.fixtures import random_images, write_idx


@pytest.fixture
def arrays():
    x_train, y_train = random_images(30, image_shape=(28, 28, 1), seed=5)
    x_test, y_test = random_images(10, image_shape=(28, 28, 1), seed=6)
    return x_train, y_train, x_test, y_test


@pytest.mark.parametrize("compress", [True, False])
def test_idx_round_trip(tmp_path, arrays, compress):
    write_idx(tmp_path, *arrays, compress=compress)
    data = load_fashion_mnist(tmp_path)
    assert data.x_train.shape == (30, 28, 28, 1) and data.x_train.dtype == np.uint8
    assert data.y_train.dtype == np.int64 and data.class_names[9] == "Ankle boot"
    for got, want in zip((data.x_train, data.y_train, data.x_test, data.y_test), arrays, strict=True):
        np.testing.assert_array_equal(got, want)


def test_wrong_magic_is_reported(tmp_path, arrays):
    write_idx(tmp_path, *arrays)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x0d\x01" + bytes(8)))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz: not an IDX file"):
        load_fashion_mnist(tmp_path)


def test_truncated_payload_is_reported(tmp_path, arrays):
    write_idx(tmp_path, *arrays, compress=False)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DataError, match="payload size does not match"):
        load_fashion_mnist(tmp_path)


def test_corrupt_gzip_is_reported(tmp_path, arrays):
    write_idx(tmp_path, *arrays)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataError, match="unreadable or corrupt IDX file"):
        load_fashion_mnist(tmp_path)


def test_missing_files_and_mismatched_counts(tmp_path, arrays):
    with pytest.raises(DataError, match="neither train-images-idx3-ubyte.gz"):
        load_fashion_mnist(tmp_path)
    x_train, y_train, x_test, y_test = arrays
    write_idx(tmp_path, x_train, y_train[:-1], x_test, y_test)
    with pytest.raises(DataError, match="30 images but 29 labels"):
        load_fashion_mnist(tmp_path)
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path / "nowhere")


def test_installed_debian_copy():
    """The copy from Debian's dataset-fashion-mnist (a documented system dependency)."""
    if not DEFAULT_DIR.is_dir():
        message = f"{DEFAULT_DIR} missing: apt-get install dataset-fashion-mnist"
        if os.environ.get("AELAB_REQUIRE_REAL_DATA", "") not in ("", "0"):
            pytest.fail(message)
        pytest.skip(message)
    data = load_fashion_mnist()
    assert data.x_train.shape == (60000, 28, 28, 1) and data.x_test.shape == (10000, 28, 28, 1)
    assert np.bincount(data.y_train).tolist() == [6000] * 10
    assert np.bincount(data.y_test).tolist() == [1000] * 10
    # Trousers are narrow, bags and coats wide: mean ink differs a lot by class.
    ink = [data.x_train[data.y_train == c].mean() for c in range(10)]
    assert ink[1] < ink[4] and ink[1] < ink[8]
