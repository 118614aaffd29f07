"""Data-layer speed and memory on the real CIFAR-10 (``$AELAB_DATA``).

Rows (each measured in a fresh subprocess, so peak RSS is that step's alone):

- ``pickles vectorised``: the official batches format (a full 60,000-image
  ``cifar-10-batches-py/`` written from the real data into a temporary folder)
  read by :func:`aelab.data.batches.read_batches_dir`.
- ``pickles naive loop``: the same files, the same unpickler, but the common
  per-row ``images.append(row.reshape(3, 32, 32).transpose(1, 2, 0))`` loop.
  The ratio of the two is reported from the same run.
- ``rows->images only``: just the conversion of the 60,000 rows already in
  memory, vectorised vs the per-row loop (the part vectorising changes).
- ``image folder first load``: ``load_cifar10($AELAB_DATA)`` into an empty cache
  (streams the archive, decodes every image, writes the cache), serially and with
  2 worker processes.
- ``image folder cached load``: the same call again (reads the cache).

Fast cases run three times and report their least disturbed run (lowest CPU
time); ``wall_s``/``cpu_s`` time the load call only (not interpreter start or imports);
speed targets are judged on ``cpu_s`` because the cores may be shared (the load
average is printed with the parallel row).
``peak_rss_mb`` is ``ru_maxrss`` of the subprocess, ``over_base_mb`` the same minus
the RSS just before the load (imports), i.e. what loading itself added. The
uint8 arrays are 184.3 MB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARRAYS_MB = (60000 * 32 * 32 * 3) / 1e6
# Targets from the project's issue 2.
PICKLES_MAX_S = 1.0  # "well under a second"
PEAK_OVER_ARRAYS_MAX = 1.5  # "peak close to the uint8 arrays": at most 1.5x their size on top of imports
# Fast cases run this many times (fresh processes), keeping the least disturbed run.
REPEATS = 3


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _naive_read(directory: Path):
    """The per-row loop the vectorised reader replaces (for comparison only)."""
    import numpy as np

    from aelab.data.batches import TEST_BATCH, TRAIN_BATCHES, batch_arrays, load_batch_pickle

    out = []
    for names in (TRAIN_BATCHES, (TEST_BATCH,)):
        images, labels = [], []
        for name in names:
            with open(directory / name, "rb") as stream:
                data, batch_labels = batch_arrays(load_batch_pickle(stream, name), name)
            for row, label in zip(data, batch_labels, strict=True):
                images.append(row.reshape(3, 32, 32).transpose(1, 2, 0))
                labels.append(label)
        out += [np.array(images, dtype=np.uint8), np.array(labels, dtype=np.int64)]
    return out


def _child(case: str, source: str, cache: str) -> dict:
    """Run one case in this (fresh) process; return timing and memory."""
    from aelab.data import load_cifar10
    from aelab.data.batches import read_batches_dir

    if case == "setup":
        # Full-size official-format batches from the real images (pickles keep
        # every pixel, so both readers see exactly the real data).
        from aelab.data.fixtures import write_cifar_batches

        real = load_cifar10(source, cache_dir=cache, progress=False)
        write_cifar_batches(Path(cache) / "cifar-10-batches-py", real.x_train, real.y_train,
                            real.x_test, real.y_test)
        return {}
    if case.startswith("rows-"):
        return _child_rows(case, Path(source))
    base = _rss_mb()
    cpu = _cpu_s()
    started = time.perf_counter()
    if case == "vectorised":
        x_train = read_batches_dir(source)[0]
    elif case == "naive":
        x_train = _naive_read(Path(source))[0]
    elif case.startswith("folder"):
        workers = int(case.removeprefix("folder-"))
        x_train = load_cifar10(source, cache_dir=cache, progress=False, workers=workers).x_train
    else:
        raise ValueError(f"unknown case {case!r}")
    elapsed = time.perf_counter() - started
    cpu = _cpu_s() - cpu
    assert x_train.shape == (50000, 32, 32, 3)
    # ru_maxrss survives exec, so it also covers the parent's RSS at fork time; the
    # parent (run()) keeps no data for that reason. VmHWM (this process image only)
    # is recorded as a cross-check.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    return {"load_s": elapsed, "cpu_s": cpu, "peak_rss_mb": peak, "base_rss_mb": base,
            "hwm_mb": _status_mb("VmHWM")}


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (the decode workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _child_rows(case: str, directory: Path) -> dict:
    """Time only the rows -> images conversion of all 60,000 rows (already in memory)."""
    import numpy as np

    from aelab.data.batches import (
        TEST_BATCH,
        TRAIN_BATCHES,
        batch_arrays,
        load_batch_pickle,
        rows_to_images,
    )

    rows = []
    for name in (*TRAIN_BATCHES, TEST_BATCH):
        with open(directory / name, "rb") as stream:
            rows.append(batch_arrays(load_batch_pickle(stream, name), name)[0])
    rows = np.concatenate(rows)
    base = _rss_mb()
    cpu = _cpu_s()
    started = time.perf_counter()
    if case == "rows-vectorised":
        images = rows_to_images(rows)
    else:
        images = np.array([row.reshape(3, 32, 32).transpose(1, 2, 0) for row in rows], dtype=np.uint8)
    elapsed = time.perf_counter() - started
    assert images.shape == (60000, 32, 32, 3)
    return {"load_s": elapsed, "cpu_s": _cpu_s() - cpu, "base_rss_mb": base,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "hwm_mb": _status_mb("VmHWM")}


def _measure(case: str, source: Path, cache: Path, repeats: int = 1) -> dict:
    """Run ``case`` in ``repeats`` fresh subprocesses; keep the fastest (least disturbed) run."""
    runs = []
    for _ in range(repeats):
        result = subprocess.run(
            [sys.executable, "-m", "bench.bench_data", case, str(source), str(cache)],
            cwd=ROOT, capture_output=True, text=True, check=False, timeout=900,
        )
        if result.returncode != 0 or not result.stdout.strip():
            raise RuntimeError(f"bench case {case} failed:\n{result.stderr[-3000:]}")
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return min(runs, key=lambda run: run.get("cpu_s", 0))


def _row(step: str, measured: dict, *, target_s: float | None = None, note: str = "",
         memory_target: bool = True) -> dict:
    over = measured["peak_rss_mb"] - measured["base_rss_mb"]
    met_memory = not memory_target or over <= PEAK_OVER_ARRAYS_MAX * ARRAYS_MB
    # Speed targets are judged on CPU time: this machine's cores are shared, and
    # wall time there measures the neighbours as much as the code.
    met_speed = target_s is None or measured["cpu_s"] <= target_s
    return {
        "step": step,
        "wall_s": round(measured["load_s"], 3),
        "cpu_s": round(measured["cpu_s"], 3),
        "target_cpu_s": None if target_s is None else round(target_s, 3),
        "peak_rss_mb": round(measured["peak_rss_mb"], 1),
        "over_base_mb": round(over, 1),
        "vm_hwm_mb": round(measured["hwm_mb"], 1),
        "mem_target_mb": round(PEAK_OVER_ARRAYS_MAX * ARRAYS_MB, 1) if memory_target else None,
        "met": met_memory and met_speed,
        "note": note,
    }


def run() -> list[dict]:
    source = os.environ.get("AELAB_DATA")
    if not source:
        raise RuntimeError("set AELAB_DATA to a CIFAR-10 source (e.g. "
                           "/work/shared/data/cifar10-jpeg.tar.gz) to run the data benchmark")
    rows = []
    with tempfile.TemporaryDirectory(prefix="aelab-bench-") as tmp:
        tmp = Path(tmp)
        # In a subprocess too: this process must stay small (see _child).
        _measure("setup", Path(source), tmp)
        batches = tmp / "cifar-10-batches-py"
        fast = _measure("vectorised", batches, tmp / "unused", REPEATS)
        naive = _measure("naive", batches, tmp / "unused", REPEATS)
        rows.append(_row("pickles vectorised", fast, target_s=PICKLES_MAX_S))
        rows.append(_row("pickles naive loop", naive,
                         note=f"{naive['cpu_s'] / fast['cpu_s']:.1f}x the CPU time of vectorised"))
        rows_fast = _measure("rows-vectorised", batches, tmp / "unused", REPEATS)
        rows_naive = _measure("rows-naive", batches, tmp / "unused", REPEATS)
        rows.append(_row("rows->images only, vectorised", rows_fast, memory_target=False))
        rows.append(_row("rows->images only, naive loop", rows_naive, memory_target=False,
                         note=f"{rows_naive['cpu_s'] / rows_fast['cpu_s']:.1f}x the CPU time of vectorised"))
        serial = _measure("folder-1", Path(source), tmp / "cache-serial")
        rows.append(_row("image folder first load, 1 process", serial))
        if (os.cpu_count() or 1) >= 2:
            parallel = _measure("folder-2", Path(source), tmp / "cache-parallel")
            rows.append(_row("image folder first load, 2 processes", parallel,
                             note=f"wall-clock speed-up vs 1 process: {serial['load_s'] / parallel['load_s']:.2f}x "
                                  f"(load average {os.getloadavg()[0]:.1f})"))
        cached = _measure("folder-1", Path(source), tmp / "cache-serial", REPEATS)
        rows.append(_row("image folder cached load", cached, target_s=fast["cpu_s"] * 1.5,
                         note=f"{serial['cpu_s'] / cached['cpu_s']:.0f}x less CPU than first load; "
                              "target: within 1.5x of the pickles"))
    return rows


if __name__ == "__main__":
    print(json.dumps(_child(*sys.argv[1:4])))
