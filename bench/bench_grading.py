"""Grading throughput: submissions per minute with 1 and 2 local workers.

Rows:
- ``toy``: the toy course (:mod:`aelab.grading.toy`, no TensorFlow): measures the
  grader's own overhead (sandboxes, kernel start, clean-process checks).
- ``all three``: one submission = the reference notebooks of every real
  assignment (ex08, ex09, ex10) graded in the quick profile on ``$AELAB_DATA``;
  target: one submission graded in at most 90 s on the 2-core machine. Needs
  the solutions, calibrated ``autograde/thresholds.json`` and ``AELAB_DATA``.

Run: ``python -m bench grading`` (``AELAB_BENCH_GRADING_N`` toy submissions, default 4).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from aelab import config
from aelab.grading.calibrate import calibrate
from aelab.grading.course import Course
from aelab.grading.grader import run_grading
from aelab.grading.job import Settings
from aelab.grading.release import release
from aelab.grading.toy import write_toy_course
from aelab.grading.warm import prewarm

TARGET_S = 90.0


def _timed(course, subs, out, settings, workers) -> tuple[float, list[dict]]:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    results = run_grading(course, subs, out, settings=settings, workers=workers, progress=False)
    return time.perf_counter() - start, results


def _toy_rows(tmp: Path, n: int) -> list[dict]:
    course = write_toy_course(tmp / "toy")
    release(course)
    settings = Settings()
    calibrate(course, settings=settings, out_dir=tmp / "cal", verify=False, log=lambda *_: None)
    subs = tmp / "toy-subs"
    subs.mkdir()
    for i in range(n):
        shutil.copy(course.source_notebook("toy"), subs / f"student{i:03d}.ipynb")
    rows = []
    for workers in (1, 2):
        wall, results = _timed(course, subs, tmp / f"toy-out-{workers}", settings, workers)
        rows.append({"case": "toy", "workers": workers, "submissions": n, "wall_s": round(wall, 1),
                     "per_minute": round(60 * n / wall, 2),
                     "all_full_marks": all(r["score"] == r["max_score"] for r in results)})
    return rows


def _real_rows(tmp: Path) -> list[dict]:
    course = Course.default()
    names = course.assignment_names()
    data = config.data_source()
    if not names or data is None or not course.thresholds_path.is_file():
        return [{"case": "all three", "note": "skipped: needs solutions/, AELAB_DATA and "
                 "autograde/thresholds.json (aelab calibrate)"}]
    cache = prewarm(data, "quick")
    settings = Settings(data=str(data), cache=str(cache))
    rows = []
    for workers, students in ((1, 1), (2, 2)):
        subs = tmp / f"real-subs-{workers}"
        for i in range(students):
            for name in names:
                target = subs / f"student{i}" / name
                target.mkdir(parents=True)
                shutil.copy(course.source_notebook(name), target)
        wall, results = _timed(course, subs, tmp / f"real-out-{workers}", settings, workers)
        rows.append({
            "case": f"all three ({'+'.join(names)})", "workers": workers, "submissions": students,
            "wall_s": round(wall, 1), "per_minute": round(60 * students / wall, 3),
            "target_s_per_submission": TARGET_S if workers == 1 else None,
            "met": (wall <= TARGET_S) if workers == 1 else None,
            "all_full_marks": all(r["score"] == r["max_score"] for r in results),
            "statuses": ",".join(sorted({r["status"] for r in results})),
        })
    return rows


def run() -> list[dict]:
    n = int(os.environ.get("AELAB_BENCH_GRADING_N", "4"))
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        return _toy_rows(tmp, n) + _real_rows(tmp)
