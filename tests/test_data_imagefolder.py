"""Image-folder sources (directory or tar archive): layout, decoding, order and errors."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest
from PIL import Image

from aelab.data import CIFAR10_CLASSES, DataError, imagefolder
from aelab.data.fixtures import write_image_folder, write_image_folder_archive
from aelab.data.imagefolder import read_image_folder


def _file_order(x, y):
    """Arrays in the order the reader returns them with mix_seed=None (class by class)."""
    order = np.argsort(y, kind="stable")
    return x[order], y[order]


def test_png_directory_round_trips_exactly(tmp_path, small_arrays):
    x_train, y_train, x_test, y_test = small_arrays
    write_image_folder(tmp_path / "tree", *small_arrays)
    got = read_image_folder(tmp_path / "tree", class_names=CIFAR10_CLASSES, workers=1)
    want_x, want_y = _file_order(x_train, y_train)
    np.testing.assert_array_equal(got[0], want_x)
    np.testing.assert_array_equal(got[1], want_y)
    np.testing.assert_array_equal(got[2], _file_order(x_test, y_test)[0])
    assert got[0].dtype == np.uint8 and got[1].dtype == np.int64
    assert got[4] == CIFAR10_CLASSES


def test_archive_with_top_folder_matches_directory(tmp_path, small_arrays):
    write_image_folder(tmp_path / "tree", *small_arrays)
    write_image_folder_archive(tmp_path / "tree.tar.gz", *small_arrays, top="cifar10-png")
    from_dir = read_image_folder(tmp_path / "tree")
    from_archive = read_image_folder(tmp_path / "tree.tar.gz")
    for a, b in zip(from_dir[:4], from_archive[:4], strict=True):
        np.testing.assert_array_equal(a, b)


def test_mix_seed_is_a_fixed_permutation_of_file_order(tmp_path, small_arrays):
    write_image_folder(tmp_path / "tree", *small_arrays)
    plain = read_image_folder(tmp_path / "tree")
    mixed = read_image_folder(tmp_path / "tree", mix_seed=0)
    perm = np.random.default_rng(0).permutation(len(plain[1]))
    np.testing.assert_array_equal(mixed[0][perm], plain[0])
    np.testing.assert_array_equal(mixed[1][perm], plain[1])
    assert not np.array_equal(mixed[1], plain[1])


def test_jpeg_tree_decodes_close_to_the_original(tmp_path):
    # Smooth images, as real photos are: JPEG keeps them within a few grey levels.
    ramp = np.linspace(0, 255, 32, dtype=np.float32)
    image = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], 128 + 0 * ramp[None, :]), -1)
    x = np.repeat(image.astype(np.uint8)[None], 10, axis=0)
    y = np.arange(10)
    write_image_folder_archive(tmp_path / "jpeg.tar.gz", x, y, x, y, image_format="jpeg")
    x_train, y_train, _, _, _ = read_image_folder(tmp_path / "jpeg.tar.gz")
    assert np.abs(x_train.astype(int) - x.astype(int)).mean() < 3
    np.testing.assert_array_equal(y_train, y)


def test_parallel_decode_equals_serial(tmp_path, small_arrays, monkeypatch):
    write_image_folder_archive(tmp_path / "tree.tar.gz", *small_arrays)
    serial = read_image_folder(tmp_path / "tree.tar.gz", workers=1, mix_seed=0)
    monkeypatch.setattr(imagefolder, "PARALLEL_MIN_IMAGES", 0)
    parallel = read_image_folder(tmp_path / "tree.tar.gz", workers=2, mix_seed=0)
    for a, b in zip(serial[:4], parallel[:4], strict=True):
        np.testing.assert_array_equal(a, b)


def test_missing_class_folder_is_named(tmp_path, small_arrays):
    tree = write_image_folder(tmp_path / "tree", *small_arrays)
    for path in (tree / "test" / "cat").iterdir():
        path.unlink()
    (tree / "test" / "cat").rmdir()
    with pytest.raises(DataError, match=r"test/ has missing class folders \['cat'\]"):
        read_image_folder(tree, class_names=CIFAR10_CLASSES)


def test_extra_class_folder_is_named(tmp_path, small_arrays):
    tree = write_image_folder(tmp_path / "tree", *small_arrays)
    (tree / "train" / "unicorn").mkdir()
    Image.new("RGB", (32, 32)).save(tree / "train" / "unicorn" / "0.png")
    with pytest.raises(DataError, match=r"unexpected folders \['unicorn'\]"):
        read_image_folder(tree, class_names=CIFAR10_CLASSES)


@pytest.mark.parametrize(("size", "mode"), [((64, 64), "RGB"), ((32, 32), "L"), ((32, 32), "RGBA")])
def test_wrong_image_size_or_mode_names_the_file(tmp_path, small_arrays, size, mode):
    tree = write_image_folder(tmp_path / "tree", *small_arrays)
    bad = tree / "train" / "dog" / "0001.png"
    Image.new(mode, size).save(bad)
    with pytest.raises(DataError, match=rf"dog/0001.png: image is {size[0]}x{size[1]} {mode}, expected 32x32 RGB"):
        read_image_folder(tree)


def test_corrupt_image_names_the_file(tmp_path, small_arrays):
    tree = write_image_folder(tmp_path / "tree", *small_arrays)
    (tree / "test" / "ship" / "0000.png").write_bytes(b"not an image at all")
    with pytest.raises(DataError, match=r"ship/0000.png: not a readable PNG/JPEG image"):
        read_image_folder(tree)


def test_non_image_file_is_refused_but_hidden_files_are_ignored(tmp_path, small_arrays):
    tree = write_image_folder(tmp_path / "tree", *small_arrays)
    (tree / "train" / "cat" / ".DS_Store").write_bytes(b"\0")
    read_image_folder(tree)
    (tree / "train" / "cat" / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match=r"notes.txt.*not a .png/.jpg/.jpeg image"):
        read_image_folder(tree)


def test_truncated_archive_is_reported(tmp_path, small_arrays):
    path = write_image_folder_archive(tmp_path / "tree.tar.gz", *small_arrays)
    payload = path.read_bytes()
    path.write_bytes(payload[: len(payload) * 2 // 3])
    with pytest.raises(DataError, match="truncated or corrupt archive"):
        read_image_folder(path)


def test_not_gzip_at_all_is_reported(tmp_path):
    path = tmp_path / "garbage.tar.gz"
    path.write_bytes(b"\x1f\x8b" + bytes(range(256)) * 4)
    with pytest.raises(DataError, match="truncated or corrupt archive"):
        read_image_folder(path)


def _archive_with(tmp_path, small_arrays, extra: tarfile.TarInfo, payload: bytes = b""):
    path = write_image_folder_archive(tmp_path / "base.tar.gz", *small_arrays, top="t")
    out = tmp_path / "hostile.tar.gz"
    with tarfile.open(path) as source, tarfile.open(out, "w:gz") as archive:
        archive.addfile(extra, io.BytesIO(payload) if extra.isfile() else None)
        for member in source.getmembers():
            archive.addfile(member, source.extractfile(member) if member.isfile() else None)
    return out


@pytest.mark.parametrize("name", ["../escape.png", "/etc/escape.png", "t/train/cat/../../../x.png"])
def test_path_traversal_members_are_refused(tmp_path, small_arrays, name):
    info = tarfile.TarInfo(name)
    info.size = 3
    path = _archive_with(tmp_path, small_arrays, info, b"abc")
    with pytest.raises(DataError, match="unsafe member path"):
        read_image_folder(path)
    assert not (tmp_path.parent / "escape.png").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE, tarfile.FIFOTYPE])
def test_links_and_devices_are_refused(tmp_path, small_arrays, kind):
    info = tarfile.TarInfo("t/train/cat/link.png")
    info.type, info.linkname = kind, "/etc/passwd"
    path = _archive_with(tmp_path, small_arrays, info)
    with pytest.raises(DataError, match="link or special file"):
        read_image_folder(path)


def test_oversized_member_is_refused(tmp_path, small_arrays, monkeypatch):
    monkeypatch.setattr(imagefolder, "MAX_MEMBER_BYTES", 50)
    path = write_image_folder_archive(tmp_path / "tree.tar.gz", *small_arrays)
    with pytest.raises(DataError, match="too large"):
        read_image_folder(path)


def test_symlink_in_directory_tree_is_refused(tmp_path, small_arrays):
    tree = write_image_folder(tmp_path / "tree", *small_arrays)
    (tree / "train" / "cat" / "9999.png").symlink_to(tree / "train" / "dog" / "0000.png")
    with pytest.raises(DataError, match="not a regular file"):
        read_image_folder(tree)


def test_missing_split_and_wrong_layout(tmp_path, small_arrays):
    tree = write_image_folder(tmp_path / "tree", *small_arrays)
    (tree / "test").rename(tmp_path / "elsewhere")
    with pytest.raises(DataError, match="no test/ images found"):
        read_image_folder(tree)
    (tree / "valid" / "cat").mkdir(parents=True)
    Image.new("RGB", (32, 32)).save(tree / "valid" / "cat" / "0.png")
    with pytest.raises(DataError, match="unexpected entry 'valid/cat/0.png'"):
        read_image_folder(tree)


def test_missing_path_is_reported(tmp_path):
    with pytest.raises(DataError, match="no such file or directory"):
        read_image_folder(tmp_path / "nowhere")
