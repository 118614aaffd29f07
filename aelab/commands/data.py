"""``aelab data {fetch,info,verify}``: get, inspect and check the dataset.

Exit codes: 0 success; 1 a check failed (``verify`` mismatch) or a download
failed; 2 bad input (missing or malformed source), with a message saying what to do.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from .. import config

_DATA_HELP = ("CIFAR-10 source: cifar-10-python.tar.gz, a cifar-10-batches-py/ dir, an image "
              "folder or a .tar.gz of one; default $AELAB_DATA, else the official archive in the cache")
_CACHE_HELP = "cache directory (downloads, decoded arrays); default $AELAB_CACHE or ~/.cache/aelab"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "data",
        help="fetch, inspect and verify the CIFAR-10 data (and Fashion-MNIST)",
        description="Download, decode and cache CIFAR-10; show what is loaded; verify checksums.",
    )
    sub = parser.add_subparsers(dest="data_command", metavar="SUBCOMMAND", required=True)

    fetch = sub.add_parser(
        "fetch", help="download (official archive) or decode a local source, and cache the arrays",
        description="Without --data/$AELAB_DATA: download cifar-10-python.tar.gz into the cache "
                    "(resuming a broken download, MD5-checked). Then decode the source once and "
                    "cache the arrays so later loads are fast.")
    info = sub.add_parser(
        "info", help="shapes, dtypes, class counts, source, checksum and cache location",
        description="Load the dataset (from the cache when possible; never downloads) and describe it.")
    info.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    info.add_argument("--dataset", choices=("cifar10", "fashion-mnist"), default="cifar10",
                      help="which dataset (fashion-mnist: --data is the IDX directory, default "
                           "/usr/share/datasets/fashion-mnist)")
    verify = sub.add_parser(
        "verify", help="check the source's checksum (exit 1 on mismatch) and the cached arrays",
        description="Compare the source file's checksum with --md5/--sha256, else with the published "
                    "value for known files (cifar-10-python.tar.gz, cifar10-jpeg.tar.gz). A directory "
                    "source is decoded and the SHA-256 of its arrays compared with --sha256 if given. "
                    "Exit 0 when everything checked matches, 1 on any mismatch.")
    verify.add_argument("--md5", default=None, help="expected MD5 of the source file")
    verify.add_argument("--sha256", default=None,
                        help="expected SHA-256 of the source file (of the arrays, for a directory)")
    for command in (fetch, info, verify):
        command.add_argument("--data", default=None, help=_DATA_HELP)
        command.add_argument("--cache", default=None, help=_CACHE_HELP)
        command.add_argument("--no-progress", action="store_true", help="hide progress bars")
    fetch.set_defaults(func=_fetch)
    info.set_defaults(func=_info)
    verify.set_defaults(func=_verify)


def _fetch(args) -> int:
    from ..data import load_cifar10
    from ..data.download import DownloadError

    try:
        data = load_cifar10(args.data, cache_dir=args.cache, download=True,
                            progress=not args.no_progress)
    except DownloadError as exc:
        print(f"aelab data fetch: error: {exc}", file=sys.stderr)
        return 1
    print(f"ready: {data.source}")
    print(f"  train {data.x_train.shape} {data.x_train.dtype}, test {data.x_test.shape} {data.x_test.dtype}")
    print(f"  sha256 {data.sha256 or '(directory source)'}")
    print(f"  cache  {config.cache_dir(args.cache) / 'arrays'}")
    return 0


def _cache_file(args) -> Path | None:
    from ..data import cache, loader

    path = config.data_source(args.data) or loader.default_source(args.cache)
    if not path.exists():
        return None
    kind = loader.detect_kind(path)
    found = cache.cache_path(config.cache_dir(args.cache), "cifar10", cache.source_fingerprint(path, kind))
    return found if found.exists() else None


def _info(args) -> int:
    if args.dataset == "fashion-mnist":
        from ..data import load_fashion_mnist

        data = load_fashion_mnist(args.data)
        cached = None
    else:
        from ..data import load_cifar10

        data = load_cifar10(args.data, cache_dir=args.cache, download=False,
                            progress=not args.no_progress)
        cached = _cache_file(args)
    summary = data.summary() | {"cache_file": str(cached) if cached else None,
                                "cache_dir": str(config.cache_dir(args.cache))}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"source      {summary['source']}")
    print(f"sha256      {summary['sha256'] or '(directory source: no file checksum)'}")
    print(f"cache       {summary['cache_file'] or '(not cached)'}")
    for split in ("train", "test"):
        print(f"{split:<11} x {tuple(summary[f'x_shape_{split}'])} {summary[f'x_dtype_{split}']}, "
              f"y {summary[f'y_dtype_{split}']}")
    width = max(len(name) for name in data.class_names)
    print(f"{'class':<{width + 4}}  train   test")
    for i, name in enumerate(data.class_names):
        print(f"{i:>2}  {name:<{width}}  {summary['class_counts_train'][i]:>5}  "
              f"{summary['class_counts_test'][i]:>5}")
    return 0


def _verify(args) -> int:
    from ..data import cache, loader
    from ..data.checksums import arrays_sha256, file_digest
    from ..data.download import PUBLISHED_CHECKSUMS

    path = config.data_source(args.data) or loader.default_source(args.cache)
    if not path.exists():
        raise ValueError(f"{path}: no such source; run `aelab data fetch` or pass --data")
    failures = 0
    if path.is_dir():
        data = loader.read_source(path, progress=not args.no_progress)
        digest = arrays_sha256(data.x_train, data.y_train, data.x_test, data.y_test)
        print(f"arrays sha256 {digest} (decoded {path})")
        expected = [("sha256", args.sha256)] if args.sha256 else []
        actual = {"sha256": digest}
    else:
        expected = [(name, value) for name, value in (("md5", args.md5), ("sha256", args.sha256)) if value]
        if not expected and path.name in PUBLISHED_CHECKSUMS:
            expected = [PUBLISHED_CHECKSUMS[path.name]]
        actual = {"md5": file_digest(path, "md5"), "sha256": file_digest(path, "sha256")}
        print(f"file   {path}\nmd5    {actual['md5']}\nsha256 {actual['sha256']}")
    for algorithm, value in expected:
        if actual[algorithm] == value.strip().lower():
            print(f"OK     {algorithm} matches {value}")
        else:
            failures += 1
            print(f"MISMATCH {algorithm}: expected {value}, got {actual[algorithm]}; the copy is corrupt "
                  "or a different file: fetch/copy it again")
    if not expected:
        print("note   no published checksum for this source; pass --md5/--sha256 to compare")
    cached = _cache_file(args)
    if cached is not None:
        data = cache.load(cached)
        if data is None:
            failures += 1
            print(f"MISMATCH cache {cached} is unreadable (deleted; it is rebuilt on the next load)")
        elif path.is_file() and data.sha256 != actual["sha256"]:
            failures += 1
            shutil.rmtree(cached, ignore_errors=True)
            print(f"MISMATCH cache {cached} was built from another file (deleted; rebuilt on next load)")
        else:
            print(f"OK     cache {cached}")
    return 1 if failures else 0
