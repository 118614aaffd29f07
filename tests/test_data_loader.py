"""load_cifar10: source selection, format detection, the decoded-array cache, errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from aelab.data import CIFAR10_CLASSES, CifarData, DataError, cache, load_cifar10, loader
from aelab.data.fixtures import (
    write_cifar_archive,
    write_cifar_batches,
    write_image_folder,
    write_image_folder_archive,
)


@pytest.fixture
def sources(tmp_path, small_arrays):
    """One source of each kind, all holding ``small_arrays``."""
    return {
        "batches-dir": write_cifar_batches(tmp_path / "cifar-10-batches-py", *small_arrays),
        "batches-archive": write_cifar_archive(tmp_path / "cifar-10-python.tar.gz", *small_arrays),
        "image-dir": write_image_folder(tmp_path / "images", *small_arrays),
        "image-archive": write_image_folder_archive(tmp_path / "images.tar.gz", *small_arrays),
    }


@pytest.mark.parametrize("kind", ["batches-dir", "batches-archive", "image-dir", "image-archive"])
def test_every_source_kind_loads_the_same_data(sources, kind, cache_dir, small_arrays):
    assert loader.detect_kind(sources[kind]) == kind
    data = load_cifar10(sources[kind], progress=False)
    assert isinstance(data, CifarData) and data.class_names == CIFAR10_CLASSES
    assert data.x_train.shape == (50, 32, 32, 3) and data.x_train.dtype == np.uint8
    assert data.y_train.dtype == np.int64 and data.x_test.shape == (20, 32, 32, 3)
    x_train, y_train, _, y_test = small_arrays
    if kind.startswith("batches"):
        # The official batches keep their order exactly.
        np.testing.assert_array_equal(data.x_train, x_train)
        np.testing.assert_array_equal(data.y_test, y_test)
    else:
        # Image folders come back in a fixed, class-mixed order: same (image, label) pairs.
        def pairs(x, y):
            return sorted((int(label), image.tobytes()) for image, label in zip(x, y, strict=True))

        assert pairs(data.x_train, data.y_train) == pairs(x_train, y_train)
        assert len(set(data.y_train[:10].tolist())) > 3
    assert data.source == str(sources[kind].absolute())
    assert (data.sha256 is None) == sources[kind].is_dir()


def test_parent_of_batches_dir_is_detected(tmp_path, sources):
    assert loader.detect_kind(tmp_path) == "batches-dir"


def test_source_comes_from_argument_then_environment(sources, cache_dir, monkeypatch):
    monkeypatch.setenv("AELAB_DATA", str(sources["batches-archive"]))
    assert load_cifar10(progress=False).source == str(sources["batches-archive"])
    chosen = load_cifar10(sources["batches-dir"], progress=False)
    assert chosen.source == str(sources["batches-dir"])


def test_default_source_without_download_says_how_to_fetch(cache_dir):
    with pytest.raises(DataError, match=r"cifar-10-python.tar.gz: CIFAR-10 is not downloaded; run `aelab data fetch`"):
        load_cifar10(download=False, progress=False)
    assert loader.default_source() == cache_dir / "cifar-10-python.tar.gz"


def test_second_load_comes_from_the_cache(sources, cache_dir, monkeypatch):
    first = load_cifar10(sources["image-archive"], progress=False)
    entries = list((cache_dir / "arrays").iterdir())
    assert len(entries) == 1 and (entries[0] / "x_train.npy").is_file()

    def must_not_decode(*args, **kwargs):
        raise AssertionError("decoded again instead of reading the cache")

    monkeypatch.setattr(loader, "read_source", must_not_decode)
    second = load_cifar10(sources["image-archive"], progress=False)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(second, field), getattr(first, field))
    assert (second.class_names, second.source, second.sha256) == (first.class_names, first.source, first.sha256)


def test_changed_source_is_decoded_again(sources, cache_dir, small_arrays):
    x_train, y_train, x_test, y_test = small_arrays
    load_cifar10(sources["batches-dir"], progress=False)
    write_cifar_batches(sources["batches-dir"], 255 - x_train, y_train, x_test, y_test)
    again = load_cifar10(sources["batches-dir"], progress=False)
    np.testing.assert_array_equal(again.x_train, 255 - x_train)


def test_use_cache_false_writes_nothing(sources, cache_dir):
    load_cifar10(sources["batches-dir"], progress=False, use_cache=False)
    assert not cache_dir.exists()


def test_damaged_cache_file_is_rebuilt(sources, cache_dir, small_arrays):
    load_cifar10(sources["batches-dir"], progress=False)
    (cached,) = (cache_dir / "arrays").iterdir()
    array_file = cached / "x_train.npy"
    array_file.write_bytes(array_file.read_bytes()[:1000])
    data = load_cifar10(sources["batches-dir"], progress=False)
    np.testing.assert_array_equal(data.x_train, small_arrays[0])
    assert cache.load(cached) is not None


def test_interrupted_cache_write_leaves_nothing_behind(sources, cache_dir, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        load_cifar10(sources["batches-dir"], progress=False)
    assert list((cache_dir / "arrays").iterdir()) == []


def test_unwritable_cache_only_warns(sources, tmp_path, monkeypatch):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("AELAB_CACHE", str(blocked))
    with pytest.warns(UserWarning, match="could not cache"):
        data = load_cifar10(sources["batches-dir"], progress=False)
    assert data.x_train.shape == (50, 32, 32, 3)


def test_failed_decode_leaves_no_cache(sources, cache_dir):
    (sources["image-dir"] / "train" / "cat" / "0000.png").write_bytes(b"broken")
    with pytest.raises(DataError, match="0000.png"):
        load_cifar10(sources["image-dir"], progress=False)
    assert not (cache_dir / "arrays").exists() or list((cache_dir / "arrays").iterdir()) == []


def test_unknown_and_missing_sources_are_reported(tmp_path, cache_dir):
    with pytest.raises(DataError, match="no such file or directory"):
        load_cifar10(tmp_path / "nowhere", progress=False)
    odd = tmp_path / "data.zip"
    odd.write_bytes(b"PK")
    with pytest.raises(DataError, match="not a recognised CIFAR-10 source"):
        load_cifar10(odd, progress=False)


def test_unreadable_source_is_reported(sources, cache_dir, monkeypatch):
    # Tests may run as root, for whom chmod 000 changes nothing: simulate the denial.
    monkeypatch.setattr(loader.os, "access", lambda path, mode: False)
    with pytest.raises(DataError, match="not readable; fix its permissions"):
        load_cifar10(sources["batches-archive"], progress=False)


def test_non_cifar_class_names_are_refused(tmp_path, cache_dir, small_arrays):
    names = tuple(f"class{i}" for i in range(10))
    directory = write_cifar_batches(tmp_path / "other", *small_arrays, class_names=names)
    with pytest.raises(DataError, match="are not CIFAR-10's"):
        load_cifar10(directory, progress=False)


def test_cifar_data_validates_its_fields(small_arrays):
    x_train, y_train, x_test, y_test = small_arrays
    data = CifarData(x_train, y_train, x_test, y_test, list(CIFAR10_CLASSES), "test")
    assert data.class_names == CIFAR10_CLASSES and data.image_shape == (32, 32, 3)
    with pytest.raises(ValueError, match="x_train must be a"):
        CifarData(x_train.astype(np.float32), y_train, x_test, y_test, CIFAR10_CLASSES, "t")
    with pytest.raises(ValueError, match="y_test must be a"):
        CifarData(x_train, y_train, x_test, y_test[:-1], CIFAR10_CLASSES, "t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.source = "other"
    summary = data.summary()
    assert summary["class_counts_train"] == [5] * 10 and summary["x_shape_test"] == [20, 32, 32, 3]
