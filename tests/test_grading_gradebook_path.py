import os
import sys
from pathlib import Path

from aelab.grading import gradebook


def test_gradebook_opens_without_an_activated_venv(monkeypatch, tmp_path):
    # nbgrader shells out to `alembic`, which lives beside this interpreter.
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    with gradebook._open(tmp_path / "gradebook.db"):
        pass
    assert os.environ["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert (tmp_path / "gradebook.db").is_file()
