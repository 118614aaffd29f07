"""``aelab grade SUBMISSIONS``: grade a class's submissions (see autograde/README.md)."""

from __future__ import annotations

from pathlib import Path

from .. import config


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade",
        help="grade submissions in sandboxes; write gradebook, scores.csv, feedback HTML",
        description=(
            "Grade SUBMISSIONS (nbgrader's submitted/<student>/<assignment>/ layout, or a folder "
            "of <student>.ipynb files) with the hidden checks in autograde/. Stopping and "
            "re-running resumes: finished submissions are not graded again."),
    )
    parser.add_argument("submissions", help="folder of submissions")
    parser.add_argument("--out", default="grading",
                        help="output folder: gradebook.db, scores.csv, feedback/, results/ (default ./grading)")
    parser.add_argument("--assignment", default=None,
                        help="assignment of a flat folder of notebooks (default: recognised from the cells)")
    parser.add_argument("--workers", type=int, default=1, help="local grading processes (default 1)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address (tcp://host:8786): run the jobs on that cluster "
                             "(workers need this repository and the submissions at the same paths)")
    parser.add_argument("--profile", choices=config.PROFILES, default="quick",
                        help="profile the notebooks run in (default quick, the grading profile)")
    parser.add_argument("--data", default=None, help="CIFAR-10 source (default $AELAB_DATA)")
    parser.add_argument("--memory-gb", type=float, default=4.0,
                        help="memory limit per sandboxed process in GiB (default 4)")
    parser.add_argument("--cell-timeout", type=int, default=600,
                        help="seconds per notebook cell (default 600)")
    parser.add_argument("--notebook-timeout", type=int, default=900,
                        help="seconds per whole notebook (default 900; quick notebooks take 30-60 s on an idle 2-core machine, 250-360 s measured on a shared one)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--course", default=None,
                        help="course root with solutions/, exercises/, autograde/ (default: this repository)")
    parser.set_defaults(func=_grade)


def settings_from_args(args):
    from ..grading.job import Settings
    from ..grading.warm import prewarm

    data = config.data_source(args.data)
    cache = prewarm(data, args.profile)
    return Settings(memory_gb=args.memory_gb, cell_timeout_s=args.cell_timeout,
                    notebook_timeout_s=args.notebook_timeout, profile=args.profile,
                    data=str(data) if data else None, cache=str(cache) if cache else None)


def _grade(args) -> int:
    from ..grading.course import Course
    from ..grading.grader import run_grading
    from ..grading.report import summary_table

    settings = settings_from_args(args)
    course = Course.at(args.course) if args.course else Course.default()
    results = run_grading(course, args.submissions, Path(args.out), settings=settings,
                          workers=args.workers, scheduler=args.scheduler,
                          assignment=args.assignment, progress=not args.no_progress)
    print(summary_table(results))
    print(f"gradebook: {Path(args.out) / 'gradebook.db'}; scores: {Path(args.out) / 'scores.csv'}; "
          f"feedback: {Path(args.out) / 'feedback'}")
    return 1 if any(r["status"] == "grader_error" for r in results) else 0
