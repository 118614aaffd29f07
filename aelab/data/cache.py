"""Decoded-array cache: one folder of ``.npy`` files per source, written atomically.

Decoding 60,000 JPEGs takes seconds; reading the same arrays back from ``.npy``
files is a plain read (``numpy.fromfile``), about as fast as the disk. ``.npy``
rather than ``.npz``: saving into a zip makes numpy copy the data through 16 MB
buffers, which raised the first load's peak memory; plain files are written
straight from the array.

The cache key is derived from the source's path, size and modification time
(every file's, for a directory), so an edited source is decoded again. A cache
entry is written into a temporary folder and renamed into place only when
complete, so a crash never leaves a half-written entry that a later load would
trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from .dataset import CifarData

# Bump when the decoded arrays would change for the same source (ordering, decoding).
CACHE_VERSION = 3
ARRAY_FIELDS = ("x_train", "y_train", "x_test", "y_test")


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
    """The folder holding one cached dataset."""
    return cache_dir / "arrays" / f"{name}-{fingerprint}"


def save(data: CifarData, path: Path) -> None:
    """Write ``data`` into the folder ``path`` (temporary folder beside it, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        for field in ARRAY_FIELDS:
            np.save(tmp / f"{field}.npy", getattr(data, field), allow_pickle=False)
        meta = {"class_names": list(data.class_names), "source": data.source,
                "sha256": data.sha256, "cache_version": CACHE_VERSION}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
        if path.exists():  # a concurrent load finished first: keep its (identical) entry
            shutil.rmtree(tmp)
            return
        os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load(path: Path) -> CifarData | None:
    """The cached data in folder ``path``, or ``None`` when absent or damaged.

    A damaged entry is deleted so that the next load rebuilds it from the source.
    """
    if not path.is_dir():
        return None
    try:
        meta = json.loads((path / "meta.json").read_text())
        arrays = {field: np.load(path / f"{field}.npy", allow_pickle=False) for field in ARRAY_FIELDS}
        if meta.get("cache_version") != CACHE_VERSION:
            raise ValueError("cache written by another version")
        return CifarData(**arrays, class_names=tuple(meta["class_names"]), source=meta["source"],
                         sha256=meta["sha256"])
    except (OSError, KeyError, ValueError, TypeError):
        # A damaged cache is not the user's data: drop it and decode the source again.
        shutil.rmtree(path, ignore_errors=True)
        return None
