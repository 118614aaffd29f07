"""Write small datasets in the real on-disk formats (tests, grading-time fixtures).

Every writer takes arrays in the loaders' conventions (``x (n, H, W, C) uint8``,
``y (n,) int``) and writes files that the real readers, and anyone else's,
accept exactly as they accept the real dataset:

``write_cifar_batches(directory, x_train, y_train, x_test, y_test, *, class_names=CIFAR10_CLASSES, num_train_batches=5) -> Path``
    the official ``cifar-10-batches-py/`` layout *into* ``directory``:
    ``data_batch_1`` .. ``data_batch_<num_train_batches>`` (train split in equal
    consecutive parts; the reader needs 5), ``test_batch``, ``batches.meta`` and
    ``readme.html``; each batch a Python-2-style protocol-2 pickle of
    ``{b"batch_label", b"labels", b"data" (n, 3072) uint8, b"filenames"}``
    referencing ``numpy.core.multiarray._reconstruct`` as the official files do.
``write_cifar_archive(path, x_train, y_train, x_test, y_test, *, class_names=CIFAR10_CLASSES) -> Path``
    the same batches as ``cifar-10-python.tar.gz`` does: members
    ``cifar-10-batches-py/<name>``, gzip-compressed.
``write_image_folder(directory, x_train, y_train, x_test, y_test, *, class_names=CIFAR10_CLASSES, image_format="png") -> Path``
    ``directory/train/<class>/<NNNN>.<ext>`` and ``test/...`` (``png`` is lossless;
    ``jpeg`` at quality 95 is how the shared copy is stored).
``write_image_folder_archive(path, x_train, y_train, x_test, y_test, *, class_names=CIFAR10_CLASSES, image_format="png", top="cifar10-images") -> Path``
    a ``.tar.gz`` of that tree under one top folder, like ``cifar10-jpeg.tar.gz``.
``write_idx(directory, x_train, y_train, x_test, y_test, *, compress=True) -> Path``
    Fashion-MNIST's four IDX files (``train-images-idx3-ubyte[.gz]`` ...) for
    ``(n, 28, 28)`` or ``(n, 28, 28, 1) uint8`` images.
``random_images(n, *, image_shape=(32, 32, 3), num_classes=10, seed=0) -> (x, y)``
    balanced random data to feed the writers.

All writers create parent folders, write files under temporary names and rename
them when complete, and return the path they wrote.
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from .batches import BATCHES_DIR_NAME, META, TEST_BATCH
from .dataset import CIFAR10_CLASSES

_RECONSTRUCT = np.zeros(0).__reduce__()[0]


class _Python2Pickler(pickle._Pickler):
    """Pickles as Python 2's cPickle did for the official batches.

    ``bytes`` become Python 2 ``str`` opcodes (SHORT_BINSTRING/BINSTRING) instead
    of Python 3's ``_codecs.encode`` detour, and numpy's array rebuilder is
    referenced by its historical name ``numpy.core.multiarray._reconstruct``.
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj: bytes) -> None:
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str

    def save_global(self, obj, name=None):
        if obj is _RECONSTRUCT:
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


def _python2_pickle(obj) -> bytes:
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def _atomic_write(path: Path, payload: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _check(x: np.ndarray, y: np.ndarray, split: str, image_shape=None) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype != np.uint8 or x.ndim != 4 or (image_shape and x.shape[1:] != image_shape):
        want = f"(n, {', '.join(map(str, image_shape))})" if image_shape else "(n, H, W, C)"
        raise ValueError(f"x_{split} must be {want} uint8, got {x.dtype} {x.shape}")
    if y.ndim != 1 or len(y) != len(x) or y.dtype.kind not in "iu":
        raise ValueError(f"y_{split} must be ({len(x)},) integer labels, got {y.dtype} {y.shape}")
    return x, y


def _batch_dict(x: np.ndarray, y: np.ndarray, label: str, offset: int) -> dict:
    rows = np.ascontiguousarray(x.transpose(0, 3, 1, 2)).reshape(len(x), 3 * 32 * 32)
    return {
        b"batch_label": label.encode(),
        b"labels": [int(v) for v in y],
        b"data": rows,
        b"filenames": [f"fixture_{offset + i:06d}.png".encode() for i in range(len(x))],
    }


def _batch_payloads(x_train, y_train, x_test, y_test, class_names, num_train_batches):
    x_train, y_train = _check(x_train, y_train, "train", (32, 32, 3))
    x_test, y_test = _check(x_test, y_test, "test", (32, 32, 3))
    if num_train_batches < 1:
        raise ValueError(f"num_train_batches must be >= 1, got {num_train_batches}")
    payloads = {}
    bounds = np.linspace(0, len(x_train), num_train_batches + 1).astype(int)
    for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:], strict=True), start=1):
        label = f"training batch {i} of {num_train_batches}"
        payloads[f"data_batch_{i}"] = _python2_pickle(
            _batch_dict(x_train[lo:hi], y_train[lo:hi], label, lo))
    payloads[TEST_BATCH] = _python2_pickle(_batch_dict(x_test, y_test, "testing batch 1 of 1", 0))
    payloads[META] = _python2_pickle({
        b"num_cases_per_batch": int(bounds[1] - bounds[0]),
        b"label_names": [name.encode() for name in class_names],
        b"num_vis": 3072,
    })
    payloads["readme.html"] = b"<meta HTTP-EQUIV='REFRESH' content='0; url=https://www.cs.toronto.edu/~kriz/cifar.html'>\n"
    return payloads


