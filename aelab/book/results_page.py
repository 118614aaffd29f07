"""Markdown generated from results JSON files (see :mod:`aelab.results`).

Book pages contain markers such as ``<!-- aelab-results ex08 -->`` (one
exercise) or ``<!-- aelab-results all -->``; :mod:`aelab.book.sphinx_ext`
replaces them at build time with :func:`render_marker`. Nothing here hard-codes
a measured number: every value comes from the files a run wrote.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

from .references import REFERENCES

EXERCISES: dict[str, str] = {
    "ex08": "Exercise 8: denoising autoencoder pretraining",
    "ex09": "Exercise 9: semantic hashing",
    "ex10": "Exercise 10: variational autoencoder",
}
# The two files a solution notebook writes, and how the page labels them.
RUN_KINDS: dict[str, str] = {
    "experiment": "{exercise}-{profile}.json",
    "notebook": "{exercise}-notebook-{profile}.json",
}
# Every solution notebook writes this one; the other is written when the notebook
# also runs the packaged experiment (aelab.experiments), and is shown when present.
REQUIRED_KIND = "notebook"
MARKER = re.compile(r"<!--\s*aelab-results\s+(?P<what>[\w-]+)\s*-->")


def flatten(metrics: dict, prefix: str = "") -> list[tuple[str, object]]:
    """Nested metric dicts as ``(dotted.key, value)`` pairs, in file order."""
    rows: list[tuple[str, object]] = []
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(flatten(value, prefix=name + "."))
        else:
            rows.append((name, value))
    return rows


def format_value(value: object) -> str:
    """Compact, table-safe text for one metric value."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e6):
            return f"{value:.3e}"
        return f"{value:.4g}"
    if isinstance(value, list):
        if _short(value):
            return "[" + ", ".join(format_value(v) for v in value) + "]"
        return f"list of {len(value)} values"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _short(values: list) -> bool:
    return len(values) <= 6 and all(isinstance(v, int | float | str | None) for v in values)


def load_runs(results_dir: str | os.PathLike, exercise: str, profile: str) -> dict[str, dict]:
    """The results files of one exercise and profile that exist, by kind."""
    runs = {}
    for kind, pattern in RUN_KINDS.items():
        path = Path(results_dir) / pattern.format(exercise=exercise, profile=profile)
        if path.is_file():
            try:
                runs[kind] = json.loads(path.read_text())
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} is not valid JSON ({exc}): re-run the notebook") from exc
    return runs


def _provenance_table(kind: str, payload: dict) -> list[str]:
    prov = payload.get("provenance", {})
    sha = prov.get("data_sha256")
    data = prov.get("data_source", "unknown")
    data_text = f"`{Path(str(data)).name}`" + (f" (sha256 `{sha[:12]}…`)" if sha else "")
    versions = ", ".join(
        f"{name} {prov[name]}" for name in ("tensorflow", "keras", "numpy", "python") if name in prov
    )
    return [
        f"| {kind} run | `{payload.get('profile', '?')}` | {data_text} "
        f"| {format_value(prov.get('runtime_s'))} s on {prov.get('device', '?')} "
        f"({format_value(prov.get('host_cpus'))} CPUs) | {format_value(prov.get('seeds'))} "
        f"| {prov.get('started_utc', '?')} | {versions} |",
    ]


def lookup(runs: dict[str, dict], keys: tuple[str, ...]) -> tuple[str, object] | None:
    """First of ``keys`` found in the runs' flattened metrics: ``(key, value)``."""
    for kind in RUN_KINDS:
        flat = dict(flatten(runs.get(kind, {}).get("metrics", {})))
        for key in keys:
            if key in flat:
                return key, flat[key]
    return None


def _as_percent_if_accuracy(quantity: str, value: object) -> str:
    if "accuracy" in quantity and isinstance(value, float) and 0 <= value <= 1:
        return f"{100 * value:.1f} %"
    return format_value(value)


