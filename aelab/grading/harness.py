"""Run extracted solution cells on grading-time inputs; run *inside* the sandbox.

Usage: ``python -I -S harness.py SPEC_JSON``. The grader copies this file,
the assignment's ``probes.py``, each solution cell's source and the inputs
into a job folder; ``aelab`` is not importable here (the repository is hidden
and ``-S`` skips the editable-install hook), so the student's cell must really
contain the code.

For each part, in order: write ``<out>/<grade_id>.json`` ``{"state": "started"}``,
execute the cell's source in a fresh namespace, call the probe
``PROBES[grade_id](namespace, inputs_dir, out_prefix)`` (which calls the
student's functions on the inputs and saves arrays with ``numpy.savez``), then
write ``{"state": "done"}`` or ``{"state": "error", "error": "..."}``. When the
process dies mid-part, the grader sees ``started``, records that part as
crashed and restarts this harness on the parts left.

Everything written here is untrusted data: the verdict comes from the hidden
checks, which compare these arrays with the truth in a clean process.
"""

import importlib.util
import json
import os
import sys
import traceback


def _write(path, payload):
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(payload, handle)
    os.replace(tmp, path)


def _student_traceback(exc, filename):
    """The student's own frames only (never the probe's source)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lines = [f"  cell line {f.lineno}, in {f.name}" for f in frames[-5:]]
    return "\n".join(lines + [f"{type(exc).__name__}: {str(exc)[:300]}"])


def main(spec_path):
    with open(spec_path) as handle:
        spec = json.load(handle)
    sys.path.extend(spec["site_packages"])
    probes_spec = importlib.util.spec_from_file_location("probes", spec["probes"])
    probes = importlib.util.module_from_spec(probes_spec)
    probes_spec.loader.exec_module(probes)
    for part in spec["parts"]:
        grade_id = part["grade_id"]
        status_path = os.path.join(spec["out_dir"], grade_id + ".json")
        _write(status_path, {"state": "started"})
        filename = "<solution cell " + grade_id + ">"
        with open(part["cell"]) as handle:
            source = handle.read()
        namespace = {"__name__": "__solution__", "__builtins__": __builtins__}
        try:
            exec(compile(source, filename, "exec"), namespace)
            probes.PROBES[grade_id](namespace, spec["inputs_dir"],
                                    os.path.join(spec["out_dir"], grade_id))
        except BaseException as exc:  # noqa: BLE001 - SystemExit too: the student's doing
            _write(status_path, {"state": "error", "error": _student_traceback(exc, filename)})
            continue
        _write(status_path, {"state": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
