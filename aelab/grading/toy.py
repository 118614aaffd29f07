'''A tiny course (assignment ``toy``) that exercises the whole grading machinery fast.

The tests and ``bench/bench_grading.py`` build it in a temporary folder with
:func:`write_toy_course`: a source notebook in nbgrader markup with two graded
parts (no TensorFlow, so a submission grades in seconds), its hidden checks,
input generator and probes in ``autograde/toy/``, then calibrate and release
it with the same code as the real assignments.

- ``toy-scale`` (2 points): ``scale_images(images)``: ``(n, h, w, c) uint8`` ->
  same shape ``float32`` in ``[0, 1]``; checked on random images made at grading time.
- ``toy-fit`` (3 points): ``fit_line(x, y)``: least-squares ``(slope, intercept)``
  of ``(n,) float64`` arrays; checked on a random line made at grading time, and
  through the artefact ``line.npz`` the notebook saves (held-out MSE on points
  of the notebook's line, threshold calibrated from the reference).
'''

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import v4

from .course import Course


def _meta(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


SCALE_CELL = '''import numpy as np


def scale_images(images):
    """(n, h, w, c) uint8 images -> the same shape as float32 in [0, 1]."""
    ### BEGIN SOLUTION
    return np.asarray(images, dtype=np.float32) / 255.0
    ### END SOLUTION'''

SCALE_TEST = '''_x = np.full((2, 4, 4, 3), 255, dtype=np.uint8)
assert scale_images(_x).dtype == np.float32, "return float32"
### BEGIN HIDDEN TESTS
assert np.allclose(scale_images(_x), 1.0), "toy hidden check: white must map to 1.0"
### END HIDDEN TESTS'''

FIT_CELL = '''import numpy as np


def fit_line(x, y):
    """Least-squares line through (x, y), both (n,) float64: returns (slope, intercept)."""
    ### BEGIN SOLUTION
    design = np.stack([x, np.ones_like(x)], axis=1)
    (slope, intercept), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(slope), float(intercept)
    ### END SOLUTION'''

FIT_TEST = '''_slope, _intercept = fit_line(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]))
assert abs(_slope - 2.0) < 1e-6, "slope of y = 2x + 1 is 2"
### BEGIN HIDDEN TESTS
assert abs(_intercept - 1.0) < 1e-6, "toy hidden check: intercept of y = 2x + 1"
### END HIDDEN TESTS'''

SAVE_CELL = '''rng = np.random.default_rng(0)
x = rng.uniform(-1, 1, 200)
y = 3 * x + 1 + rng.normal(0, 0.1, 200)
slope, intercept = fit_line(x, y)
out = artefacts_dir()
out.mkdir(parents=True, exist_ok=True)
np.savez(out / "line.npz", slope=slope, intercept=intercept)
print(f"fitted slope {slope:.3f}, intercept {intercept:.3f}")'''

INPUTS_PY = '''"""Grading-time inputs for the toy assignment (runs in the grader, never in a sandbox)."""
import numpy as np


def make_inputs(inputs_dir, truth_dir, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (16, 4, 4, 3), dtype=np.uint8)
    np.save(inputs_dir / "images.npy", images)
    slope, intercept = rng.uniform(-5, 5, 2)
    x = rng.uniform(-1, 1, 50)
    y = slope * x + intercept + rng.normal(0, 0.05, 50)
    np.savez(inputs_dir / "line.npz", x=x, y=y)
    heldout_x = rng.uniform(-1, 1, 500)
    heldout_y = 3 * heldout_x + 1 + rng.normal(0, 0.1, 500)
    np.savez(truth_dir / "truth.npz", scaled=images.astype(np.float32) / 255.0,
             fit=np.polyfit(x, y, 1), heldout_x=heldout_x, heldout_y=heldout_y)
'''

PROBES_PY = '''"""Call the student's functions on the grading-time inputs (runs inside the sandbox)."""
import os

import numpy as np


def probe_scale(namespace, inputs_dir, out_prefix):
    images = np.load(os.path.join(inputs_dir, "images.npy"))
    np.savez(out_prefix + ".npz", scaled=namespace["scale_images"](images.copy()))


def probe_fit(namespace, inputs_dir, out_prefix):
    with np.load(os.path.join(inputs_dir, "line.npz")) as data:
        slope, intercept = namespace["fit_line"](data["x"].copy(), data["y"].copy())
    np.savez(out_prefix + ".npz", fit=np.array([slope, intercept]))


PROBES = {"toy-scale": probe_scale, "toy-fit": probe_fit}
'''

TEST_PY = '''"""Hidden checks of the toy assignment (clean process; see aelab.grading.pytest_plugin)."""
import numpy as np
import pytest


@pytest.mark.grade_id("toy-scale")
def test_scale_dtype_and_shape(job):
    scaled = job.output("toy-scale")["scaled"]
    truth = job.truth_arrays("truth.npz")["scaled"]
    assert type(scaled) is np.ndarray and scaled.dtype == np.float32
    assert scaled.shape == truth.shape


@pytest.mark.grade_id("toy-scale")
def test_scale_values(job):
    scaled = job.output("toy-scale")["scaled"]
    truth = job.truth_arrays("truth.npz")["scaled"]
    assert scaled.shape == truth.shape and bool(np.allclose(scaled, truth, atol=1e-6))


@pytest.mark.grade_id("toy-fit")
def test_fit_matches_least_squares(job):
    fit = job.output("toy-fit")["fit"]
    truth = job.truth_arrays("truth.npz")["fit"]
    assert fit.shape == (2,) and fit.dtype.kind == "f"
    assert bool(np.allclose(fit, truth, atol=1e-6))


@pytest.mark.grade_id("toy-fit")
def test_saved_line_heldout_mse(job, check_metric):
    with np.load(job.artefact("line.npz"), allow_pickle=False) as line:
        slope, intercept = float(line["slope"]), float(line["intercept"])
    truth = job.truth_arrays("truth.npz")
    mse = float(np.mean((slope * truth["heldout_x"] + intercept - truth["heldout_y"]) ** 2))
    check_metric("toy.line_mse", mse, direction="max", slack=0.5)
'''


def toy_notebook():
    """The toy source notebook (nbgrader markup, as the real solutions use)."""
    cells = [
        v4.new_markdown_cell("# Toy assignment\nScale images, then fit a line."),
        v4.new_code_cell("import numpy as np\n\nfrom aelab.config import artefacts_dir"),
        v4.new_code_cell(SCALE_CELL, metadata=_meta("toy-scale", solution=True)),
        v4.new_code_cell(SCALE_TEST, metadata=_meta("toy-scale-test", grade=True, locked=True, points=2)),
        v4.new_code_cell(FIT_CELL, metadata=_meta("toy-fit", solution=True)),
        v4.new_code_cell(FIT_TEST, metadata=_meta("toy-fit-test", grade=True, locked=True, points=3)),
        v4.new_code_cell(SAVE_CELL, metadata=_meta("toy-save-artefacts", locked=True)),
    ]
    for cell in cells[3:4] + cells[5:6]:
        cell.metadata["tags"] = ["remove-cell"]
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write_toy_course(root: str | Path) -> Course:
    """Write the toy course (sources and hidden checks, not yet released) under ``root``."""
    course = Course.at(root)
    (course.source_dir / "toy").mkdir(parents=True, exist_ok=True)
    nbformat.write(toy_notebook(), course.source_dir / "toy" / "toy_lines.ipynb")
    checks = course.autograde_dir / "toy"
    checks.mkdir(parents=True, exist_ok=True)
    (checks / "inputs.py").write_text(INPUTS_PY)
    (checks / "probes.py").write_text(PROBES_PY)
    (checks / "test_toy.py").write_text(TEST_PY)
    return course
