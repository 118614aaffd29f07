"""Official CIFAR-10 batches: format, restricted unpickler, vectorised conversion, errors."""

from __future__ import annotations

import io
import os
import pickle
import pickletools
import tarfile

import numpy as np
import pytest

from aelab.data import DataError
from aelab.data.batches import (
    RestrictedUnpickler,
    load_batch_pickle,
    read_batches,
    read_batches_archive,
    read_batches_dir,
    rows_to_images,
)
from aelab.data.fixtures import write_cifar_archive, write_cifar_batches


def test_batches_dir_round_trip(tmp_path, small_arrays):
    directory = write_cifar_batches(tmp_path / "cifar-10-batches-py", *small_arrays)
    x_train, y_train, x_test, y_test, names = read_batches_dir(directory)
    for got, want in zip((x_train, y_train, x_test, y_test), small_arrays, strict=True):
        np.testing.assert_array_equal(got, want)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert x_train.flags.c_contiguous
    assert names[0] == "airplane" and len(names) == 10
    # The parent of cifar-10-batches-py/ is accepted too.
    np.testing.assert_array_equal(read_batches(tmp_path)[0], small_arrays[0])


def test_archive_round_trip_with_official_member_names(tmp_path, small_arrays):
    path = write_cifar_archive(tmp_path / "cifar-10-python.tar.gz", *small_arrays)
    with tarfile.open(path) as archive:
        names = set(archive.getnames())
    assert {f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)} <= names
    assert {"cifar-10-batches-py/test_batch", "cifar-10-batches-py/batches.meta"} <= names
    x_train, y_train, x_test, y_test, _ = read_batches_archive(path)
    np.testing.assert_array_equal(x_train, small_arrays[0])
    np.testing.assert_array_equal(y_test, small_arrays[3])


def test_fixture_pickles_look_like_python2_cpickle(tmp_path, small_arrays):
    directory = write_cifar_batches(tmp_path / "b", *small_arrays)
    payload = (directory / "data_batch_1").read_bytes()
    assert payload[:2] == b"\x80\x02"  # protocol 2, as the official files
    ops = [(op.name, arg) for op, arg, _ in pickletools.genops(payload)]
    globals_used = {arg for name, arg in ops if name == "GLOBAL"}
    assert globals_used == {"numpy.core.multiarray _reconstruct", "numpy ndarray", "numpy dtype"}
    # Keys are Python 2 str (SHORT_BINSTRING), not Python 3 unicode.
    assert ("SHORT_BINSTRING", "data") in ops and ("SHORT_BINSTRING", "labels") in ops
    batch = pickle.loads(payload, encoding="bytes")  # how everyone loads the official files
    assert set(batch) == {b"batch_label", b"labels", b"data", b"filenames"}
    assert batch[b"data"].shape == (10, 3072) and batch[b"data"].dtype == np.uint8


def test_rows_to_images_matches_the_documented_layout():
    rows = np.arange(2 * 3072, dtype=np.int64).reshape(2, 3072).astype(np.uint8)
    images = rows_to_images(rows)
    assert images.shape == (2, 32, 32, 3) and images.dtype == np.uint8
    # Row layout: 1024 red values, then green, then blue, each 32x32 row-major.
    for n, row, col, channel in [(0, 0, 0, 0), (1, 5, 7, 2), (0, 31, 31, 1)]:
        assert images[n, row, col, channel] == rows[n, channel * 1024 + row * 32 + col]


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch should-not-exist",))


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_python3_repickled_batches_are_accepted(protocol):
    batch = {"data": np.arange(6, dtype=np.uint8).reshape(2, 3), "labels": [1, 2]}
    loaded = load_batch_pickle(pickle.dumps(batch, protocol=protocol), "repickled")
    np.testing.assert_array_equal(loaded["data"], batch["data"])


def test_object_arrays_are_refused():
    payload = pickle.dumps({"data": np.array([1, "a"], dtype=object)}, protocol=2)
    with pytest.raises(DataError, match="object arrays are not allowed"):
        load_batch_pickle(payload, "objects")


