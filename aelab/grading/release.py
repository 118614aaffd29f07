"""Generate ``exercises/`` from ``solutions/`` with nbgrader, and check it is current.

``python -m aelab.grading.release`` regenerates every assignment;
``python -m aelab.grading.release --check`` exits 1 when the committed
``exercises/`` differs from what generation produces now, or when any hidden
test text, solution text or grader path appears in it.

Generation runs ``nbgrader generate_assignment`` in a temporary copy of the
course: nbgrader's gradebook stores the hidden tests' source, so it must never
be written inside the repository.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from .course import NBFORMAT_VERSION, REPO_ROOT, Course, nbgrader_meta

# Text that must never reach a student: grader locations and nbgrader's markers.
GRADER_MARKERS = (
    "autograde/",
    "thresholds.json",
    "aelab.grading",
    "aelab/grading",
    "gradebook",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN SOLUTION",
    "END SOLUTION",
)
# Lines shorter than this are too generic to call a leak ("return x", "pass").
MIN_LEAK_LINE = 12
REGION_MARKERS = {
    "solution": ("### BEGIN SOLUTION", "### END SOLUTION"),
    "hidden test": ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
}


def _venv_bin() -> Path:
    return Path(sys.executable).parent


def normalise(nb) -> str:
    """Canonical text of a released notebook: no outputs, counts or run metadata."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.pop("id", None)
    keep = {"kernelspec", "language_info"}
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in keep}
    if "language_info" in nb.metadata:
        nb.metadata["language_info"] = {"name": nb.metadata["language_info"].get("name", "python")}
    nb.nbformat_minor = 4  # cell ids (4.5) change on every generation
    return nbformat.writes(nb, version=NBFORMAT_VERSION) + "\n"


def _nbgrader_api(work: Path):
    """nbgrader's Python API on a temporary course, configured by the repository's file."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_ROOT)).load_config()
    config.CourseDirectory.root = str(work)
    config.CourseDirectory.db_url = f"sqlite:///{work / 'gradebook.db'}"
    os.environ["PATH"] = f"{_venv_bin()}{os.pathsep}{os.environ.get('PATH', '')}"  # alembic
    return NbGraderAPI(config=config)


def generate(course: Course, out_dir: Path) -> dict[str, Path]:
    """Run ``nbgrader generate_assignment`` for every assignment into ``out_dir``.

    Returns ``{assignment: generated notebook path}``; raises ``RuntimeError``
    with nbgrader's output when generation fails.
    """
    work = Path(tempfile.mkdtemp(prefix="aelab-release-"))
    try:
        (work / "solutions").mkdir()
        for name in course.assignment_names():
            extra = [p.name for p in (course.source_dir / name).iterdir()
                     if p.suffix != ".ipynb" and p.name not in {".ipynb_checkpoints", "__pycache__"}]
            if extra:
                raise ValueError(
                    f"{course.source_dir / name} holds {extra}: everything there is released "
                    "to students; move grader-only files to autograde/"
                )
            shutil.copytree(course.source_dir / name, work / "solutions" / name,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        api = _nbgrader_api(work)
        results: dict[str, Path] = {}
        for name in course.assignment_names():
            outcome = api.generate_assignment(name, force=True, create=True)
            if not outcome.get("success"):
                raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n"
                                   f"{outcome.get('error', '')}\n{outcome.get('log', '')[-4000:]}")
            generated = next((work / "exercises" / name).glob("*.ipynb"))
            target = out_dir / name / generated.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(normalise(nbformat.read(generated, NBFORMAT_VERSION)))
            results[name] = target
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _regions(source: str, begin: str, end: str) -> tuple[list[str], list[str]]:
    """Lines inside ``begin``/``end`` regions and lines outside them."""
    inside, outside, depth = [], [], 0
    for line in source.splitlines():
        if begin in line:
            depth += 1
            continue
        if end in line:
            depth = max(depth - 1, 0)
            continue
        (inside if depth else outside).append(line.strip())
    return inside, outside


def secret_lines(source_nb) -> dict[str, set[str]]:
    """Lines found only inside solution or hidden-test regions of a source notebook."""
    secrets: dict[str, set[str]] = {kind: set() for kind in REGION_MARKERS}
    public: set[str] = set()
    for cell in source_nb.cells:
        text = cell.source
        for kind, (begin, end) in REGION_MARKERS.items():
            inside, _ = _regions(text, begin, end)
            secrets[kind].update(inside)
        outside = text
        for begin, end in REGION_MARKERS.values():
            outside = "\n".join(_regions(outside, begin, end)[1])
        public.update(line.strip() for line in outside.splitlines())
    return {kind: {s for s in lines if len(s) >= MIN_LEAK_LINE and s not in public}
            for kind, lines in secrets.items()}


def leaks(course: Course, assignment: str, released_text: str) -> list[str]:
    """Problems found in one released notebook's text (empty list: clean)."""
    problems = []
    source_nb = nbformat.read(course.source_notebook(assignment), NBFORMAT_VERSION)
    released = nbformat.reads(released_text, NBFORMAT_VERSION)
    body = "\n".join(cell.source for cell in released.cells)
    body_lines = {line.strip() for line in body.splitlines()}
    for kind, lines in secret_lines(source_nb).items():
        for line in sorted(lines & body_lines):
            problems.append(f"{assignment}: {kind} text leaked into the release: {line[:80]!r}")
    for marker in GRADER_MARKERS:
        if marker.lower() in released_text.lower():
            problems.append(f"{assignment}: grader text {marker!r} appears in the release")
    stubbed = {nbgrader_meta(c).get("grade_id"): c.source for c in released.cells
               if nbgrader_meta(c).get("solution")}
    for part in course.assignment(assignment).parts:
        if part.has_solution and "NotImplementedError" not in stubbed.get(part.grade_id, ""):
            problems.append(f"{assignment}: solution cell {part.grade_id} is not stubbed in the release")
    return problems


