"""Grade a folder of submissions: discovery, parallel jobs, gradebook, reports.

``run_grading`` finds the submissions, skips those whose stored result matches
the submission and the grader (so an interrupted run resumes), runs the rest
with :func:`aelab.grading.job.grade_job` in ``workers`` local processes or on a
Dask cluster (``scheduler="tcp://..."``), and after every finished job writes
its scores into the nbgrader gradebook (only this process touches the
gradebook, so it stays consistent). At the end it writes ``scores.csv``,
per-student feedback HTML and returns the results for the summary table.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import report
from .course import Course, nbgrader_meta
from .gradebook import record_result, setup_gradebook
from .job import JobSpec, Settings, cached_result, grade_job

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    path: Path


def _check_student(student: str, where: Path) -> str:
    if not STUDENT_ID.match(student):
        raise ValueError(f"{where}: student id {student!r} must be letters, digits and ._@+- "
                         "(rename the file or folder)")
    return student


def discover(folder: str | Path, course: Course, assignment: str | None = None) -> list[Submission]:
    """Submissions in nbgrader's ``<student>/<assignment>/*.ipynb`` layout or a flat folder.

    In a flat folder each ``<student>.ipynb`` is one submission; its assignment
    is ``assignment`` when given, else recognised from the notebook's nbgrader
    cell ids (a notebook that cannot be read then needs ``--assignment``).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"submissions folder {folder} does not exist")
    known = course.assignment_names()
    if assignment is not None and assignment not in known:
        raise ValueError(f"unknown assignment {assignment!r}: the course has {known}")
    found: list[Submission] = []
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        for name in known:
            if assignment and name != assignment:
                continue
            notebooks = sorted((student_dir / name).glob("*.ipynb"))
            if notebooks:
                expected = course.release_notebook(name).name
                chosen = next((p for p in notebooks if p.name == expected), notebooks[0])
                found.append(Submission(_check_student(student_dir.name, student_dir), name, chosen))
    for path in sorted(folder.glob("*.ipynb")):
        name = assignment or _recognise(path, known)
        if name is None:
            raise ValueError(f"{path}: cannot tell which assignment this is; pass --assignment")
        found.append(Submission(_check_student(path.stem, path), name, path))
    if not found:
        raise ValueError(f"no submissions in {folder}: expected <student>/<assignment>/*.ipynb "
                         "(nbgrader's submitted/ layout) or <student>.ipynb files")
    return found


def _recognise(path: Path, known: list[str]) -> str | None:
    if len(known) == 1:
        return known[0]
    try:
        nb = nbformat.read(path, 4)
    except Exception:  # noqa: BLE001 - unreadable: the caller asks for --assignment
        return None
    for cell in nb.cells:
        grade_id = str(nbgrader_meta(cell).get("grade_id", ""))
        for name in known:
            if grade_id.startswith(f"{name}-"):
                return name
    return None


def make_specs(submissions: list[Submission], course: Course, out_dir: Path, settings: Settings,
               submissions_root: Path) -> list[JobSpec]:
    return [JobSpec(str(course.root), str(course.source_dir), str(course.release_dir),
                    str(course.autograde_dir), s.assignment, s.student, str(s.path.resolve()),
                    str(out_dir.resolve()), settings, mask=(str(submissions_root.resolve()),))
            for s in submissions]


def run_grading(course: Course, submissions_dir: str | Path, out_dir: str | Path, *,
                settings: Settings, workers: int = 1, scheduler: str | None = None,
                assignment: str | None = None, progress: bool = True,
                on_result: Callable[[dict], None] | None = None) -> list[dict]:
    """Grade everything under ``submissions_dir`` into ``out_dir``; returns one result per job."""
    if workers < 1:
        raise ValueError("--workers must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    submissions = discover(submissions_dir, course, assignment)
    specs = make_specs(submissions, course, out_dir, settings, Path(submissions_dir))
    db = out_dir / "gradebook.db"
    setup_gradebook(db, course, sorted({s.assignment for s in submissions}))

    results: list[dict] = []
    todo: list[JobSpec] = []
    for spec in specs:
        cached = cached_result(spec)
        if cached is None:
            todo.append(spec)
        else:
            results.append(cached)
            record_result(db, course, cached)

    bar = _progress(len(specs), len(results), progress)

    def finished(result: dict) -> None:
        record_result(db, course, result)
        results.append(result)
        bar.update(1)
        bar.set_postfix_str(f"{result['student']}/{result['assignment']}: {result['status']}")
        if on_result:
            on_result(result)

    try:
        if scheduler:
            _run_dask(todo, scheduler, finished)
        else:
            _run_local(todo, workers, finished)
    finally:
        bar.close()
    report.write_reports(out_dir, course, results)
    return sorted(results, key=lambda r: (r["student"], r["assignment"]))


def _progress(total: int, done: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=done, desc="grading", unit="submission", disable=not enabled)


def _run_local(todo: list[JobSpec], workers: int, finished) -> None:
    if not todo:
        return
    if workers == 1:
        for spec in todo:
            finished(grade_job(spec))
        return
    context = multiprocessing.get_context("spawn")  # no forked copies of grader threads/locks
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(grade_job, spec) for spec in todo]
        try:
            for future in concurrent.futures.as_completed(futures):
                finished(future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _run_dask(todo: list[JobSpec], scheduler: str, finished) -> None:
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - dask is a dev dependency
        raise ValueError("--scheduler needs dask[distributed]: pip install -e '.[dev]'") from exc
    if not todo:
        return
    with Client(scheduler, timeout="30s") as client:
        futures = [client.submit(grade_job, spec, pure=False,
                                 key=f"grade-{spec.student}-{spec.assignment}-{id(spec)}")
                   for spec in todo]
        for future in as_completed(futures):
            finished(future.result())