def test_restricted_unpickler_refuses_foreign_globals(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = pickle.dumps({b"data": _Evil()}, protocol=2)
    with pytest.raises(DataError, match=r"posix.system|os.system"):
        load_batch_pickle(payload, "evil_batch")
    assert not (tmp_path / "should-not-exist").exists()
    with pytest.raises(pickle.UnpicklingError):
        RestrictedUnpickler(io.BytesIO(pickle.dumps(print, protocol=2))).load()


def test_malicious_batch_file_in_a_directory_is_refused(tmp_path, small_arrays, monkeypatch):
    monkeypatch.chdir(tmp_path)
    directory = write_cifar_batches(tmp_path / "b", *small_arrays)
    (directory / "data_batch_3").write_bytes(pickle.dumps({b"data": _Evil()}, protocol=2))
    with pytest.raises(DataError, match="data_batch_3"):
        read_batches_dir(directory)
    assert not (tmp_path / "should-not-exist").exists()


def test_missing_batch_names_the_files_and_the_fix(tmp_path, small_arrays):
    directory = write_cifar_batches(tmp_path / "b", *small_arrays)
    (directory / "data_batch_2").unlink()
    with pytest.raises(DataError, match=r"missing batch files \['data_batch_2'\].*aelab data fetch"):
        read_batches_dir(directory)


def test_wrong_array_shape_is_reported(tmp_path, small_arrays):
    directory = write_cifar_batches(tmp_path / "b", *small_arrays)
    bad = {b"data": np.zeros((10, 100), np.uint8), b"labels": [0] * 10}
    (directory / "test_batch").write_bytes(pickle.dumps(bad, protocol=2))
    with pytest.raises(DataError, match=r"test_batch: 'data' must be an \(n, 3072\) uint8"):
        read_batches_dir(directory)


def test_labels_out_of_range_are_reported(tmp_path, small_arrays):
    x_train, y_train, x_test, y_test = small_arrays
    directory = write_cifar_batches(tmp_path / "b", x_train, y_train, x_test, y_test)
    bad = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 12]}
    (directory / "test_batch").write_bytes(pickle.dumps(bad, protocol=2))
    with pytest.raises(DataError, match="ints 0..9"):
        read_batches_dir(directory)


def test_truncated_archive_is_reported(tmp_path, small_arrays):
    path = write_cifar_archive(tmp_path / "cifar-10-python.tar.gz", *small_arrays)
    payload = path.read_bytes()
    path.write_bytes(payload[: len(payload) // 2])
    with pytest.raises(DataError, match="truncated or corrupt archive"):
        read_batches_archive(path)


def test_archive_missing_members_is_reported(tmp_path, small_arrays):
    path = tmp_path / "partial.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("cifar-10-batches-py/readme.html")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(DataError, match=r"archive lacks \['data_batch_1'"):
        read_batches_archive(path)


@pytest.mark.parametrize("n_train", [0, 3, 47, 53])
def test_unequal_or_empty_batches_round_trip(tmp_path, n_train):
    from aelab.data.fixtures import random_images

    x_train, y_train = random_images(n_train, seed=n_train)
    x_test, y_test = random_images(7, seed=99)
    directory = write_cifar_batches(tmp_path / "b", x_train, y_train, x_test, y_test)
    got = read_batches_dir(directory)
    for a, b in zip(got[:4], (x_train, y_train, x_test, y_test), strict=True):
        np.testing.assert_array_equal(a, b)
    assert got[0].shape == (n_train, 32, 32, 3)


def test_float_labels_are_refused(tmp_path, small_arrays):
    directory = write_cifar_batches(tmp_path / "b", *small_arrays)
    bad = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1.5]}
    (directory / "test_batch").write_bytes(pickle.dumps(bad, protocol=2))
    with pytest.raises(DataError, match="ints 0..9"):
        read_batches_dir(directory)
