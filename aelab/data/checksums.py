"""File and array digests (streamed, so a 170 MB archive never sits in memory twice)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

_CHUNK = 1 << 20


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of the file at ``path`` (``algorithm``: any :mod:`hashlib` name, e.g. ``md5``)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    return file_digest(path, "sha256")


def md5_file(path: str | os.PathLike) -> str:
    return file_digest(path, "md5")


def arrays_sha256(*arrays: np.ndarray) -> str:
    """SHA-256 over the shapes, dtypes and bytes of ``arrays`` (a content id for any source)."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def describe(path: Path) -> str:
    """``path`` as shown in error messages (absolute, so the user can find it)."""
    return str(Path(path).expanduser().absolute())
