"""Build the toy course once per session and write submissions that attack it."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

import nbformat

from aelab.grading import release
from aelab.grading.calibrate import calibrate
from aelab.grading.course import Course, nbgrader_meta
from aelab.grading.job import Settings
from aelab.grading.toy import FIT_CELL, SCALE_CELL, write_toy_course

# Short limits keep the fault tests (infinite loops) quick.
FAST = Settings(memory_gb=2.0, cell_timeout_s=15, notebook_timeout_s=120, extract_timeout_s=20,
                checks_timeout_s=120)


_SHARED: list[Course] = []


def shared_toy_course() -> Course:
    """One released, calibrated toy course per test process (building it costs ~20 s)."""
    if not _SHARED:
        root = Path(tempfile.mkdtemp(prefix="aelab-toy-course-"))
        atexit.register(shutil.rmtree, root, True)
        _SHARED.append(build_toy_course(root))
    return _SHARED[0]


def build_toy_course(root: Path) -> Course:
    course = write_toy_course(root)
    release.release(course)
    calibrate(course, settings=FAST, out_dir=root / "calibration", verify=False, log=lambda *_: None)
    return course


def submission(course: Course, *, scale: str | None = None, fit: str | None = None,
               edit=None) -> nbformat.NotebookNode:
    """The release notebook with the given solution sources (None: untouched stub)."""
    nb = nbformat.read(course.release_notebook("toy"), 4)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id == "toy-scale" and scale is not None:
            cell.source = scale
        if grade_id == "toy-fit" and fit is not None:
            cell.source = fit
    if edit:
        edit(nb)
    return nb


def honest(course: Course, **overrides) -> nbformat.NotebookNode:
    sources = {"scale": SCALE_CELL, "fit": FIT_CELL, **overrides}
    return submission(course, **sources)


def write(folder: Path, student: str, nb) -> Path:
    """Write ``<student>.ipynb`` (``nb`` may be raw text for malformed files)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{student}.ipynb"
    path.write_text(nb if isinstance(nb, str) else nbformat.writes(nb))
    return path


def part_points(result: dict) -> dict[str, float]:
    return {gid: part["points"] for gid, part in result["parts"].items()}


def dump(result: dict) -> str:
    return json.dumps({k: result[k] for k in ("status", "reasons", "score", "parts")}, indent=1)[:3000]
