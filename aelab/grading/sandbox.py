"""Run an untrusted command confined by bubblewrap and resource limits.

Every student process (the notebook kernel, the extracted solution cells) runs
through :func:`run_sandboxed`:

- ``bwrap``: read-only view of the file system, private ``/tmp``, no network
  (``--unshare-net``), own PID namespace, all capabilities dropped, killed
  when the grader dies; grader files (hidden checks, thresholds, gradebook,
  reference solutions, other submissions) are hidden behind empty tmpfs
  mounts; only the job's own folder is writable.
- ``prlimit``: data-segment size (the memory limit: a memory bomb gets
  ``MemoryError`` or dies), CPU seconds, largest file written.
- a wall-clock timeout that kills the whole process group.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed process tree.

    ``memory_bytes`` bounds each process's data segment (heap and anonymous
    mappings: where arrays and tensors live); ``cpu_seconds`` its CPU time;
    ``wall_seconds`` the whole run; ``file_bytes`` any single file written.
    """

    memory_bytes: int = 4 * GIB
    cpu_seconds: int = 600
    wall_seconds: float = 300.0
    file_bytes: int = 2 * GIB

    def __post_init__(self):
        if self.memory_bytes < 256 << 20:
            raise ValueError(f"memory limit {self.memory_bytes} B is below 256 MiB: "
                             "TensorFlow alone needs more; raise --memory-gb")
        if self.wall_seconds <= 0 or self.cpu_seconds <= 0:
            raise ValueError("time limits must be positive seconds")


@dataclass
class SandboxResult:
    """What happened to a sandboxed run."""

    returncode: int | None
    timed_out: bool
    wall_s: float
    stdout: str = ""
    stderr: str = ""
    killed_by: str | None = None  # signal name when a signal ended it

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


@dataclass
class Mounts:
    """File-system view: ``masked`` paths become empty, ``writable`` ones are bound read-write."""

    writable: list[Path] = field(default_factory=list)
    readonly: list[Path] = field(default_factory=list)  # re-exposed inside a masked parent
    masked: list[Path] = field(default_factory=list)


def available() -> bool:
    """Whether ``bwrap`` and ``prlimit`` are installed (``make sysdeps``)."""
    return shutil.which("bwrap") is not None and shutil.which("prlimit") is not None


def command(argv: list[str], mounts: Mounts, limits: Limits) -> list[str]:
    """The full ``prlimit ... bwrap ... argv`` command line."""
    if not available():
        raise FileNotFoundError("bubblewrap and prlimit are required for grading: run `make sysdeps`")
    bwrap = [
        "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--die-with-parent", "--new-session", "--cap-drop", "ALL",
    ]
    # Order matters: masks first, then the paths re-exposed inside them.
    for path in sorted({Path(p).resolve() for p in mounts.masked}, key=lambda p: len(p.parts)):
        if path.exists():
            bwrap += ["--tmpfs", str(path)]
    for path in mounts.readonly:
        bwrap += ["--ro-bind", str(Path(path).resolve()), str(Path(path).resolve())]
    for path in mounts.writable:
        bwrap += ["--bind", str(Path(path).resolve()), str(Path(path).resolve())]
    prlimit = [
        "prlimit", f"--data={limits.memory_bytes}", f"--cpu={limits.cpu_seconds}",
        f"--fsize={limits.file_bytes}", "--core=0", "--",
    ]
    return prlimit + bwrap + ["--"] + list(argv)


def run_sandboxed(argv: list[str], *, mounts: Mounts, limits: Limits, env: dict[str, str],
                  cwd: Path, stdin_text: str | None = None, tail: int = 20000) -> SandboxResult:
    """Run ``argv`` in the sandbox; never raises for anything the command does."""
    start = time.monotonic()
    proc = subprocess.Popen(
        command(argv, mounts, limits), cwd=cwd, env=env, start_new_session=True,
        stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
    )
    timed_out = False
    try:
        out, err = proc.communicate(stdin_text, timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        out, err = proc.communicate()
    rc = proc.returncode
    killed_by = None
    if rc is not None and rc < 0:
        killed_by = signal.Signals(-rc).name
    elif rc is not None and rc > 128 and rc - 128 in signal.Signals._value2member_map_:
        killed_by = signal.Signals(rc - 128).name  # bwrap reports its child's signal as 128+n
    return SandboxResult(rc, timed_out, time.monotonic() - start,
                         (out or "")[-tail:], (err or "")[-tail:], killed_by)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def base_env(home: str = "/tmp/home") -> dict[str, str]:
    """A minimal environment for sandboxed processes (nothing inherited from the grader)."""
    venv_bin = Path(sys.executable).parent
    return {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "MPLCONFIGDIR": "/tmp/mpl",
        "MPLBACKEND": "Agg",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime",
        "JUPYTER_DATA_DIR": "/tmp/jupyter-data",
        "IPYTHONDIR": "/tmp/ipython",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
    }
