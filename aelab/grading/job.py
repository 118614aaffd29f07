"""Grade one submission of one assignment: the unit of work of ``aelab grade``.

:func:`grade_job` is a plain function of a picklable :class:`JobSpec`, so the
same job runs in a local process pool or on a Dask worker. Steps:

1. read the submission (malformed JSON or an invalid notebook: status
   ``malformed``, nothing runs);
2. rebuild the notebook from the *release*: every locked cell (visible tests,
   artefact saving) comes from the release, only the student's solution cells
   are taken from the submission; edited or deleted locked cells are reported
   (status ``tampered``) and restored;
3. generate grading-time inputs with the assignment's ``autograde/<a>/inputs.py``
   (fresh random seed; the truth goes to a folder no sandbox sees);
4. in parallel, two sandboxes: the notebook (nbclient, quick profile, artefacts
   into the job folder) and the extracted solution cells (``python -I -S``, no
   ``aelab``, one fresh namespace per cell, restarted after a crash);
5. the hidden checks (``autograde/<a>/test_*.py``) in a clean process;
6. a part earns its points when every one of its hidden checks passes (all or
   nothing: artefact checks alone cannot earn points for a solution cell that
   fails when run alone); a solution cell that uses the reference package
   ``aelab`` scores 0.

The result (a JSON-able dict) is written atomically to
``<out>/results/<student>/<assignment>.json`` with the submission's hash and
the grader's fingerprint, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import site
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from . import sandbox
from .course import NBFORMAT_VERSION, REPO_ROOT, Course, nbgrader_meta

TOOLS = ("nbexec.py", "harness.py")
# Statuses, worst first: the job's status is the worst thing that happened.
STATUS_ORDER = ("malformed", "grader_error", "kernel_died", "timeout", "memory_limit",
                "cell_error", "tampered", "ok")
# aelab subpackages a notebook never needs (the notebooks do use aelab.experiments
# and aelab.models for orchestration and plots: a solution cell that calls them
# instead of writing the code fails when run alone, which the all-or-nothing
# rule turns into 0 points for the part).
HIDDEN_PACKAGES = ("grading", "commands")
REFERENCE_IMPORT = re.compile(r"\baelab\b")


@dataclass(frozen=True)
class Settings:
    """Grading settings shared by every job of a run."""

    memory_gb: float = 4.0
    cell_timeout_s: int = 600
    notebook_timeout_s: int = 900
    extract_timeout_s: int = 180
    checks_timeout_s: int = 300
    profile: str = "quick"
    data: str | None = None  # AELAB_DATA inside the sandbox (read-only)
    cache: str | None = None  # pre-warmed AELAB_CACHE (read-only)
    calibrate: bool = False  # record metrics only (used by `aelab calibrate`)
    # Execute the submission exactly as given, hidden asserts included (calibration of
    # the reference notebooks: they must pass all their own tests).
    as_is: bool = False
    hidden_packages: tuple[str, ...] = HIDDEN_PACKAGES

    def limits(self, wall_s: float) -> sandbox.Limits:
        return sandbox.Limits(memory_bytes=int(self.memory_gb * sandbox.GIB),
                              cpu_seconds=int(wall_s * 2) + 60, wall_seconds=wall_s)


@dataclass(frozen=True)
class JobSpec:
    """One (student, assignment) submission to grade; picklable."""

    course_root: str
    source_dir: str
    release_dir: str
    autograde_dir: str
    assignment: str
    student: str
    submission: str  # path of the submitted notebook
    out_dir: str
    settings: Settings = field(default_factory=Settings)
    mask: tuple[str, ...] = ()  # more paths to hide from sandboxes (e.g. the submissions root)

    @property
    def course(self) -> Course:
        return Course(Path(self.course_root), Path(self.source_dir), Path(self.release_dir),
                      Path(self.autograde_dir))

    @property
    def result_path(self) -> Path:
        return Path(self.out_dir) / "results" / self.student / f"{self.assignment}.json"

    @property
    def work_dir(self) -> Path:
        return Path(self.out_dir) / "work" / self.student / self.assignment


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def grader_fingerprint(course: Course, assignment: str, settings: Settings) -> str:
    """Hash of everything that decides a grade besides the submission."""
    digest = hashlib.sha256()
    files = sorted((course.autograde_dir / assignment).rglob("*.py"))
    files += sorted(course.autograde_dir.glob("*.py"))  # shared helpers (held-out images)
    files += [course.thresholds_path, course.release_notebook(assignment)]
    files += [Path(__file__).parent / name for name in (*TOOLS, "pytest_plugin.py", "job.py")]
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.name).encode())
            digest.update(path.read_bytes())
    digest.update(json.dumps(asdict(settings), sort_keys=True).encode())
    return digest.hexdigest()


def cached_result(spec: JobSpec) -> dict | None:
    """The stored result when it is for this exact submission and grader, else ``None``."""
    try:
        result = json.loads(spec.result_path.read_text())
        sub_hash = file_sha256(Path(spec.submission))
    except (OSError, ValueError):
        return None
    fingerprint = grader_fingerprint(spec.course, spec.assignment, spec.settings)
    if result.get("submission_sha256") == sub_hash and result.get("grader") == fingerprint:
        return result
    return None


def _write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, indent=1, default=str))
    os.replace(tmp, path)


def _worst(statuses: list[str]) -> str:
    return min(statuses, key=STATUS_ORDER.index) if statuses else "ok"


def grade_job(spec: JobSpec) -> dict:
    """Grade one submission; always returns a result (faults become statuses)."""
    start = time.monotonic()
    course = spec.course
    assignment = course.assignment(spec.assignment)
    result = {
        "student": spec.student, "assignment": spec.assignment,
        "notebook": assignment.notebook, "submission": spec.submission,
        "submission_sha256": file_sha256(Path(spec.submission)) if Path(spec.submission).is_file() else None,
        "grader": grader_fingerprint(course, spec.assignment, spec.settings),
        "status": "ok", "reasons": [],
        "parts": {p.grade_id: {"test_grade_id": p.test_grade_id, "points": 0.0,
                               "max_points": p.points, "passed": 0, "total": 0, "notes": []}
                  for p in assignment.parts},
    }
    statuses: list[str] = []
    try:
        _grade_into(spec, course, assignment, result, statuses)
    except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the class
        statuses.append("grader_error")
        result["reasons"].append(f"grader error: {type(exc).__name__}: {exc}"[:500])
    result["status"] = _worst(statuses)
    result["score"] = round(sum(p["points"] for p in result["parts"].values()), 4)
    result["max_score"] = assignment.max_points
    result["elapsed_s"] = round(time.monotonic() - start, 2)
    if result["status"] != "ok" and not result["reasons"]:
        result["reasons"].append(result["status"])
    _write_json(spec.result_path, result)
    return result


def _grade_into(spec: JobSpec, course: Course, assignment, result: dict, statuses: list[str]) -> None:
    work = spec.work_dir
    shutil.rmtree(work, ignore_errors=True)
    for sub in ("nb/artefacts", "nb/results", "extract/inputs", "extract/cells", "extract/out",
                "truth", "check", "tools"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    for name in TOOLS:
        shutil.copy(Path(__file__).parent / name, work / "tools" / name)

    submitted = _read_submission(Path(spec.submission))
    if isinstance(submitted, str):
        statuses.append("malformed")
        result["reasons"].append(submitted)
        return
    release_nb = nbformat.read(course.release_notebook(spec.assignment), NBFORMAT_VERSION)
    graded_nb, tamper, solutions = rebuild(release_nb, submitted, assignment)
    if spec.settings.as_is:
        graded_nb, tamper = submitted, []
    if tamper:
        statuses.append("tampered")
        result["reasons"].extend(tamper)
    nbformat.write(graded_nb, work / "nb" / f"{assignment.notebook}.ipynb")

    autograde = course.autograde_dir / spec.assignment
    inputs_mod = _load_module(autograde / "inputs.py", f"aelab_inputs_{spec.assignment}")
    seed = secrets.randbits(31)
    (work / "truth" / "seed.json").write_text(json.dumps({"seed": seed}))
    inputs_mod.make_inputs(work / "extract" / "inputs", work / "truth", seed)
    shutil.copy(autograde / "probes.py", work / "extract" / "probes.py")
    for grade_id, source in solutions.items():
        (work / "extract" / "cells" / f"{grade_id}.py").write_text(source)
        if REFERENCE_IMPORT.search(source):
            result["parts"][grade_id]["notes"].append(
                "the solution cell uses the reference package aelab: write the code yourself")

    hidden = _hidden_paths(spec, course)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        nb_future = pool.submit(_run_notebook, spec, work, assignment.notebook, hidden)
        ex_future = pool.submit(_run_extracted, spec, work, list(solutions), hidden)
        nb_status = nb_future.result()
        part_states = ex_future.result()
    result["notebook_run"] = nb_status
    if nb_status["status"] != "ok":
        statuses.append(nb_status["status"])
        result["reasons"].append(f"notebook: {nb_status['reason']}")
    for grade_id, state in part_states.items():
        result["parts"][grade_id]["cell_run"] = state
        if state["state"] not in ("done",):
            result["parts"][grade_id]["notes"].append(
                f"solution cell run alone: {state['state']}" + (f"\n{state['error']}" if state.get("error") else ""))

    report = _run_checks(spec, work)
    if "error" in report:
        statuses.append("grader_error")
        result["reasons"].append(report["error"])
        return
    result["metrics"] = report.get("metrics", {})
    for test in report["tests"]:
        part = result["parts"].get(test["grade_id"])
        if part is None:
            continue
        part["total"] += 1
        part["passed"] += test["outcome"] == "passed"
    solution_parts_earned = all(
        p["passed"] == p["total"] > 0 for gid, p in result["parts"].items()
        if assignment.part(gid).has_solution)
    for grade_id, part in result["parts"].items():
        if part["total"] == 0:
            part["notes"].append("no hidden checks ran for this part")
            continue
        # All or nothing: a part's artefact checks only count when its solution cell,
        # run alone, also passes (a hard-coded model must not earn half the points).
        earned = part["passed"] == part["total"]
        if any("reference package" in note for note in part["notes"]):
            earned = False
        if not assignment.part(grade_id).has_solution and not solution_parts_earned:
            # An artefact-only part (e.g. the trained model) is built from the student's
            # solution cells: it counts only when they all pass run alone.
            earned = False
            part["notes"].append("counts only when every solution cell of the notebook passes")
        part["points"] = part["max_points"] if earned else 0.0


def _read_submission(path: Path):
    """The submitted notebook, or a string saying why it cannot be read."""
    if not path.is_file():
        return f"submission {path.name} not found"
    try:
        nb = nbformat.reads(path.read_text(errors="strict"), NBFORMAT_VERSION)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the student's file
        return f"malformed notebook ({type(exc).__name__}): {str(exc)[:200]}; resubmit a notebook saved by Jupyter"
    return nb


def rebuild(release_nb, submitted_nb, assignment) -> tuple:
    """Graded notebook = release + the student's solution cells.

    Returns ``(notebook, tamper_reasons, {grade_id: solution source})``.
    """
    by_id = {}
    for cell in submitted_nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id and grade_id not in by_id:
            by_id[grade_id] = cell
    tamper, solutions = [], {}
    graded = nbformat.from_dict(release_nb)
    for cell in graded.cells:
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if not grade_id:
            continue
        theirs = by_id.get(grade_id)
        if meta.get("solution"):
            if theirs is None or theirs.cell_type != cell.cell_type:
                tamper.append(f"solution cell {grade_id} is missing: graded as the unchanged stub")
            else:
                cell.source = theirs.source
        elif meta.get("locked"):
            if theirs is None:
                tamper.append(f"locked cell {grade_id} was deleted: restored from the release")
            elif _canonical(theirs.source) != _canonical(cell.source):
                tamper.append(f"locked cell {grade_id} was edited: restored from the release")
    for part in assignment.parts:
        if not part.has_solution:
            continue
        for cell in graded.cells:
            if nbgrader_meta(cell).get("grade_id") == part.grade_id:
                solutions[part.grade_id] = cell.source
    return graded, tamper, solutions


def _canonical(source: str) -> str:
    """Cell text as released: hidden-test regions removed, blank lines and trailing spaces ignored."""
    kept, hiding = [], False
    for line in source.splitlines():
        if "BEGIN HIDDEN TESTS" in line:
            hiding = True
        elif "END HIDDEN TESTS" in line:
            hiding = False
        elif not hiding and line.strip():
            kept.append(line.rstrip())
    return "\n".join(kept)


def _load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or not path.is_file():
        raise FileNotFoundError(f"{path} is missing: every assignment needs inputs.py and probes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hidden_paths(spec: JobSpec, course: Course) -> list[Path]:
    hidden = [Path(spec.out_dir), course.autograde_dir, course.source_dir,
              REPO_ROOT / "autograde", REPO_ROOT / "solutions", REPO_ROOT / ".git",
              course.root / ".git", *map(Path, spec.mask)]
    hidden += [REPO_ROOT / "aelab" / name for name in spec.settings.hidden_packages]
    return [p for p in dict.fromkeys(p.resolve() for p in hidden) if p.exists()]


def _data_paths(spec: JobSpec) -> list[Path]:
    """Data and cache, bound read-only (they may live under /tmp, which sandboxes replace)."""
    return [Path(p) for p in (spec.settings.data, spec.settings.cache) if p and Path(p).exists()]


def _sandbox_env(spec: JobSpec) -> dict[str, str]:
    env = sandbox.base_env()
    env["AELAB_PROFILE"] = spec.settings.profile
    if spec.settings.data:
        env["AELAB_DATA"] = spec.settings.data
    if spec.settings.cache:
        env["AELAB_CACHE"] = spec.settings.cache
    return env


def _run_notebook(spec: JobSpec, work: Path, notebook: str, hidden: list[Path]) -> dict:
    settings = spec.settings
    nb_dir = work / "nb"
    env = _sandbox_env(spec)
    env["AELAB_ARTEFACTS"] = str(nb_dir / "artefacts")
    env["AELAB_RESULTS"] = str(nb_dir / "results")
    status_path = nb_dir / "status.json"
    argv = [sys.executable, str(work / "tools" / "nbexec.py"), str(nb_dir / f"{notebook}.ipynb"),
            str(nb_dir / "executed.ipynb"), str(status_path), str(settings.cell_timeout_s)]
    mounts = sandbox.Mounts(writable=[nb_dir], readonly=[work / "tools", *_data_paths(spec)],
                            masked=hidden)
    run = sandbox.run_sandboxed(argv, mounts=mounts, limits=settings.limits(settings.notebook_timeout_s),
                                env=env, cwd=nb_dir)
    try:
        status = json.loads(status_path.read_text())
        status = {"status": str(status["status"]), "reason": str(status.get("reason", ""))[:500],
                  "errors": status.get("errors", [])[:20]}
    except (OSError, ValueError, KeyError, TypeError):
        status = {"status": "kernel_died", "reason": "the notebook run ended without a status",
                  "errors": []}
    if run.timed_out:
        try:
            where = f" (stopped in cell {int(json.loads((nb_dir / 'progress.json').read_text())['cell'])})"
        except (OSError, ValueError, KeyError, TypeError):
            where = ""
        status = {"status": "timeout", "errors": status.get("errors", []),
                  "reason": f"the notebook ran longer than {settings.notebook_timeout_s} s in total{where}"}
    elif not run.ok and status["status"] == "ok":
        status = {"status": "kernel_died", "errors": [],
                  "reason": f"the notebook runner exited with {run.returncode} ({run.killed_by or 'no signal'})"}
    if status["status"] in ("cell_error", "kernel_died") and (
            any(e.get("ename") == "MemoryError" for e in status["errors"]) or "MemoryError" in run.stderr):
        status["status"] = "memory_limit"
        status["reason"] = f"out of memory (limit {settings.memory_gb:g} GiB): {status['reason']}"
    if status["status"] == "cell_timeout":
        status["status"] = "timeout"
    if status["status"] not in STATUS_ORDER:
        status["status"] = "kernel_died"
    status["wall_s"] = round(run.wall_s, 2)
    return status


def _run_extracted(spec: JobSpec, work: Path, grade_ids: list[str], hidden: list[Path]) -> dict:
    """Run each solution cell alone; restart the harness after a part crashes it."""
    settings = spec.settings
    ex = work / "extract"
    venv = Path(sys.prefix)
    states: dict[str, dict] = {}
    remaining = list(grade_ids)
    mask = [*hidden, REPO_ROOT, Path(spec.course_root)]
    while remaining:
        spec_json = {
            "parts": [{"grade_id": g, "cell": str(ex / "cells" / f"{g}.py")} for g in remaining],
            "probes": str(ex / "probes.py"), "inputs_dir": str(ex / "inputs"),
            "out_dir": str(ex / "out"), "site_packages": site.getsitepackages(),
            "part_timeout_s": settings.extract_timeout_s, "preload": _preload(ex, remaining),
        }
        (ex / "spec.json").write_text(json.dumps(spec_json))
        wall = settings.extract_timeout_s * len(remaining) + 60  # parts time out one by one
        argv = [sys.executable, "-I", "-S", str(work / "tools" / "harness.py"), str(ex / "spec.json")]
        mounts = sandbox.Mounts(writable=[ex / "out"], masked=mask,
                                readonly=[venv, ex / "inputs", ex / "cells", ex / "probes.py",
                                          ex / "spec.json", work / "tools"])
        run = sandbox.run_sandboxed(argv, mounts=mounts, limits=settings.limits(wall),
                                    env=_sandbox_env(spec), cwd=ex / "out")
        progressed = False
        for grade_id in list(remaining):
            try:
                state = json.loads((ex / "out" / f"{grade_id}.json").read_text())
            except (OSError, ValueError):
                break  # never started: the run died earlier
            if state.get("state") == "started":
                why = "timeout" if run.timed_out else f"crashed ({run.killed_by or run.returncode})"
                if "MemoryError" in run.stderr:
                    why = "memory_limit"
                state = {"state": why}
            states[grade_id] = {"state": str(state.get("state")), "error": str(state.get("error", ""))[:800]}
            remaining.remove(grade_id)
            progressed = True
        if not progressed:
            for grade_id in remaining:
                states[grade_id] = {"state": "harness_failed",
                                    "error": f"exit {run.returncode}: {run.stderr[-300:]}"}
            break
    return states


def _preload(ex: Path, grade_ids: list[str]) -> list[str]:
    """Heavy modules the cells use, imported once before the per-part forks."""
    text = "\n".join((ex / "cells" / f"{g}.py").read_text() for g in grade_ids)
    modules = ["numpy"]
    if re.search(r"\b(tensorflow|keras)\b", text):
        modules += ["tensorflow", "keras"]
    return modules


def _run_checks(spec: JobSpec, work: Path) -> dict:
    """Hidden checks in a clean, sandboxed process; returns the plugin's report."""
    course = spec.course
    check = work / "check"
    report_path = check / "report.json"
    (check / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    env = sandbox.base_env()
    env.update({
        "AELAB_GRADE_JOB": str(work), "AELAB_GRADE_REPORT": str(report_path),
        "AELAB_GRADE_THRESHOLDS": str(course.thresholds_path),
        "AELAB_GRADE_CALIBRATE": "1" if spec.settings.calibrate else "0",
        "AELAB_PROFILE": spec.settings.profile,
        "PYTHONPATH": str(REPO_ROOT),
    })
    if spec.settings.data:
        env["AELAB_DATA"] = spec.settings.data
    if spec.settings.cache:
        env["AELAB_CACHE"] = spec.settings.cache
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "aelab.grading.pytest_plugin",
            "-c", str(check / "pytest.ini"), "--rootdir", str(course.autograde_dir / spec.assignment),
            "-W", "ignore", str(course.autograde_dir / spec.assignment)]
    mounts = sandbox.Mounts(writable=[check], readonly=[course.autograde_dir, work, *_data_paths(spec)])
    run = sandbox.run_sandboxed(argv, mounts=mounts,
                                limits=spec.settings.limits(spec.settings.checks_timeout_s),
                                env=env, cwd=check)
    try:
        report = json.loads(report_path.read_text())
    except (OSError, ValueError):
        return {"error": f"hidden checks did not report (exit {run.returncode}, "
                         f"timed out: {run.timed_out}); see {check}"}
    (check / "pytest.log").write_text(run.stdout + run.stderr)  # instructor-only
    unmarked = [t["nodeid"] for t in report["tests"] if not t.get("grade_id")]
    if unmarked:
        return {"error": f"hidden checks without @pytest.mark.grade_id: {unmarked}"}
    if not report["tests"]:
        return {"error": "no hidden checks were collected"}
    return report
