"""Release generation and its staleness/leak check, on the toy course and the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from aelab.grading import release
from aelab.grading.course import REPO_ROOT, Course
from aelab.grading.toy import write_toy_course


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    course = write_toy_course(tmp_path_factory.mktemp("course"))
    release.release(course)
    return course


def _copy(course, tmp_path) -> Course:
    shutil.copytree(course.root, tmp_path / "c")
    return Course.at(tmp_path / "c")


def test_fresh_release_is_current_and_clean(released):
    assert release.check(released) == []
    text = released.release_notebook("toy").read_text()
    assert "NotImplementedError" in text
    for secret in ("toy hidden check", "np.linalg.lstsq", "BEGIN SOLUTION", "HIDDEN TESTS"):
        assert secret not in text


def test_edited_source_makes_release_stale(released, tmp_path):
    course = _copy(released, tmp_path)
    nb = nbformat.read(course.source_notebook("toy"), 4)
    nb.cells[0].source += "\nA new sentence."
    nbformat.write(nb, course.source_notebook("toy"))
    problems = release.check(course)
    assert any("stale" in p for p in problems), problems


def test_leaked_hidden_test_and_solution_are_caught(released, tmp_path):
    course = _copy(released, tmp_path)
    path = course.release_notebook("toy")
    nb = json.loads(path.read_text())
    nb["cells"][3]["source"].append('\nassert np.allclose(scale_images(_x), 1.0), "toy hidden check: white must map to 1.0"')
    nb["cells"][2]["source"].append("\n    return np.asarray(images, dtype=np.float32) / 255.0")
    path.write_text(json.dumps(nb))
    problems = release.check(course)
    assert any("hidden test text leaked" in p for p in problems), problems
    assert any("solution text leaked" in p for p in problems), problems


def test_grader_path_and_extra_file_are_caught(released, tmp_path):
    course = _copy(released, tmp_path)
    path = course.release_notebook("toy")
    nb = nbformat.read(path, 4)
    nb.cells[0].source += "\nSee autograde/thresholds.json"
    nbformat.write(nb, path)
    (path.parent / "notes.txt").write_text("extra")
    problems = release.check(course)
    assert any("autograde/" in p for p in problems), problems
    assert any("notes.txt" in p for p in problems), problems


def test_grader_only_file_in_source_folder_is_refused(released, tmp_path):
    course = _copy(released, tmp_path)
    (course.source_dir / "toy" / "helper.py").write_text("SECRET = 1\n")
    with pytest.raises(ValueError, match="released"):
        release.check(course)


def test_repository_exercises_are_current():
    """The committed exercises/ matches solutions/ (what `make test` runs first)."""
    proc = subprocess.run([sys.executable, "-m", "aelab.grading.release", "--check"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PATH": f"{REPO_ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
