"""End to end on the real assignments (quick profile, real CIFAR-10): the reference
solution gets full marks, the untouched release gets zero.

The reference notebooks run *as they are* (hidden asserts in their test cells
included), so this is also the check that every solution notebook passes all
its own tests; the points come from the clean-process hidden checks against
the calibrated ``autograde/thresholds.json``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from aelab.grading.course import Course
from aelab.grading.grader import run_grading
from aelab.grading.job import Settings
from aelab.grading.warm import prewarm

pytestmark = [pytest.mark.slow, pytest.mark.realdata]
COURSE = Course.default()
GRADED = [a for a in COURSE.assignment_names() if (COURSE.autograde_dir / a / "probes.py").is_file()]


@pytest.fixture(scope="module")
def settings(real_cifar):
    source = Path(os.environ["AELAB_DATA"])
    return Settings(data=str(source), cache=str(prewarm(source, "quick")))


def test_every_assignment_has_hidden_checks():
    missing = sorted(set(COURSE.assignment_names()) - set(GRADED))
    assert not missing, f"no autograde/<a>/probes.py for {missing}"


def test_thresholds_have_provenance():
    payload = json.loads(COURSE.thresholds_path.read_text())
    prov = payload["provenance"]
    assert prov["profile"] == "quick" and prov["data_sha256"] and prov["calibrated_utc"]
    for name, entry in payload["metrics"].items():
        for key in ("assignment", "grade_id", "direction", "reference", "slack", "threshold"):
            assert key in entry, f"{name} lacks {key}"
    assert {e["assignment"] for e in payload["metrics"].values()} >= set(GRADED)


@pytest.mark.parametrize("assignment", GRADED)
def test_reference_full_marks_and_release_zero(assignment, settings, tmp_path):
    subs = tmp_path / "submitted"
    for student, source in (("reference", COURSE.source_notebook(assignment)),
                            ("release", COURSE.release_notebook(assignment))):
        (subs / student / assignment).mkdir(parents=True)
        shutil.copy(source, subs / student / assignment)
    reference_settings = Settings(**{**settings.__dict__, "as_is": True})
    ref = run_grading(COURSE, subs, tmp_path / "out-ref", settings=reference_settings,
                      progress=False, assignment=assignment)
    ref = {r["student"]: r for r in ref}["reference"]
    assert ref["status"] == "ok", ref["reasons"]  # its own tests, hidden ones included
    assert ref["score"] == ref["max_score"], json.dumps(ref["parts"], indent=1)
    shutil.rmtree(subs / "reference")
    rel = run_grading(COURSE, subs, tmp_path / "out-rel", settings=settings, progress=False,
                      assignment=assignment)[0]
    assert rel["score"] == 0, json.dumps(rel["parts"], indent=1)
