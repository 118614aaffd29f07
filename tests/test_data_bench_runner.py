"""The ``python -m bench`` runner: tables, JSON output, exit codes (no real benchmark runs)."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

# bench/ is a top-level folder, not part of the installed package: import it from
# the repository root, as `python -m bench` does.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import __main__ as runner  # noqa: E402


def test_format_table_aligns_union_of_columns():
    text = runner.format_table([{"step": "a", "s": 1.23456}, {"step": "longer", "met": True}])
    lines = text.splitlines()
    assert lines[0].split() == ["step", "s", "met"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["a", "1.235"] and lines[3].split() == ["longer", "True"]
    assert runner.format_table([]) == "(no rows)"


def test_run_topic_prints_and_writes_json(tmp_path, monkeypatch, capsys):
    module = types.ModuleType("bench.bench_fake")
    module.run = lambda: [{"step": "x", "value": 2}]
    monkeypatch.setitem(sys.modules, "bench.bench_fake", module)
    runner.run_topic("fake", tmp_path)
    assert "== fake" in capsys.readouterr().out
    written = json.loads((tmp_path / "fake.json").read_text())
    assert written["rows"] == [{"step": "x", "value": 2}] and written["topic"] == "fake"
    assert [p.name for p in tmp_path.iterdir()] == ["fake.json"]


def test_failing_module_gives_exit_1_and_others_still_run(tmp_path, monkeypatch, capsys):
    good, bad = types.ModuleType("bench.bench_good"), types.ModuleType("bench.bench_bad")
    good.run = lambda: [{"ok": 1}]

    def broken():
        raise RuntimeError("boom")

    bad.run = broken
    monkeypatch.setitem(sys.modules, "bench.bench_good", good)
    monkeypatch.setitem(sys.modules, "bench.bench_bad", bad)
    monkeypatch.setattr(runner, "available_topics", lambda: ["bad", "good"])
    assert runner.main(["--out", str(tmp_path)]) == 1
    assert (tmp_path / "good.json").exists() and not (tmp_path / "bad.json").exists()
    assert "failed: bad" in capsys.readouterr().err


def test_unknown_topic_exit_2(capsys):
    assert runner.main(["no-such-topic"]) == 2
    assert "unknown topic" in capsys.readouterr().err


def test_data_benchmark_is_discovered():
    assert "data" in runner.available_topics()


def test_data_benchmark_needs_aelab_data(monkeypatch):
    from bench import bench_data

    monkeypatch.delenv("AELAB_DATA", raising=False)
    with pytest.raises(RuntimeError, match="set AELAB_DATA"):
        bench_data.run()