def check(course: Course) -> list[str]:
    """Everything wrong with ``course.release_dir`` now (empty list: current and clean)."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="aelab-release-check-") as tmp:
        fresh = generate(course, Path(tmp))
        expected = {p.relative_to(tmp) for p in Path(tmp).rglob("*") if p.is_file()}
        actual = set()
        if course.release_dir.is_dir():
            actual = {p.relative_to(course.release_dir) for p in course.release_dir.rglob("*")
                      if p.is_file() and p.name != ".gitkeep"}
        for rel in sorted(actual - expected):
            problems.append(f"{course.release_dir / rel}: not produced by generation (stale); "
                            "run `make exercises`")
        for rel in sorted(expected - actual):
            problems.append(f"{course.release_dir / rel}: missing; run `make exercises`")
        for name, path in fresh.items():
            committed = course.release_dir / path.relative_to(tmp)
            if committed.is_file() and committed.read_text() != path.read_text():
                problems.append(f"{committed}: stale (differs from what solutions/{name} "
                                "generates now); run `make exercises`")
            if committed.is_file():
                problems.extend(leaks(course, name, committed.read_text()))
    return problems


def release(course: Course) -> dict[str, Path]:
    """Regenerate ``course.release_dir``, replacing each assignment folder atomically."""
    course.release_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".release-", dir=course.release_dir))
    try:
        fresh = generate(course, staging)
        for name in fresh:
            problems = leaks(course, name, fresh[name].read_text())
            if problems:
                raise RuntimeError("refusing to release:\n" + "\n".join(problems))
        written = {}
        for name, path in fresh.items():
            target_dir = course.release_dir / name
            old = course.release_dir / f".{name}.old"
            shutil.rmtree(old, ignore_errors=True)
            if target_dir.exists():
                os.replace(target_dir, old)
            os.replace(path.parent, target_dir)
            shutil.rmtree(old, ignore_errors=True)
            written[name] = target_dir / path.name
        for stale in course.release_dir.iterdir():
            if stale.is_dir() and not stale.name.startswith(".") and stale.name not in fresh:
                shutil.rmtree(stale)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aelab.grading.release",
        description="Regenerate exercises/ from solutions/ (nbgrader), or --check it is current.",
    )
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when exercises/ is stale or leaks solutions/hidden tests")
    parser.add_argument("--course", default=None,
                        help="course root with solutions/, exercises/, autograde/ (default: repository)")
    args = parser.parse_args(argv)
    course = Course.at(args.course) if args.course else Course.default()
    if args.check:
        problems = check(course)
        for problem in problems:
            print(problem, file=sys.stderr)
        names = course.assignment_names()
        if not problems:
            print(f"exercises/ is current and clean ({len(names)} assignments: {', '.join(names)})")
        return 1 if problems else 0
    for name, path in release(course).items():
        print(f"{name}: {path}")
    return 0



if __name__ == "__main__":
    sys.exit(main())
