"""The course layout and the graded parts of each assignment, read from the sources.

A :class:`Course` is a set of directories (the repository by default; tests
build small ones in temporary folders):

- ``source/<assignment>/<notebook>.ipynb``: reference notebooks with nbgrader markup;
- ``release/<assignment>/<notebook>.ipynb``: generated student notebooks;
- ``autograde/``: hidden pytest checks (``autograde/<assignment>/test_*.py``),
  grading-time input generators and probes, ``thresholds.json``.

The graded parts come from the *source* notebook's nbgrader metadata, never
from a submission: a solution cell ``<assignment>-<part>`` paired with its test
cell ``<assignment>-<part>-test`` whose ``points`` are the part's maximum.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[2]
NBFORMAT_VERSION = 4


@dataclass(frozen=True)
class Part:
    """One graded part: the student's solution cell and the test cell with its points."""

    assignment: str
    grade_id: str  # solution cell grade_id, e.g. "ex08-loader"
    test_grade_id: str  # "ex08-loader-test"; the gradebook's grade cell
    points: float
    # False for a part checked only through artefacts (a test cell with no solution
    # cell of the same name, e.g. the trained model of a notebook).
    has_solution: bool = True

    @property
    def name(self) -> str:
        """Part name without the assignment prefix, e.g. ``loader``."""
        return self.grade_id.removeprefix(f"{self.assignment}-")


@dataclass(frozen=True)
class Assignment:
    """An assignment: one notebook and its graded parts, in notebook order."""

    name: str
    notebook: str  # file name without .ipynb
    parts: tuple[Part, ...]
    locked_ids: tuple[str, ...] = field(default=())  # every locked cell (tests, save-artefacts)

    @property
    def max_points(self) -> float:
        return float(sum(p.points for p in self.parts))

    def part(self, grade_id: str) -> Part:
        for part in self.parts:
            if part.grade_id == grade_id:
                return part
        raise KeyError(f"{self.name} has no graded part {grade_id!r}")


@dataclass(frozen=True)
class Course:
    """Directories of one course; :meth:`default` is the repository."""

    root: Path
    source_dir: Path
    release_dir: Path
    autograde_dir: Path

    @classmethod
    def default(cls) -> Course:
        root = REPO_ROOT
        return cls(root, root / "solutions", root / "exercises", root / "autograde")

    @classmethod
    def at(cls, root: str | os.PathLike) -> Course:
        """The standard layout (solutions/, exercises/, autograde/) under ``root``."""
        root = Path(root).resolve()
        return cls(root, root / "solutions", root / "exercises", root / "autograde")

    @property
    def thresholds_path(self) -> Path:
        return self.autograde_dir / "thresholds.json"

    def assignment_names(self) -> list[str]:
        """Assignments with a source notebook, sorted."""
        if not self.source_dir.is_dir():
            return []
        return sorted(
            d.name for d in self.source_dir.iterdir() if d.is_dir() and any(d.glob("*.ipynb"))
        )

    def source_notebook(self, assignment: str) -> Path:
        return _single_notebook(self.source_dir / assignment)

    def release_notebook(self, assignment: str) -> Path:
        name = self.source_notebook(assignment).name
        return self.release_dir / assignment / name

    def assignment(self, name: str) -> Assignment:
        """Parse the graded parts of ``name`` from its source notebook."""
        path = self.source_notebook(name)
        return parse_assignment(name, path.stem, nbformat.read(path, NBFORMAT_VERSION))

    def assignments(self) -> list[Assignment]:
        return [self.assignment(name) for name in self.assignment_names()]


def _single_notebook(folder: Path) -> Path:
    notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if len(notebooks) != 1:
        raise ValueError(
            f"{folder} must hold exactly one notebook (found {len(notebooks)}): "
            "one notebook per assignment is the course convention"
        )
    return notebooks[0]


def nbgrader_meta(cell) -> dict:
    return dict(cell.get("metadata", {}).get("nbgrader", {}) or {})


def parse_assignment(name: str, notebook: str, nb) -> Assignment:
    """Graded parts of assignment ``name`` from a source notebook node."""
    solutions: list[str] = []
    tests: dict[str, float] = {}
    locked: list[str] = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if not grade_id:
            continue
        if meta.get("solution") and cell.cell_type == "code":
            solutions.append(grade_id)
        if meta.get("grade"):
            tests[grade_id] = float(meta.get("points", 0))
        if meta.get("locked"):
            locked.append(grade_id)
    parts = []
    for grade_id in solutions:
        test_id = f"{grade_id}-test"
        if test_id not in tests:
            continue  # an ungraded solution cell (e.g. a helper the student writes)
        parts.append(Part(name, grade_id, test_id, tests[test_id]))
    for test_id, points in tests.items():
        if test_id in {p.test_grade_id for p in parts}:
            continue
        if not test_id.endswith("-test"):
            raise ValueError(f"{name}: graded cell {test_id!r} must be named '<part grade_id>-test'")
        parts.append(Part(name, test_id.removesuffix("-test"), test_id, points, has_solution=False))
    return Assignment(name, notebook, tuple(parts), tuple(locked))
