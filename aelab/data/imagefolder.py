"""Read an image-folder dataset: ``train/<class>/*`` and ``test/<class>/*`` (PNG or JPEG).

The tree may be a directory or a ``.tar``/``.tar.gz``/``.tgz`` archive of one, and may
sit under one top folder (``cifar10-jpeg/train/airplane/0000.jpg``). Archives are
read member by member in one streaming pass, never extracted, so a hostile archive
cannot write anywhere; links, devices and absurd sizes are refused anyway.

Images come back in file order: split, then class (label order), then file name
in natural order (``2.png`` before ``10.png``). :func:`aelab.data.load_cifar10`
then applies a fixed permutation (see there).
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from . import tarstream
from .checksums import describe
from .errors import DataError

SPLITS = ("train", "test")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# Guards against decompression bombs: a CIFAR image is ~1-3 KB.
MAX_MEMBER_BYTES = 16 << 20
MAX_TOTAL_BYTES = 4 << 30
# Below this many images a worker pool costs more than it saves.
PARALLEL_MIN_IMAGES = 20_000
_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")

_FIX_LAYOUT = (
    "expected train/<class>/<image> and test/<class>/<image> (optionally under one top "
    "folder), with one folder per class"
)


def is_archive(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(suffix) for suffix in _ARCHIVE_SUFFIXES)


def default_workers() -> int:
    """Decoding processes worth starting now: idle cores (cores minus load), 1 to 4.

    Forked workers only help when cores are free: on a busy machine they measured
    slower than one process. With TensorFlow imported, forking is unsafe (its
    threads may hold locks) and spawning would re-run the user's script, so
    decoding stays in this process.
    """
    if "tensorflow" in sys.modules or "fork" not in mp.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    idle = cores - os.getloadavg()[0]
    return max(1, min(4, int(idle)))


def _natural_key(name: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _split_member(parts: Sequence[str]) -> tuple[str, str, str] | None:
    """``(split, class, file)`` from a path's parts, or ``None`` if it is not an image entry."""
    if len(parts) < 3 or parts[-1].startswith("."):
        return None  # hidden files (.DS_Store, ._foo.jpg) are not data
    return parts[-3], parts[-2], parts[-1]


def _collect(entries: Iterable[tuple[tuple[str, ...], object]], source: Path):
    """Group ``(parts, payload)`` entries into ``{split: {class: [(name, payload)]}}``.

    ``parts`` are the path components below the archive/directory root.
    """
    tree: dict[str, dict[str, list]] = {}
    prefix: tuple[str, ...] | None = None
    for parts, payload in entries:
        found = _split_member(parts)
        if found is None:
            continue
        split, label, name = found
        if split not in SPLITS:
            raise DataError(f"{describe(source)}: unexpected entry {'/'.join(parts)!r}; {_FIX_LAYOUT}")
        top = tuple(parts[:-3])
        if prefix is None:
            prefix = top
        elif top != prefix:
            raise DataError(
                f"{describe(source)}: entries under two different roots "
                f"({'/'.join(prefix) or '.'} and {'/'.join(top) or '.'}); {_FIX_LAYOUT}"
            )
        if not name.lower().endswith(IMAGE_SUFFIXES):
            raise DataError(
                f"{describe(source)}: {'/'.join(parts)!r} is not a .png/.jpg/.jpeg image; "
                "remove it from the class folder"
            )
        tree.setdefault(split, {}).setdefault(label, []).append((name, payload))
    return tree, prefix or ()


def _check_classes(tree, source: Path, expected: Sequence[str] | None) -> tuple[str, ...]:
    for split in SPLITS:
        if split not in tree:
            raise DataError(f"{describe(source)}: no {split}/ images found; {_FIX_LAYOUT}")
    train, test = set(tree["train"]), set(tree["test"])
    wanted = set(expected) if expected is not None else train | test
    for split, found in (("train", train), ("test", test)):
        missing, extra = sorted(wanted - found), sorted(found - wanted)
        if missing or extra:
            details = []
            if missing:
                details.append(f"missing class folders {missing}")
            if extra:
                details.append(f"unexpected folders {extra}")
            raise DataError(
                f"{describe(source)}: {split}/ has {' and '.join(details)}; "
                f"expected exactly {sorted(wanted)} (add or remove folders to match)"
            )
    return tuple(expected) if expected is not None else tuple(sorted(wanted))


