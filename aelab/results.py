"""JSON results files with provenance, shared by every experiment.

A results file records what was measured *and* how: profile, data source (with
its checksum), seeds, library versions, device and wall-clock time. The book's
results page, the autograder's threshold calibration and ``bench/`` read these
files, so their layout is the contract between them::

    {
      "exercise": "ex08",
      "profile": "quick",
      "metrics": {...},          # numbers only, nested dicts allowed
      "provenance": {
        "data_source": "...", "data_sha256": "...", "seeds": [...],
        "versions": {...}, "device": "CPU", "runtime_s": 12.3,
        "started_utc": "...", "host_cpus": 2
      }
    }
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from . import config

_SHA_CACHE: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | os.PathLike) -> str | None:
    """sha256 of a file (memoised on path, size and mtime); ``None`` for directories."""
    path = Path(path)
    if not path.is_file():
        return None
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _SHA_CACHE:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        _SHA_CACHE[key] = digest.hexdigest()
    return _SHA_CACHE[key]


def environment_info() -> dict:
    """Library versions and the compute device, for provenance."""
    import numpy as np

    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
    }
    try:
        import keras
        import tensorflow as tf

        info["tensorflow"] = tf.__version__
        info["keras"] = keras.__version__
        gpus = tf.config.list_physical_devices("GPU")
        info["device"] = f"GPU x{len(gpus)}" if gpus else "CPU"
    except ImportError:  # pragma: no cover - TensorFlow is a hard dependency
        info["device"] = "unknown"
    return info


def _jsonable(value):
    """Convert numpy scalars/arrays and paths into plain JSON values."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and value != value:  # NaN is not valid JSON
        return None
    return value


def write_results(
    exercise: str,
    metrics: dict,
    *,
    profile: config.Profile | str,
    data_source: str | os.PathLike | None,
    seeds: list[int] | tuple[int, ...],
    runtime_s: float,
    out_dir: str | os.PathLike | None = None,
    extra: dict | None = None,
) -> Path:
    """Write ``<out_dir>/<exercise>-<profile>.json`` atomically and return its path."""
    profile_name = profile.name if isinstance(profile, config.Profile) else str(profile)
    out = config.results_dir(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "exercise": exercise,
        "profile": profile_name,
        "metrics": metrics,
        "provenance": {
            "data_source": str(data_source) if data_source else "default cache",
            "data_sha256": file_sha256(data_source) if data_source else None,
            "seeds": list(seeds),
            "runtime_s": round(float(runtime_s), 2),
            "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "host_cpus": os.cpu_count(),
            **environment_info(),
        },
    }
    if extra:
        payload.update(extra)
    target = out / f"{exercise}-{profile_name}.json"
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(_jsonable(payload), indent=2, sort_keys=False) + "\n")
    os.replace(tmp, target)
    return target


def read_results(exercise: str, profile: str, out_dir: str | os.PathLike | None = None) -> dict:
    """Read a results file written by :func:`write_results`."""
    path = config.results_dir(out_dir) / f"{exercise}-{profile}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"no results at {path}: run `aelab run {exercise} --profile {profile}` first"
        )
    return json.loads(path.read_text())


@contextmanager
def stopwatch():
    """Context manager yielding a dict whose ``seconds`` is set on exit."""
    box = {"seconds": 0.0}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start
