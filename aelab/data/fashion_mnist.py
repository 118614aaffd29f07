"""Fashion-MNIST from its IDX files (gzip-compressed or raw), as a :class:`CifarData`.

Debian's ``dataset-fashion-mnist`` installs ``train-images-idx3-ubyte.gz``,
``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
``t10k-labels-idx1-ubyte.gz`` under ``/usr/share/datasets/fashion-mnist/``.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np

from .checksums import describe
from .dataset import FASHION_MNIST_CLASSES, CifarData
from .errors import DataError

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_FIX = "reinstall it (apt-get install --reinstall dataset-fashion-mnist) or pass another directory"


def _find(directory: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    raise DataError(f"{describe(directory)}: neither {stem}.gz nor {stem} found; {_FIX}")


def read_idx(path: str | os.PathLike, ndim: int) -> np.ndarray:
    """An IDX file of unsigned bytes with ``ndim`` dimensions, as a ``uint8`` array.

    Reads the payload straight into the result (no intermediate copy).
    """
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            header = stream.read(4)
            if len(header) != 4 or header[:3] != b"\x00\x00\x08" or header[3] != ndim:
                raise DataError(f"{describe(path)}: not an IDX file of unsigned bytes with "
                                f"{ndim} dimensions (header {header.hex()}); {_FIX}")
            dims = struct.unpack(f">{ndim}i", stream.read(4 * ndim))
            out = np.empty(dims, dtype=np.uint8)
            got = stream.readinto(memoryview(out).cast("B"))
            if got != out.size or stream.read(1):
                raise DataError(f"{describe(path)}: payload size does not match the header "
                                f"{dims} (truncated or padded file); {_FIX}")
    except (OSError, EOFError, struct.error) as exc:
        raise DataError(f"{describe(path)}: unreadable or corrupt IDX file ({exc}); {_FIX}") from exc
    return out


def load_fashion_mnist(source: str | os.PathLike | None = None) -> CifarData:
    """Fashion-MNIST as ``x_train (60000, 28, 28, 1) uint8``, ``y_train (60000,) int64``,
    ``x_test (10000, 28, 28, 1) uint8``, ``y_test (10000,) int64``.

    Args:
        source: directory with the four IDX files (``.gz`` or raw); default
            ``/usr/share/datasets/fashion-mnist``.
    """
    directory = Path(source).expanduser() if source else DEFAULT_DIR
    if not directory.is_dir():
        raise DataError(f"{describe(directory)}: not a directory with Fashion-MNIST IDX files; "
                        "install it (apt-get install dataset-fashion-mnist) or pass its directory")
    arrays = {}
    for split in ("train", "test"):
        x_path, y_path = _find(directory, FILES[f"x_{split}"]), _find(directory, FILES[f"y_{split}"])
        images, labels = read_idx(x_path, 3), read_idx(y_path, 1)
        if len(images) != len(labels):
            raise DataError(f"{describe(x_path)}: {len(images)} images but {len(labels)} labels in "
                            f"{describe(y_path)}; {_FIX}")
        if labels.size and labels.max() >= len(FASHION_MNIST_CLASSES):
            raise DataError(f"{describe(y_path)}: labels must be 0..9; {_FIX}")
        arrays[f"x_{split}"] = images[..., np.newaxis]
        arrays[f"y_{split}"] = labels.astype(np.int64)
    return CifarData(class_names=FASHION_MNIST_CLASSES, source=str(directory.absolute()),
                     sha256=None, **arrays)
