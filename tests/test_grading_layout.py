"""Submission discovery, the nbgrader submitted/ layout and the grade command's input checks."""

from __future__ import annotations

import pytest
from adversarial.toy_helpers import FAST, honest, shared_toy_course, write

from aelab.grading.grader import discover, run_grading


@pytest.fixture(scope="module")
def toy_course():
    return shared_toy_course()


def test_nbgrader_layout_and_flat_folder(toy_course, tmp_path):
    nested = tmp_path / "submitted"
    write(nested / "carol" / "toy", "toy_lines", honest(toy_course))
    found = discover(nested, toy_course)
    assert [(s.student, s.assignment, s.path.name) for s in found] == [("carol", "toy", "toy_lines.ipynb")]
    flat = tmp_path / "flat"
    write(flat, "dave", honest(toy_course))
    assert [(s.student, s.assignment) for s in discover(flat, toy_course)] == [("dave", "toy")]


def test_bad_inputs_say_what_to_do(toy_course, tmp_path):
    with pytest.raises(FileNotFoundError):
        discover(tmp_path / "missing", toy_course)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no submissions"):
        discover(tmp_path / "empty", toy_course)
    with pytest.raises(ValueError, match="unknown assignment"):
        discover(tmp_path / "empty", toy_course, assignment="nope")
    write(tmp_path / "weird", "bad name!", honest(toy_course))
    with pytest.raises(ValueError, match="student id"):
        discover(tmp_path / "weird", toy_course)
    with pytest.raises(ValueError, match="workers"):
        run_grading(toy_course, tmp_path / "weird", tmp_path / "out", settings=FAST, workers=0)


def test_grade_command_prints_summary(toy_course, tmp_path, capsys):
    from aelab.cli import main

    subs = tmp_path / "subs"
    write(subs, "erin", honest(toy_course))
    code = main(["grade", str(subs), "--course", str(toy_course.root), "--out", str(tmp_path / "out"),
                 "--no-progress", "--cell-timeout", "30"])
    out = capsys.readouterr().out
    assert code == 0
    assert "erin" in out and "5 / 5" in out and "1 submissions: ok 1" in out
    assert (tmp_path / "out" / "feedback" / "erin" / "toy.html").is_file()
