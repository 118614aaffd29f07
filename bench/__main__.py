"""``python -m bench [topic ...]``: run benchmark modules, print tables, write ``bench/out/*.json``.

Without topics every ``bench/bench_*.py`` runs (alphabetically). Exit code 0 when
every module ran, 1 when one raised (the others still run), 2 for an unknown topic.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available_topics() -> list[str]:
    return sorted(path.stem.removeprefix("bench_") for path in HERE.glob("bench_*.py"))


def format_table(rows: list[dict]) -> str:
    """Rows as an aligned text table (columns: union of keys, in first-seen order)."""
    if not rows:
        return "(no rows)"
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]

    def cell(value) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return "" if value is None else str(value)

    table = [columns] + [[cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
             for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def write_json(path: Path, payload: dict) -> None:
    """Write ``payload`` as JSON via a temporary file and rename (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(payload, stream, indent=2, default=str)
            stream.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_topic(topic: str, out_dir: Path) -> bool:
    module = importlib.import_module(f"bench.bench_{topic}")
    started = time.perf_counter()
    rows = module.run()
    elapsed = time.perf_counter() - started
    print(f"== {topic} ({elapsed:.1f} s)")
    print(format_table(rows))
    print()
    write_json(out_dir / f"{topic}.json", {
        "topic": topic,
        "rows": rows,
        "run_s": round(elapsed, 2),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "env": {key: os.environ[key] for key in ("AELAB_DATA", "AELAB_PROFILE") if key in os.environ},
    })
    return True


def main(argv: list[str] | None = None) -> int:
    topics = available_topics()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("topics", nargs="*", metavar="TOPIC",
                        help=f"which benchmarks (default: all): {', '.join(topics) or 'none found'}")
    parser.add_argument("--out", default=str(HERE / "out"), help="folder for <topic>.json (default bench/out)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.topics) - set(topics))
    if unknown:
        print(f"python -m bench: unknown topic(s) {unknown}; available: {topics}", file=sys.stderr)
        return 2
    failed = []
    for topic in args.topics or topics:
        try:
            run_topic(topic, Path(args.out))
        except Exception:  # one broken benchmark must not hide the others' numbers
            traceback.print_exc()
            print(f"== {topic}: FAILED (traceback above)\n", file=sys.stderr)
            failed.append(topic)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
