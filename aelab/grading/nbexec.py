"""Execute one notebook with nbclient; run *inside* the sandbox by the grader.

Usage: ``python -m aelab.grading.nbexec NOTEBOOK OUT_NOTEBOOK STATUS_JSON CELL_TIMEOUT_S``

Executes every cell (errors do not stop the run, as in ``nbgrader autograde``),
writes the executed notebook and a status file::

    {"status": "ok" | "cell_error" | "cell_timeout" | "kernel_died" | "error",
     "reason": "...", "errors": [{"cell": 3, "grade_id": "...", "ename": "ValueError"}]}

Both files are produced by an untrusted process: the grader reads them as data
(feedback only), never as a verdict.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload))
    os.replace(tmp, path)


def execute(src: Path, out: Path, status_path: Path, cell_timeout: int) -> int:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = nbformat.read(src, 4)
    current = {"index": None}

    progress = status_path.with_name("progress.json")

    def on_cell_start(cell, cell_index, **_):
        current["index"] = cell_index
        _write_json(progress, {"cell": cell_index})  # tells the grader where a timeout hit

    client = NotebookClient(
        nb, timeout=cell_timeout, allow_errors=True, kernel_name="python3",
        resources={"metadata": {"path": str(src.parent)}}, on_cell_start=on_cell_start,
        iopub_timeout=10, shutdown_kernel="immediate",
    )
    status, reason = "ok", ""
    try:
        client.execute()
    except CellTimeoutError:
        status, reason = "cell_timeout", f"cell {current['index']} ran longer than {cell_timeout} s"
    except DeadKernelError:
        status = "kernel_died"
        reason = (f"the kernel died in cell {current['index']} (os._exit, a crash, "
                  "or the memory limit)")
    except Exception as exc:  # noqa: BLE001 - anything else is reported, not raised
        status, reason = "error", f"{type(exc).__name__}: {exc}"[:500]
        traceback.print_exc()
    errors = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                errors.append({
                    "cell": index,
                    "grade_id": cell.metadata.get("nbgrader", {}).get("grade_id"),
                    "ename": str(output.get("ename", ""))[:100],
                })
    if status == "ok" and errors:
        status = "cell_error"
        reason = f"{len(errors)} cell(s) raised errors (first: cell {errors[0]['cell']}, {errors[0]['ename']})"
    nbformat.write(nb, out)
    _write_json(status_path, {"status": status, "reason": reason, "errors": errors})
    return 0


if __name__ == "__main__":
    sys.exit(execute(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])))
