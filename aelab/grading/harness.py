"""Run extracted solution cells on grading-time inputs; run *inside* the sandbox.

Usage: ``python -I -S harness.py SPEC_JSON``. The grader copies this file,
the assignment's ``probes.py``, each solution cell's source and the inputs
into a job folder; ``aelab`` is not importable here (the repository is hidden
and ``-S`` skips the editable-install hook), so the student's cell must really
contain the code.

This process never runs student code itself: for each part it forks a child
that executes the cell's source in a fresh namespace and calls the probe
``PROBES[grade_id](namespace, inputs_dir, out_prefix)`` (which calls the
student's functions on the inputs and saves arrays with ``numpy.savez``).
A child that crashes, exits, hangs past the per-part timeout or poisons its
interpreter (``sys.modules``, monkeypatching) affects only its own part. The
parent writes ``<out>/<grade_id>.json``: ``{"state": "done" | "error" |
"crashed" | "timeout", "error": "..."}``.

Everything written here is untrusted data: the verdict comes from the hidden
checks, which compare these arrays with the truth in a clean process.
"""

import importlib
import importlib.util
import json
import os
import signal
import sys
import time
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


def _child(part, spec, probes, child_status):
    grade_id = part["grade_id"]
    filename = "<solution cell " + grade_id + ">"
    with open(part["cell"]) as handle:
        source = handle.read()
    namespace = {"__name__": "__solution__", "__builtins__": __builtins__}
    try:
        exec(compile(source, filename, "exec"), namespace)
        probes.PROBES[grade_id](namespace, spec["inputs_dir"], os.path.join(spec["out_dir"], grade_id))
    except BaseException as exc:  # noqa: BLE001 - SystemExit too: the student's doing
        _write(child_status, {"state": "error", "error": _student_traceback(exc, filename)})
        return
    _write(child_status, {"state": "done"})


def _run_part(part, spec, probes):
    grade_id = part["grade_id"]
    child_status = os.path.join(spec["out_dir"], "." + grade_id + ".child.json")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child: run the student's cell, then leave without cleanup handlers
        code = 0
        try:
            _child(part, spec, probes, child_status)
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    deadline = time.monotonic() + spec["part_timeout_s"]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"state": "timeout", "error": f"ran longer than {spec['part_timeout_s']} s"}
        time.sleep(0.05)
    try:
        with open(child_status) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        if os.WIFSIGNALED(status):
            return {"state": "crashed", "error": f"killed by signal {os.WTERMSIG(status)}"}
        return {"state": "crashed", "error": f"exited with code {os.waitstatus_to_exitcode(status)} "
                                             "before finishing (os._exit or sys.exit?)"}


def main(spec_path):
    with open(spec_path) as handle:
        spec = json.load(handle)
    sys.path.extend(spec["site_packages"])
    for module in spec.get("preload", []):  # imported once, shared by every forked part
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    probes_spec = importlib.util.spec_from_file_location("probes", spec["probes"])
    probes = importlib.util.module_from_spec(probes_spec)
    probes_spec.loader.exec_module(probes)
    for part in spec["parts"]:
        status_path = os.path.join(spec["out_dir"], part["grade_id"] + ".json")
        _write(status_path, {"state": "started"})
        _write(status_path, _run_part(part, spec, probes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
