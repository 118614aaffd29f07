import hashlib
import json

import numpy as np
import pytest

from aelab import results


def test_write_and_read_results_with_provenance(tmp_path):
    data = tmp_path / "data.bin"
    data.write_bytes(b"abc" * 1000)
    path = results.write_results(
        "exdemo",
        {"mse": np.float32(0.5), "curve": np.arange(3), "nested": {"acc": 0.9}, "missing": float("nan")},
        profile="quick",
        data_source=data,
        seeds=[1, 2],
        runtime_s=1.234,
        out_dir=tmp_path / "res",
    )
    assert path.name == "exdemo-quick.json"
    payload = results.read_results("exdemo", "quick", tmp_path / "res")
    assert payload["metrics"] == {"mse": 0.5, "curve": [0, 1, 2], "nested": {"acc": 0.9}, "missing": None}
    prov = payload["provenance"]
    assert prov["data_sha256"] == hashlib.sha256(b"abc" * 1000).hexdigest()
    assert prov["seeds"] == [1, 2]
    assert prov["runtime_s"] == 1.23
    assert prov["device"] in {"CPU"} or prov["device"].startswith("GPU")
    assert "tensorflow" in prov and "keras" in prov
    # written atomically: no temp file left behind
    assert not list((tmp_path / "res").glob("*.tmp"))
    json.loads(path.read_text())


def test_read_missing_results_says_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="aelab run ex08 --profile quick"):
        results.read_results("ex08", "quick", tmp_path)


def test_stopwatch_measures():
    with results.stopwatch() as watch:
        sum(range(10000))
    assert watch["seconds"] > 0
