"""Key for the notebook execution cache of one book build.

Jupyter Book 1 (jupyter-cache) re-executes a notebook only when its code cells
change. The solutions import :mod:`aelab`, read CIFAR-10 and switch on
``AELAB_PROFILE``, none of which it sees, so a build would otherwise show stale
outputs. The key below covers all three; :mod:`aelab.book.build` wipes the cache
when the stored key differs.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

from .. import config
from ..results import file_sha256

PACKAGE_DIR = Path(__file__).resolve().parents[1]

# Parts of the package that neither the notebooks nor the Q-page figures import:
# editing them must not throw away an hour of cached full-profile outputs.
_NOT_KEYED = ("cli.py", "commands/", "grading/", "book/build.py", "book/cache_key.py",
              "book/assets.py", "book/offline.py", "book/results_page.py",
              "book/references.py", "book/sphinx_ext.py")

# Libraries whose version changes what the notebooks compute.
_KEYED_DISTRIBUTIONS = ("tensorflow", "keras", "numpy", "matplotlib")


def package_digest(package_dir: str | os.PathLike = PACKAGE_DIR) -> str:
    """sha256 over the package's ``*.py`` files (relative path and bytes) that
    notebook outputs can depend on (all but ``_NOT_KEYED``)."""
    root = Path(package_dir)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "__pycache__" in path.parts or relative.startswith(_NOT_KEYED):
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def data_digest(source: str | os.PathLike | None) -> str:
    """Identity of a CIFAR-10 source.

    A file is hashed (sha256); a directory is keyed on its listing (relative
    path, size and modification time of every file) because hashing 60,000
    images on every build would cost more than the build itself; ``None`` (the
    default download cache) is keyed on the cache location, whose archive is
    md5-checked by :mod:`aelab.data` anyway.
    """
    if source is None:
        return f"default-cache:{config.cache_dir()}"
    path = Path(source).expanduser().resolve()
    if path.is_file():
        return f"sha256:{file_sha256(path)}"
    if path.is_dir():
        digest = hashlib.sha256()
        for item in sorted(path.rglob("*")):
            if item.is_file():
                stat = item.stat()
                digest.update(f"{item.relative_to(path)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return f"listing:{digest.hexdigest()}"
    raise FileNotFoundError(
        f"CIFAR-10 source {path} does not exist: pass --data PATH or set AELAB_DATA "
        "to the archive, batches folder or image folder"
    )


def versions() -> dict[str, str]:
    """Installed versions of the libraries in ``_KEYED_DISTRIBUTIONS``."""
    found = {}
    for name in _KEYED_DISTRIBUTIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def compute_key(profile: config.Profile, data_source: str | os.PathLike | None) -> dict:
    """Everything the cached notebook outputs depend on besides their own code."""
    return {
        "profile": profile.name,
        "data": data_digest(data_source),
        "package": package_digest(),
        "versions": versions(),
    }


def read_key(path: str | os.PathLike) -> dict | None:
    """Stored key, or ``None`` when absent or unreadable (treated as a mismatch)."""
    try:
        return json.loads(Path(path).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def write_key(path: str | os.PathLike, key: dict) -> None:
    """Store ``key`` atomically (temporary file, then rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(key, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, target)