def write_cifar_batches(directory, x_train, y_train, x_test, y_test, *,
                        class_names: Sequence[str] = CIFAR10_CLASSES,
                        num_train_batches: int = 5) -> Path:
    """Write the official batch files into ``directory`` (see the module docstring)."""
    directory = Path(directory)
    for name, payload in _batch_payloads(x_train, y_train, x_test, y_test, class_names,
                                         num_train_batches).items():
        _atomic_write(directory / name, payload)
    return directory


def _write_tar(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        with tarfile.open(tmp, mode="w:gz") as archive:
            directories = set()
            for name in members:
                parts = name.split("/")[:-1]
                for depth in range(1, len(parts) + 1):
                    directories.add("/".join(parts[:depth]))
            for name in sorted(directories):
                info = tarfile.TarInfo(name)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            for name, payload in members.items():
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(payload), 0o644
                archive.addfile(info, io.BytesIO(payload))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_cifar_archive(path, x_train, y_train, x_test, y_test, *,
                        class_names: Sequence[str] = CIFAR10_CLASSES) -> Path:
    """Write ``cifar-10-python.tar.gz``-style archive at ``path`` (see the module docstring)."""
    payloads = _batch_payloads(x_train, y_train, x_test, y_test, class_names, 5)
    return _write_tar(Path(path), {f"{BATCHES_DIR_NAME}/{name}": data for name, data in payloads.items()})


def _encode_image(image: np.ndarray, image_format: str) -> bytes:
    buffer = io.BytesIO()
    pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    if image_format == "png":
        pil.save(buffer, format="PNG")
    elif image_format in ("jpeg", "jpg"):
        pil.save(buffer, format="JPEG", quality=95)
    else:
        raise ValueError(f"image_format must be 'png' or 'jpeg', got {image_format!r}")
    return buffer.getvalue()


def _image_members(x_train, y_train, x_test, y_test, class_names, image_format):
    ext = "png" if image_format == "png" else "jpg"
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        x, y = _check(x, y, split)
        counters = dict.fromkeys(range(len(class_names)), 0)
        if y.size and (y.min() < 0 or y.max() >= len(class_names)):
            raise ValueError(f"y_{split} has labels outside 0..{len(class_names) - 1}")
        for image, label in zip(x, y, strict=True):
            number = counters[int(label)]
            counters[int(label)] += 1
            yield (f"{split}/{class_names[int(label)]}/{number:04d}.{ext}",
                   _encode_image(image, image_format))


def write_image_folder(directory, x_train, y_train, x_test, y_test, *,
                       class_names: Sequence[str] = CIFAR10_CLASSES,
                       image_format: str = "png") -> Path:
    """Write ``directory/{train,test}/<class>/<NNNN>.<ext>`` (every class folder, even if empty)."""
    directory = Path(directory)
    for split in ("train", "test"):
        for name in class_names:
            (directory / split / name).mkdir(parents=True, exist_ok=True)
    for name, payload in _image_members(x_train, y_train, x_test, y_test, class_names, image_format):
        _atomic_write(directory / name, payload)
    return directory


def write_image_folder_archive(path, x_train, y_train, x_test, y_test, *,
                               class_names: Sequence[str] = CIFAR10_CLASSES,
                               image_format: str = "png", top: str = "cifar10-images") -> Path:
    """Write a ``.tar.gz`` of an image folder under ``top/`` (like ``cifar10-jpeg.tar.gz``)."""
    members = {f"{top}/{name}": payload for name, payload in
               _image_members(x_train, y_train, x_test, y_test, class_names, image_format)}
    return _write_tar(Path(path), members)


IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def _idx_bytes(array: np.ndarray) -> bytes:
    # IDX header: two zero bytes, type code 0x08 (unsigned byte), number of dimensions,
    # then each dimension as a big-endian int32.
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx(directory, x_train, y_train, x_test, y_test, *, compress: bool = True) -> Path:
    """Write the four Fashion-MNIST IDX files (gzip-compressed with ``.gz`` if ``compress``)."""
    directory = Path(directory)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    for key, array in arrays.items():
        array = np.asarray(array)
        if key.startswith("x"):
            if array.ndim == 4 and array.shape[-1] == 1:
                array = array[..., 0]
            if array.ndim != 3 or array.dtype != np.uint8:
                raise ValueError(f"{key} must be (n, H, W) or (n, H, W, 1) uint8, got {array.dtype} {array.shape}")
        elif array.ndim != 1 or array.dtype.kind not in "iu" or (array.size and array.max() > 255):
            raise ValueError(f"{key} must be (n,) integer labels 0..255, got {array.dtype} {array.shape}")
        payload = _idx_bytes(array)
        name = IDX_NAMES[key]
        if compress:
            payload, name = gzip.compress(payload, mtime=0), name + ".gz"
        _atomic_write(directory / name, payload)
    return directory


def random_images(n: int, *, image_shape: tuple[int, int, int] = (32, 32, 3),
                  num_classes: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``x (n, *image_shape) uint8`` random pixels and ``y (n,) int64`` balanced labels (seeded)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n, *image_shape), dtype=np.uint8)
    y = rng.permutation(np.arange(n) % num_classes).astype(np.int64)
    return x, y
