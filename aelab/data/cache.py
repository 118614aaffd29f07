"""Decoded-array cache: one uncompressed ``.npz`` per source, written atomically.

Decoding 60,000 JPEGs takes seconds; reading the same arrays back from an
uncompressed ``.npz`` is about as fast as reading the raw bytes. The cache key
is derived from the source's path, size and modification time (every file's, for
a directory), so an edited source is decoded again; a cache file is written to a
temporary name and renamed only when complete, so a crash never leaves a
half-written cache that a later load would trust.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .dataset import CifarData

# Bump when the decoded arrays would change for the same source (ordering, decoding).
CACHE_VERSION = 2


def source_fingerprint(path: Path, kind: str) -> str:
    """Cheap identity of a source: resolved path, sizes and mtimes (no content hashing)."""
    digest = hashlib.sha256(f"v{CACHE_VERSION}|{kind}|{path.resolve()}".encode())
    if path.is_dir():
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            for filename in sorted(filenames):
                stat = os.stat(os.path.join(dirpath, filename))
                rel = os.path.relpath(os.path.join(dirpath, filename), path)
                digest.update(f"|{rel}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    else:
        stat = path.stat()
        digest.update(f"|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def cache_path(cache_dir: Path, name: str, fingerprint: str) -> Path:
    return cache_dir / "arrays" / f"{name}-{fingerprint}.npz"


def save(data: CifarData, path: Path) -> None:
    """Write ``data`` to ``path`` (temp file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            # Uncompressed on purpose: reading it back is then a plain copy.
            np.savez(
                stream,
                x_train=data.x_train, y_train=data.y_train,
                x_test=data.x_test, y_test=data.y_test,
                class_names=np.array(data.class_names),
                source=np.array(data.source),
                sha256=np.array(data.sha256 or ""),
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> CifarData | None:
    """The cached data at ``path``, or ``None`` when absent or unreadable (then it is rebuilt)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return CifarData(
                x_train=arrays["x_train"], y_train=arrays["y_train"],
                x_test=arrays["x_test"], y_test=arrays["y_test"],
                class_names=tuple(str(name) for name in arrays["class_names"]),
                source=str(arrays["source"]),
                sha256=str(arrays["sha256"]) or None,
            )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        # A damaged cache is not the user's data: drop it and decode the source again.
        path.unlink(missing_ok=True)
        return None