def render_exercise(
    exercise: str, profile: str, results_dir: str | os.PathLike, *, heading_level: int = 2
) -> tuple[str, list[str]]:
    """Markdown for one exercise and the problems found (missing files, references unmatched)."""
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}: use one of {', '.join(EXERCISES)}")
    hashes = "#" * heading_level
    runs = load_runs(results_dir, exercise, profile)
    problems = []
    lines = [f"{hashes} {EXERCISES[exercise]}", ""]
    if REQUIRED_KIND not in runs:
        name = RUN_KINDS[REQUIRED_KIND].format(exercise=exercise, profile=profile)
        problems.append(f"results file {name} not found in {results_dir}")
    if not runs:
        lines += [
            f"No results for the `{profile}` profile yet: build the book with "
            f"`aelab book --profile {profile}`, which runs this exercise's notebook.",
            "",
        ]
        return "\n".join(lines), problems

    lines += [
        "| file | profile | data | run time | seeds | started (UTC) | versions |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, payload in runs.items():
        lines += _provenance_table(kind, payload)
    lines.append("")

    for kind, payload in runs.items():
        rows = flatten(payload.get("metrics", {}))
        # Per-epoch histories, sweeps and tables are plotted in the notebook, not listed here.
        series = [key for key, value in rows if isinstance(value, list) and not _short(value)]
        lines += [f"{hashes}# Metrics ({kind} run)", "", "| metric | value |", "|---|---|"]
        lines += [f"| `{key}` | {format_value(value)} |" for key, value in rows if key not in series]
        lines.append("")
        if series:
            lines += [
                f"Also in the file, not listed: {len(series)} series (per-epoch histories, "
                f"sweeps, per-method tables): {', '.join(f'`{key}`' for key in series)}.",
                "",
            ]

    refs = [ref for ref in REFERENCES if ref.exercise == exercise]
    if refs:
        lines += [
            f"{hashes}# Beside public reference numbers",
            "",
            "| quantity | this run | public reference | source |",
            "|---|---|---|---|",
        ]
        for ref in refs:
            found = lookup(runs, ref.metric_keys)
            if found is None:
                problems.append(
                    f"{exercise}: no metric among {', '.join(ref.metric_keys)} for '{ref.quantity}'"
                )
                ours = "not measured"
            else:
                key, value = found
                ours = f"{_as_percent_if_accuracy(ref.quantity, value)} (`{key}`)"
            lines.append(f"| {ref.quantity} | {ours} | {ref.value} | {ref.source} |")
        lines += [
            "",
            "Our runs use the JPEG copy of CIFAR-10 where the data column says so, and the "
            f"`{profile}` profile's subsets and epochs: compare orders of magnitude, not digits.",
            "",
        ]
    return "\n".join(lines), problems


def render_runtimes(profile: str, results_dir: str | os.PathLike) -> tuple[str, list[str]]:
    """Table of measured run times (exercise, file, device, CPUs, seconds) for ``profile``."""
    lines = ["| exercise | run | device | CPUs | run time |", "|---|---|---|---|---|"]
    problems = []
    for exercise, title in EXERCISES.items():
        runs = load_runs(results_dir, exercise, profile)
        if not runs:
            problems.append(f"no {profile} results for {exercise} in {results_dir}")
            lines.append(f"| {title} | not run yet | | | |")
        for kind, payload in runs.items():
            prov = payload.get("provenance", {})
            seconds = prov.get("runtime_s")
            minutes = f"{seconds / 60:.1f} min" if isinstance(seconds, int | float) else "n/a"
            lines.append(
                f"| {title} | {kind} | {prov.get('device', '?')} | "
                f"{format_value(prov.get('host_cpus'))} | {minutes} |"
            )
    return "\n".join(lines) + "\n", problems


def render_marker(
    what: str, profile: str, results_dir: str | os.PathLike, *, heading_level: int = 2
) -> tuple[str, list[str]]:
    """Markdown for a marker's argument: an exercise id, ``all`` or ``runtimes``."""
    if what == "runtimes":
        return render_runtimes(profile, results_dir)
    targets = list(EXERCISES) if what == "all" else [what]
    parts, problems = [], []
    for exercise in targets:
        text, found = render_exercise(exercise, profile, results_dir, heading_level=heading_level)
        parts.append(text)
        problems.extend(found)
    return "\n".join(parts), problems


def replace_markers(
    source: str, profile: str, results_dir: str | os.PathLike
) -> tuple[str, list[str]]:
    """``source`` with every results marker expanded, and all problems found."""
    problems: list[str] = []

    def expand(match: re.Match) -> str:
        text, found = render_marker(match.group("what"), profile, results_dir)
        problems.extend(found)
        return text

    return MARKER.sub(expand, source), problems
