"""Attacks and faults against the grader, on the toy course (cheap: no TensorFlow).

Every submission below is graded once (session fixture ``graded``) through the
real pipeline: sandboxed notebook, solution cells run alone, hidden checks in
a clean process, gradebook and reports. Each test then checks that nobody got
a point they did not earn, that faults have an explicit status and reason, and
that the grader's own files were not touched.
"""

from __future__ import annotations

import hashlib
import textwrap

import pytest

from aelab.grading import gradebook
from aelab.grading.grader import run_grading
from aelab.grading.toy import FIT_CELL, SCALE_CELL

from .toy_helpers import FAST, dump, honest, part_points, submission, write

WRONG_FIT = "import numpy as np\n\n\ndef fit_line(x, y):\n    return 0.0, 0.0\n"


def _scale(body: str) -> str:
    return "import numpy as np\n\n\n" + textwrap.dedent(body)


def attacks(course, out_dir):
    """``{student: (notebook or raw text, expected status, expected points per part)}``."""
    grader_files = [course.thresholds_path, course.autograde_dir / "toy" / "test_toy.py"]
    source_nb = course.source_notebook("toy")
    full = {"toy-scale": 2.0, "toy-fit": 3.0}
    fit_only = {"toy-scale": 0.0, "toy-fit": 3.0}
    nothing = {"toy-scale": 0.0, "toy-fit": 0.0}
    scale_only = {"toy-scale": 2.0, "toy-fit": 0.0}

    def delete_test(nb):
        nb.cells = [c for c in nb.cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") != "toy-scale-test"]

    def edit_test(nb):
        for c in nb.cells:
            if c.metadata.get("nbgrader", {}).get("grade_id") == "toy-fit-test":
                c.source = "print('all tests passed')"

    return {
        "honest": (honest(course), "ok", full),
        "release": (submission(course), "cell_error", nothing),
        "sys-modules": (honest(course, scale=_scale("""
            import sys, types
            fake = types.ModuleType("numpy")
            fake.allclose = lambda *a, **k: True
            fake.float32 = float
            sys.modules["numpy"] = fake
            sys.modules["pytest"] = types.ModuleType("pytest")
            def scale_images(images):
                return images
            """)), "cell_error", nothing),  # the poisoned kernel also breaks the artefact cell
        "monkeypatch-numpy": (honest(course, scale=_scale("""
            np.allclose = lambda *a, **k: True
            np.testing.assert_allclose = lambda *a, **k: None
            np.array_equal = lambda *a, **k: True
            def scale_images(images):
                return np.zeros(images.shape, np.float32)
            """)), "ok", fit_only),  # the visible test passes, the hidden checks do not
        "always-equal": (honest(course, scale=_scale("""
            class Anything(float):
                dtype = np.float32
                shape = property(lambda self: (16, 4, 4, 3))
                def __eq__(self, other): return True
                def __ne__(self, other): return False
                __hash__ = float.__hash__
            def scale_images(images):
                return Anything(1.0)
            """)), "ok", fit_only),
        "hard-coded": (honest(course, fit="def fit_line(x, y):\n    return 2.0, 1.0\n"),
                       "ok", scale_only),
        "hard-coded-artefact": (honest(course, fit="def fit_line(x, y):\n    return 3.0, 1.0\n"),
                                "cell_error", scale_only),
        "import-reference": (honest(course, scale=_scale("""
            from aelab.grading.toy import SCALE_CELL
            exec(SCALE_CELL)
            """)), "cell_error", fit_only),
        "import-reference-hidden": (honest(course, scale=_scale("""
            _ref = __import__("ae" + "lab.grading.to" + "y", fromlist=["SCALE_CELL"])
            exec(_ref.SCALE_CELL)
            """)), "cell_error", fit_only),
        "read-solution": (honest(course, scale=_scale(f"""
            import json
            _cells = json.load(open({str(source_nb)!r}))["cells"]
            exec("".join(_cells[2]["source"]))
            """)), "cell_error", fit_only),
        "read-truth": (honest(course, scale=_scale(f"""
            import glob
            def scale_images(images):
                found = glob.glob({str(out_dir)!r} + "/**/truth.npz", recursive=True)
                return np.load(found[0])["scaled"]
            """)), "cell_error", fit_only),
        "rewrite-grader": (honest(course, fit=WRONG_FIT + textwrap.dedent(f"""
            import json, pathlib
            for _p in {[str(p) for p in grader_files]!r} + [{str(out_dir / 'gradebook.db')!r}]:
                try:
                    pathlib.Path(_p).write_text('{{"metrics": {{}}}}')
                except OSError as exc:
                    print("blocked:", exc)
            """)), "cell_error", scale_only),
        "fake-success": (honest(course, scale=_scale("""
            print("All tests passed! Score: 5 / 5")
            def scale_images(images):
                print("test_scale_values PASSED")
                return images
            """)), "cell_error", fit_only),
        "crash": (honest(course, scale=SCALE_CELL + "\nraise RuntimeError('boom')\n"),
                  "cell_error", fit_only),
        "infinite-loop": (honest(course, scale=SCALE_CELL + "\nwhile True:\n    pass\n"),
                          "timeout", nothing),
        "memory-bomb": (honest(course, scale=SCALE_CELL + textwrap.dedent("""
            _hog = []
            while True:
                _hog.append(bytes(256 << 20))  # calloc: fails on the limit at once
            """)), "memory_limit", fit_only),  # MemoryError: the kernel survives, fit is honest
        "os-exit": (honest(course, scale=SCALE_CELL + "\nimport os\nos._exit(0)\n"),
                    "kernel_died", nothing),
        "deleted-test": (honest(course, edit=delete_test), "tampered", full),
        "edited-test": (honest(course, fit=WRONG_FIT, edit=edit_test), "cell_error", scale_only),
        "malformed": ('{"cells": [ this is not json', "malformed", nothing),
    }


def _hash(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def graded(toy_course, tmp_path_factory):
    base = tmp_path_factory.mktemp("attacks")
    subs, out = base / "submissions", base / "out"
    cases = attacks(toy_course, out)
    for student, (nb, _, _) in cases.items():
        write(subs, student, nb)
    protected = [toy_course.thresholds_path, toy_course.autograde_dir / "toy" / "test_toy.py",
                 toy_course.source_notebook("toy")]
    before = {p: _hash(p) for p in protected}
    results = run_grading(toy_course, subs, out, settings=FAST, workers=2, progress=False)
    return {"cases": cases, "results": {r["student"]: r for r in results}, "out": out,
            "subs": subs, "before": before}


@pytest.mark.parametrize("student", [
    "honest", "release", "sys-modules", "monkeypatch-numpy", "always-equal", "hard-coded",
    "hard-coded-artefact", "import-reference", "import-reference-hidden", "read-solution",
    "read-truth", "rewrite-grader", "fake-success", "crash", "infinite-loop", "memory-bomb",
    "os-exit", "deleted-test", "edited-test", "malformed",
])
def test_no_unearned_points_and_explicit_status(graded, student):
    _, status, expected = graded["cases"][student]
    result = graded["results"][student]
    assert part_points(result) == expected, dump(result)
    if student != "edited-test":  # edited test cell: tampered AND a failing visible test
        assert result["status"] == status, dump(result)
    if status != "ok":
        assert result["reasons"], dump(result)


def test_edited_test_cell_is_reported_and_restored(graded):
    result = graded["results"]["edited-test"]
    assert any("toy-fit-test was edited" in r for r in result["reasons"]), dump(result)


def test_reference_import_is_named_in_feedback(graded):
    notes = graded["results"]["import-reference"]["parts"]["toy-scale"]["notes"]
    assert any("reference package" in n for n in notes)


def test_grader_files_untouched(graded):
    for path, digest in graded["before"].items():
        assert _hash(path) == digest, f"{path} was modified during grading"


def test_gradebook_matches_results(graded):
    totals = gradebook.scores(graded["out"] / "gradebook.db", "toy")
    assert totals == {s: r["score"] for s, r in graded["results"].items()}
    assert totals["honest"] == 5.0 and totals["release"] == 0.0


def test_feedback_is_sanitised(graded):
    hidden_markers = ("toy hidden check", "test_saved_line_heldout_mse", "check_metric",
                      "truth.npz", "Traceback", "/autograde/")
    for student in graded["results"]:
        page = (graded["out"] / "feedback" / student / "toy.html").read_text()
        for marker in hidden_markers:
            assert marker not in page, f"{marker!r} in {student}'s feedback"


def test_reports_written(graded):
    csv_text = (graded["out"] / "scores.csv").read_text()
    assert csv_text.count("\n") == 1 + 2 * len(graded["results"])
    summary = (graded["out"] / "summary.txt").read_text()
    assert "malformed" in summary and "honest" in summary


def test_rerun_resumes_without_regrading(graded, toy_course):
    regraded = []
    run_grading(toy_course, graded["subs"], graded["out"], settings=FAST, workers=1,
                progress=False, on_result=regraded.append)
    assert regraded == []
    # a changed submission (and only it) is graded again
    write(graded["subs"], "hard-coded", honest(toy_course, fit=FIT_CELL))
    results = run_grading(toy_course, graded["subs"], graded["out"], settings=FAST, workers=1,
                          progress=False, on_result=regraded.append)
    assert [r["student"] for r in regraded] == ["hard-coded"]
    assert {r["student"]: r["score"] for r in results}["hard-coded"] == 5.0
    assert gradebook.scores(graded["out"] / "gradebook.db", "toy")["hard-coded"] == 5.0