def _iter_directory(root: Path) -> Iterator[tuple[tuple[str, ...], Path]]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = Path(dirpath).relative_to(root).parts
        for filename in filenames:
            path = Path(dirpath, filename)
            if path.is_symlink() or not path.is_file():
                raise DataError(f"{describe(path)}: not a regular file; replace the link with the image")
            yield (*rel, filename), path


def _iter_archive(path: Path, bar=None) -> Iterator[tuple[tuple[str, ...], bytes]]:
    # Looked up at call time so that tests can lower the limits.
    return tarstream.iter_files(path, max_member_bytes=MAX_MEMBER_BYTES,
                                max_total_bytes=MAX_TOTAL_BYTES, bar=bar)


def decode_images(payloads: Sequence[bytes | Path], names: Sequence[str],
                  image_shape: tuple[int, int, int], workers: int = 1,
                  positions: np.ndarray | None = None, progress=None) -> np.ndarray:
    """Decode encoded images (bytes or file paths) into one ``(n, H, W, C) uint8`` array.

    ``names`` label each payload in error messages. Image ``i`` lands at row
    ``positions[i]`` (default ``i``): writing straight into a permuted order
    avoids a second full-size copy. ``workers > 1`` decodes in that many
    processes (contiguous chunks), which pays off for tens of thousands of images
    when cores are free. ``progress``: a tqdm bar to advance by the number decoded.
    """
    out = np.empty((len(payloads), *image_shape), dtype=np.uint8)
    if positions is None:
        positions = np.arange(len(payloads))
    if workers <= 1 or len(payloads) < PARALLEL_MIN_IMAGES:
        step = 2000  # decode in slices so the progress bar moves
        for lo in range(0, len(payloads), step):
            hi = min(lo + step, len(payloads))
            _decode_into(out, payloads[lo:hi], names[lo:hi], image_shape, positions[lo:hi])
            if isinstance(payloads, list):
                # Drop decoded bytes now: keeps peak memory near the output array.
                payloads[lo:hi] = [None] * (hi - lo)
            if progress is not None:
                progress.update(hi - lo)
        return out
    # Small chunks (~2,000 images, 6 MB of pixels): results waiting to be copied stay small.
    bounds = np.linspace(0, len(payloads), max(workers * 4, len(payloads) // 2000) + 1).astype(int)
    global _FORKED_WORK
    # Forked workers inherit the payloads from this global instead of receiving
    # pickled copies (that copy of every image's bytes cost ~60 MB of peak memory).
    _FORKED_WORK = (payloads, names, image_shape)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
            futures = [(lo, pool.submit(_decode_forked_chunk, lo, hi))
                       for lo, hi in zip(bounds[:-1], bounds[1:], strict=True) if hi > lo]
            while futures:
                # Pop each future: a finished future keeps its chunk alive otherwise.
                lo, future = futures.pop(0)
                chunk = future.result()
                del future
                out[positions[lo:lo + len(chunk)]] = chunk
                if isinstance(payloads, list):
                    payloads[lo:lo + len(chunk)] = [None] * len(chunk)  # workers have their copy
                if progress is not None:
                    progress.update(len(chunk))
                del chunk
    finally:
        _FORKED_WORK = None
    return out


_FORKED_WORK = None


def _decode_forked_chunk(lo: int, hi: int) -> np.ndarray:
    payloads, names, image_shape = _FORKED_WORK
    return _decode_chunk(payloads[lo:hi], names[lo:hi], image_shape)


def _decode_chunk(payloads, names, image_shape) -> np.ndarray:
    out = np.empty((len(payloads), *image_shape), dtype=np.uint8)
    _decode_into(out, payloads, names, image_shape, np.arange(len(payloads)))
    return out


def _decode_into(out: np.ndarray, payloads, names, image_shape, positions) -> None:
    height, width, channels = image_shape
    mode = {1: "L", 3: "RGB"}[channels]
    for i, payload, name in zip(positions, payloads, names, strict=True):
        try:
            stream = payload if isinstance(payload, Path) else io.BytesIO(payload)
            # formats=... skips probing every other PIL plugin (about 20% faster).
            with Image.open(stream, formats=("PNG", "JPEG")) as image:
                if image.size != (width, height) or image.mode != mode:
                    raise DataError(
                        f"{name}: image is {image.size[0]}x{image.size[1]} {image.mode}, expected "
                        f"{width}x{height} {mode}; convert it (e.g. PIL: "
                        f"image.convert({mode!r}).resize(({width}, {height})))"
                    )
                image.load()
                out[i] = np.frombuffer(image.tobytes(), dtype=np.uint8).reshape(image_shape)
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise DataError(f"{name}: not a readable PNG/JPEG image ({exc}); replace the file") from exc


def read_image_folder(source: str | os.PathLike, *, class_names: Sequence[str] | None = None,
                      image_shape: tuple[int, int, int] = (32, 32, 3), workers: int | None = None,
                      mix_seed: int | None = None, progress: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Decode an image-folder tree (directory or tar archive) into arrays, in file order.

    Args:
        source: directory or ``.tar``/``.tar.gz``/``.tgz`` file.
        class_names: the exact class folders expected, in label order; ``None``
            accepts any set of folders (labels = sorted folder names).
        image_shape: ``(H, W, C)`` every image must have (C = 3: RGB, 1: grayscale).
        workers: decoding processes; ``None``: :func:`default_workers`.
        mix_seed: ``None`` keeps file order; an int puts each split in the order of
            ``np.random.default_rng(mix_seed).permutation(n)`` applied as
            ``x[perm[i]] = image i`` (so that slices are class-mixed, like the
            official batches).
        progress: show a tqdm bar while decoding.

    Returns:
        ``x_train (n, H, W, C) uint8, y_train (n,) int64, x_test, y_test, class_names``.

    Raises:
        DataError: wrong layout, missing/extra class folders, a bad image or a
            corrupt archive; the message names the file and the fix.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise DataError(f"{describe(path)}: no such file or directory; check the path")
    if workers is None:
        workers = default_workers()
    from tqdm.auto import tqdm

    if path.is_dir():
        tree, top = _collect(_iter_directory(path), path)
        where = f"{describe(path)}/"
    else:
        with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, unit_divisor=1024,
                  desc=f"reading {path.name}", disable=not progress, leave=False) as bar:
            tree, top = _collect(_iter_archive(path, bar), path)
        where = f"{describe(path)}:"
    where += "".join(f"{part}/" for part in top)
    names = _check_classes(tree, path, class_names)
    total = sum(len(files) for split in SPLITS for files in tree[split].values())
    bar = tqdm(total=total, unit="img", desc=f"decoding {path.name}", disable=not progress,
               leave=False)
    with bar:
        return _decode_tree(tree, where, names, image_shape, workers, mix_seed, bar)


class _Names(Sequence):
    """``where/split/class/file`` for each image, formatted only when an error needs one
    (60,000 ready-made strings would cost memory on every load)."""

    def __init__(self, prefix: str, class_names, labels: np.ndarray, files: list[str]):
        self.prefix, self.class_names, self.labels, self.files = prefix, class_names, labels, files

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return _Names(self.prefix, self.class_names, self.labels[index], self.files[index])
        return f"{self.prefix}{self.class_names[self.labels[index]]}/{self.files[index]}"


def _decode_tree(tree, where: str, names, image_shape, workers, mix_seed, bar):
    """Decode ``tree`` (see :func:`_collect`) split by split, emptying it as it goes."""
    arrays = []
    for split in SPLITS:
        payloads, files, labels = [], [], []
        for label, class_name in enumerate(names):
            entries = sorted(tree[split].pop(class_name), key=lambda item: _natural_key(item[0]))
            files += [file_name for file_name, _ in entries]
            payloads += [payload for _, payload in entries]
            labels.append(np.full(len(entries), label, dtype=np.int64))
            del entries  # the payload list is now the only holder of the bytes
        labels = np.concatenate(labels)
        file_labels = labels.copy()
        positions = None
        if mix_seed is not None:
            positions = np.random.default_rng(mix_seed).permutation(len(labels))
            labels[positions] = file_labels
        label_names = _Names(f"{where}{split}/", names, file_labels, files)
        arrays.append(decode_images(payloads, label_names, image_shape, workers, positions, bar))
        arrays.append(labels)
        del payloads
    return (*arrays, names)
