"""Scores into nbgrader's gradebook (``nbgrader.api.Gradebook``, SQLite).

Only the grading process writes here, one result at a time, so the database
stays consistent when jobs run in parallel or a run is interrupted: every
result (stored or new) is written again with the same values. The gradebook
holds the assignment structure (grade cells with their points, solution cells)
but never cell source, so hidden tests cannot leak from it. A submission whose
status is not ``ok`` is *flagged* in the gradebook.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .course import Course

COURSE_ID = "aelab"


def _open(db: Path) -> Gradebook:
    _alembic_on_path()
    return Gradebook(f"sqlite:///{Path(db).resolve()}", course_id=COURSE_ID)


def _alembic_on_path() -> None:
    """Put this interpreter's ``bin/`` on ``PATH``: nbgrader runs the ``alembic``
    executable to create a gradebook, and an un-activated venv would not find it."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def setup_gradebook(db: Path, course: Course, assignments: list[str]) -> None:
    """Create or update the assignments, notebooks and graded cells."""
    with _open(db) as gb:
        for name in assignments:
            assignment = course.assignment(name)
            gb.update_or_create_assignment(name)
            gb.update_or_create_notebook(assignment.notebook, name)
            for part in assignment.parts:
                gb.update_or_create_grade_cell(part.test_grade_id, assignment.notebook, name,
                                               max_score=part.points, cell_type="code")
                gb.update_or_create_solution_cell(part.grade_id, assignment.notebook, name)


def record_result(db: Path, course: Course, result: dict) -> None:
    """Write one job's points (per grade cell) into the gradebook."""
    name, student = result["assignment"], result["student"]
    assignment = course.assignment(name)
    with _open(db) as gb:
        gb.update_or_create_student(student)
        try:
            gb.find_submission(name, student)
        except MissingEntry:
            with warnings.catch_warnings():  # nbgrader's own SQLAlchemy autoflush notices
                warnings.simplefilter("ignore")
                gb.add_submission(name, student)
        for part in assignment.parts:
            grade = gb.find_grade(part.test_grade_id, assignment.notebook, name, student)
            grade.auto_score = float(result["parts"].get(part.grade_id, {}).get("points", 0.0))
        notebook = gb.find_submission_notebook(assignment.notebook, name, student)
        notebook.flagged = result["status"] != "ok"
        gb.db.commit()


def scores(db: Path, assignment: str) -> dict[str, float]:
    """``{student: total score}`` of one assignment, read back from the gradebook."""
    with _open(db) as gb:
        return {sub.student.id: float(sub.score) for sub in gb.assignment_submissions(assignment)}
