"""pytest plugin for the hidden checks in ``autograde/`` (loaded with ``-p``).

The checks run in a clean process (:mod:`aelab.grading.checks`), never in a
student's. This plugin gives them their inputs and records verdicts:

- marker ``@pytest.mark.grade_id("ex08-loader")``: the graded part a test
  scores; a test without it is a configuration error;
- fixture ``job``: the grading job's folders (``inputs``, ``truth``,
  ``outputs`` of the extracted cells, ``artefacts`` saved by the notebook) and
  :meth:`Job.output` to read a part's arrays (``allow_pickle=False``);
- fixture ``check_metric(name, value, direction=, slack=)``: records a
  measured metric and asserts it against ``thresholds.json`` (in calibration
  mode it only records, so calibration can measure the reference).

At the end it writes ``$AELAB_GRADE_REPORT``: per test its grade_id and
outcome, plus the recorded metrics. Failure text is deliberately left out: it
would carry hidden-test source into feedback.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

_RESULTS: dict[str, dict] = {}
_METRICS: dict[str, dict] = {}
_GRADE_IDS: dict[str, str | None] = {}


class Job:
    """Folders of one grading job, as seen by the hidden checks."""

    def __init__(self, root: Path):
        self.root = root
        self.inputs = root / "extract" / "inputs"
        self.truth = root / "truth"
        self.outputs = root / "extract" / "out"
        self.artefacts = root / "nb" / "artefacts"

    @property
    def seed(self) -> int:
        """The grading-time random seed of this job (held-out samples, fixtures)."""
        return int(json.loads((self.truth / "seed.json").read_text())["seed"])

    def part_state(self, grade_id: str) -> dict:
        path = self.outputs / f"{grade_id}.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return {"state": "missing"}

    def output(self, grade_id: str) -> dict[str, np.ndarray]:
        """Arrays the part's probe saved; fails the test when there are none."""
        state = self.part_state(grade_id)
        path = self.outputs / f"{grade_id}.npz"
        if state.get("state") != "done" or not path.is_file():
            pytest.fail(f"{grade_id}: no output from the solution cell ({state.get('state')})",
                        pytrace=False)
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}

    def artefact(self, name: str) -> Path:
        path = self.artefacts / name
        if not path.is_file():
            pytest.fail(f"artefact {name} was not saved by the notebook", pytrace=False)
        return path

    def truth_arrays(self, name: str) -> dict[str, np.ndarray]:
        with np.load(self.truth / name, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}


def pytest_configure(config):
    config.addinivalue_line("markers", "grade_id(name): the graded part this hidden check scores")


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        marker = item.get_closest_marker("grade_id")
        _GRADE_IDS[item.nodeid] = marker.args[0] if marker and marker.args else None


@pytest.fixture(scope="session")
def job() -> Job:
    root = os.environ.get("AELAB_GRADE_JOB")
    if not root:
        raise RuntimeError("AELAB_GRADE_JOB is not set: run the checks through `aelab grade`")
    return Job(Path(root))


@pytest.fixture(scope="session")
def thresholds() -> dict:
    path = os.environ.get("AELAB_GRADE_THRESHOLDS")
    if not path or not Path(path).is_file():
        return {}
    return json.loads(Path(path).read_text()).get("metrics", {})


@pytest.fixture
def check_metric(thresholds, request):
    calibrating = os.environ.get("AELAB_GRADE_CALIBRATE") == "1"

    def _check(name: str, value, *, direction: str, slack: float) -> None:
        if direction not in ("max", "min"):
            raise ValueError("direction is 'max' (value must stay below) or 'min' (above)")
        value = float(value)
        _METRICS[name] = {"value": value, "direction": direction, "slack": slack,
                          "grade_id": _GRADE_IDS.get(request.node.nodeid)}
        assert math.isfinite(value), f"{name} is not a finite number"
        if calibrating:
            return
        entry = thresholds.get(name)
        assert entry is not None, f"no calibrated threshold for {name}: run `aelab calibrate`"
        if direction == "max":
            assert value <= entry["threshold"], f"{name} = {value:.4g} above {entry['threshold']:.4g}"
        else:
            assert value >= entry["threshold"], f"{name} = {value:.4g} below {entry['threshold']:.4g}"

    return _check


def pytest_runtest_logreport(report):
    entry = _RESULTS.setdefault(report.nodeid, {
        "nodeid": report.nodeid, "grade_id": _GRADE_IDS.get(report.nodeid), "outcome": "passed"})
    if report.failed:
        entry["outcome"] = "failed" if report.when == "call" else "error"
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"  # a skipped check earns nothing


def pytest_sessionfinish(session, exitstatus):
    target = os.environ.get("AELAB_GRADE_REPORT")
    if not target:
        return
    target = Path(target)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps({"tests": list(_RESULTS.values()), "metrics": _METRICS,
                               "exitstatus": int(exitstatus)}, indent=1))
    os.replace(tmp, target)
