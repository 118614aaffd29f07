"""``load_cifar10``: CIFAR-10 from whichever form the user has it in, cached as arrays.

Sources (explicit argument, else ``$AELAB_DATA``, else the official archive in
the cache directory, downloaded when absent):

- ``cifar-10-python.tar.gz``, the official archive (read in place, never extracted);
- an extracted ``cifar-10-batches-py/`` directory (or its parent);
- an image-folder tree ``train/<class>/*`` + ``test/<class>/*`` (PNG or JPEG), or a
  ``.tar``/``.tar.gz`` of one (e.g. ``cifar10-jpeg.tar.gz``).

The official batches keep their published order. Image folders are stored class
by class, so their images are put in a fixed shuffled order (permutation with
seed 0, see :func:`aelab.data.imagefolder.read_image_folder`): a slice such as
``x_train[:1000]`` is then class-mixed whatever the source.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

from .. import config
from . import cache
from .checksums import describe, sha256_file
from .dataset import CIFAR10_CLASSES, CifarData
from .errors import DataError
from .imagefolder import is_archive, read_image_folder

OFFICIAL_ARCHIVE_NAME = "cifar-10-python.tar.gz"
BATCHES_DIR_NAME = "cifar-10-batches-py"
IMAGE_FOLDER_MIX_SEED = 0


def default_source(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the official archive lives (or will be downloaded to) in the cache."""
    return config.cache_dir(cache_dir) / OFFICIAL_ARCHIVE_NAME


def detect_kind(path: Path) -> str:
    """``"batches-dir"``, ``"batches-archive"``, ``"image-dir"`` or ``"image-archive"``.

    Raises:
        DataError: the path is missing, unreadable or not a recognised source.
    """
    if not path.exists():
        raise DataError(
            f"{describe(path)}: no such file or directory; pass an existing CIFAR-10 source "
            "(--data / AELAB_DATA / source=...)"
        )
    if not os.access(path, os.R_OK):
        raise DataError(f"{describe(path)}: not readable; fix its permissions (chmod) or copy it")
    if path.is_dir():
        if (path / "data_batch_1").exists() or (path / BATCHES_DIR_NAME / "data_batch_1").exists():
            return "batches-dir"
        return "image-dir"
    if not is_archive(path):
        raise DataError(
            f"{describe(path)}: not a recognised CIFAR-10 source; use {OFFICIAL_ARCHIVE_NAME}, "
            f"a {BATCHES_DIR_NAME}/ directory, an image folder or a .tar/.tar.gz/.tgz of one"
        )
    return "batches-archive" if _archive_has_batches(path) else "image-archive"


def _archive_has_batches(path: Path, peek: int = 32) -> bool:
    """Whether the first members of a tar archive look like the official batches."""
    try:
        with tarfile.open(path, mode="r|*") as archive:
            for count, member in enumerate(archive):
                name = member.name.rstrip("/").rsplit("/", 1)[-1]
                if name in ("data_batch_1", "test_batch", "batches.meta", BATCHES_DIR_NAME):
                    return True
                if count >= peek:
                    break
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DataError(
            f"{describe(path)}: truncated or corrupt archive ({exc}); download or copy it again"
        ) from exc
    return False


def read_source(path: Path, kind: str | None = None, *, workers: int | None = None,
                verify_official: bool = False, progress: bool = False) -> CifarData:
    """Decode ``path`` without touching the cache.

    ``verify_official``: check the official MD5 first (for the downloaded archive).
    """
    kind = kind or detect_kind(path)
    if verify_official:
        from .download import OFFICIAL_MD5, verify_md5

        verify_md5(path, OFFICIAL_MD5)
    if kind in ("batches-dir", "batches-archive"):
        from .batches import read_batches

        x_train, y_train, x_test, y_test, names = read_batches(path)
    else:
        x_train, y_train, x_test, y_test, names = read_image_folder(
            path, class_names=CIFAR10_CLASSES, image_shape=(32, 32, 3), workers=workers,
            mix_seed=IMAGE_FOLDER_MIX_SEED, progress=progress,
        )
    if tuple(names) != CIFAR10_CLASSES:
        raise DataError(f"{describe(path)}: class names {list(names)} are not CIFAR-10's "
                        f"{list(CIFAR10_CLASSES)}; point the loader at a CIFAR-10 copy")
    sha256 = sha256_file(path) if path.is_file() else None
    return CifarData(x_train, y_train, x_test, y_test, CIFAR10_CLASSES, str(path.absolute()), sha256)


def load_cifar10(
    source: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
    progress: bool = True,
    use_cache: bool = True,
    workers: int | None = None,
) -> CifarData:
    """Load CIFAR-10 as ``uint8`` arrays.

    Args:
        source: archive, batches directory, image folder or image-folder archive;
            ``None``: ``$AELAB_DATA``, else ``<cache>/cifar-10-python.tar.gz``.
        cache_dir: cache directory; ``None``: ``$AELAB_CACHE``, else ``~/.cache/aelab``.
        download: download the official archive when the default source is absent.
        progress: show progress bars (download, image decoding).
        (The default archive's MD5 is checked before it is decoded; explicit sources
        are not checked against published values: ``aelab data verify`` does that.)
        use_cache: read/write decoded arrays in ``<cache>/arrays/`` (second load ~0.1 s).
        workers: processes for decoding image folders (``None``: up to 4).

    Returns:
        :class:`CifarData` with ``x_train (50000, 32, 32, 3) uint8``, ``y_train (50000,)
        int64``, ``x_test (10000, 32, 32, 3) uint8``, ``y_test (10000,) int64``,
        ``class_names`` (official order), ``source`` and ``sha256`` of the source file.

    Raises:
        DataError (a ValueError): missing/corrupt/malformed source, wrong checksum;
            the message names the file and the fix.
    """
    path = config.data_source(source)
    if path is None:
        path = default_source(cache_dir)
        if not path.exists():
            if not download:
                raise DataError(
                    f"{describe(path)}: CIFAR-10 is not downloaded; run `aelab data fetch`, "
                    "or pass a local copy (--data / AELAB_DATA / source=...)"
                )
            from .download import fetch_official

            fetch_official(path, progress=progress)
        verify = True
    else:
        verify = False
    kind = detect_kind(path)
    if not use_cache:
        return read_source(path, kind, workers=workers, verify_official=verify,
                           progress=progress)
    cached_at = cache.cache_path(config.cache_dir(cache_dir), "cifar10",
                                 cache.source_fingerprint(path, kind))
    data = cache.load(cached_at)
    if data is None:
        data = read_source(path, kind, workers=workers, verify_official=verify,
                           progress=progress)
        try:
            cache.save(data, cached_at)
        except OSError as exc:
            # An unwritable cache costs speed next time, not correctness now.
            import warnings

            warnings.warn(f"could not cache decoded CIFAR-10 at {cached_at}: {exc}", stacklevel=2)
    return data
