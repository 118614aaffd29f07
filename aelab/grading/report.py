"""Grading outputs for instructors and students: CSV, feedback HTML, summary table.

Feedback is built only from the job result (statuses, points, counts of
hidden checks passed, the student's own errors), never from hidden-check
source, failure text or tracebacks, which stay in the instructor-only job
folder.
"""

from __future__ import annotations

import csv
import html
import io
import os
from pathlib import Path

from .course import Course

CSV_FIELDS = ("student", "assignment", "grade_id", "points", "max_points", "checks_passed",
              "checks_total", "status", "reason")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def student_reasons(result: dict) -> list[str]:
    """Reasons safe to show a student (grader errors are summarised, not shown)."""
    if result["status"] == "grader_error":
        return ["an internal grading error happened; your instructor will re-grade this submission"]
    return [r for r in result["reasons"] if not r.startswith("grader error")]


def scores_csv(results: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for result in sorted(results, key=lambda r: (r["student"], r["assignment"])):
        for grade_id, part in result["parts"].items():
            writer.writerow({
                "student": result["student"], "assignment": result["assignment"],
                "grade_id": grade_id, "points": part["points"], "max_points": part["max_points"],
                "checks_passed": part["passed"], "checks_total": part["total"],
                "status": result["status"], "reason": " | ".join(result["reasons"])[:500],
            })
    return buffer.getvalue()


def feedback_html(result: dict) -> str:
    """Sanitised feedback page for one student and assignment."""
    esc = html.escape
    rows = []
    for grade_id, part in result["parts"].items():
        notes = "<br>".join(f"<pre>{esc(n)}</pre>" for n in part["notes"])
        rows.append(
            f"<tr><td>{esc(grade_id)}</td><td>{part['points']:g} / {part['max_points']:g}</td>"
            f"<td>{part['passed']} of {part['total']}</td><td>{notes}</td></tr>")
    reasons = "".join(f"<li>{esc(r)}</li>" for r in student_reasons(result)) or "<li>none</li>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Feedback: {esc(result['assignment'])} ({esc(result['student'])})</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
td,th{{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}}table{{border-collapse:collapse}}
pre{{white-space:pre-wrap;margin:0}}</style></head><body>
<h1>{esc(result['assignment'])}: {result['score']:g} / {result['max_score']:g}</h1>
<p>Student: {esc(result['student'])}. Status: <b>{esc(result['status'])}</b>.</p>
<h2>What happened</h2><ul>{reasons}</ul>
<h2>Graded parts</h2>
<p>Points come from hidden checks that run your solution cells alone, on inputs
made at grading time, and evaluate the models your notebook saved.</p>
<table><tr><th>part</th><th>points</th><th>hidden checks passed</th><th>notes</th></tr>
{''.join(rows)}</table></body></html>
"""


def summary_table(results: list[dict]) -> str:
    """Plain-text table: one row per submission, then totals."""
    header = f"{'student':<20} {'assignment':<10} {'score':>12} {'status':<13} reason"
    lines = [header, "-" * len(header)]
    for r in sorted(results, key=lambda r: (r["student"], r["assignment"])):
        reason = "; ".join(r["reasons"])[:70]
        lines.append(f"{r['student']:<20} {r['assignment']:<10} "
                     f"{r['score']:>5g} / {r['max_score']:<4g} {r['status']:<13} {reason}")
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    lines.append(f"{len(results)} submissions: " + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())))
    return "\n".join(lines)


def write_reports(out_dir: Path, course: Course, results: list[dict]) -> None:
    """``scores.csv``, ``feedback/<student>/<assignment>.html`` and ``summary.txt``."""
    _atomic_write(out_dir / "scores.csv", scores_csv(results))
    for result in results:
        _atomic_write(out_dir / "feedback" / result["student"] / f"{result['assignment']}.html",
                      feedback_html(result))
    _atomic_write(out_dir / "summary.txt", summary_table(results) + "\n")
