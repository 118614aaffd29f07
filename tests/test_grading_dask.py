"""The same grading jobs on a Dask cluster (scheduler and worker on 127.0.0.1)."""

from __future__ import annotations

import pytest
from adversarial.toy_helpers import FAST, honest, shared_toy_course, submission, write

from aelab.grading.grader import run_grading

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def toy_course():
    return shared_toy_course()


def test_grading_on_a_local_dask_cluster(toy_course, tmp_path):
    subs = tmp_path / "subs"
    write(subs, "alice", honest(toy_course))
    write(subs, "bob", submission(toy_course))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        results = run_grading(toy_course, subs, tmp_path / "out", settings=FAST,
                              scheduler=cluster.scheduler_address, progress=False)
    assert {r["student"]: r["score"] for r in results} == {"alice": 5.0, "bob": 0.0}
    assert (tmp_path / "out" / "gradebook.db").is_file()
