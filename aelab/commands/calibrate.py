"""``aelab calibrate``: re-derive autograde/thresholds.json from the reference solutions."""

from __future__ import annotations

from pathlib import Path

from .. import config


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="measure the reference solutions (quick profile) and write autograde/thresholds.json",
        description=(
            "Grade each reference notebook in solutions/ with the hidden checks in calibration "
            "mode, write thresholds (reference value loosened by each check's slack) with their "
            "provenance, then verify: reference = full marks, untouched release = zero."),
    )
    parser.add_argument("assignments", nargs="*", help="assignments to calibrate (default all)")
    parser.add_argument("--profile", choices=config.PROFILES, default="quick",
                        help="grading profile to calibrate for (default quick)")
    parser.add_argument("--data", default=None, help="CIFAR-10 source (default $AELAB_DATA)")
    parser.add_argument("--memory-gb", type=float, default=4.0, help="memory limit in GiB (default 4)")
    parser.add_argument("--cell-timeout", type=int, default=600, help="seconds per notebook cell")
    parser.add_argument("--notebook-timeout", type=int, default=900, help="seconds per notebook")
    parser.add_argument("--out", default="autograde/work/calibration",
                        help="folder for the calibration runs (default autograde/work/calibration)")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip re-grading the reference and the release against the new thresholds")
    parser.set_defaults(func=_calibrate)


def _calibrate(args) -> int:
    from ..grading.calibrate import calibrate
    from ..grading.course import Course
    from .grade import settings_from_args

    settings = settings_from_args(args)
    calibrate(Course.default(), settings=settings, out_dir=Path(args.out),
              assignments=args.assignments or None, verify=not args.no_verify)
    return 0
