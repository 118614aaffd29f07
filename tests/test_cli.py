import subprocess
import sys

import pytest

from aelab import cli


def test_help_lists_every_shipped_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in ("data", "run", "grade", "calibrate", "book"):
        assert name in out


@pytest.mark.parametrize("command", ["data", "run", "grade", "calibrate", "book"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_bad_profile_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "ex08", "--profile", "medium"])
    assert exit_info.value.code == 2


def test_entry_point_runs_as_module():
    proc = subprocess.run([sys.executable, "-m", "aelab.cli", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "aelab" in proc.stdout
