import pytest

from aelab import config


def test_profile_defaults_to_full(monkeypatch):
    monkeypatch.delenv("AELAB_PROFILE", raising=False)
    assert config.get_profile().name == "full"


def test_profile_from_environment_and_argument(monkeypatch):
    monkeypatch.setenv("AELAB_PROFILE", "Quick ")
    assert config.get_profile().quick
    assert config.get_profile("full").name == "full"


def test_profile_pick():
    assert config.Profile("quick").pick(quick=1, full=2) == 1
    assert config.Profile("full").pick(quick=1, full=2) == 2


def test_unknown_profile_says_what_to_do():
    with pytest.raises(ValueError, match="quick, full"):
        config.get_profile("medium")


def test_paths_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AELAB_CACHE", str(tmp_path / "c"))
    monkeypatch.setenv("AELAB_DATA", str(tmp_path / "d.tar.gz"))
    monkeypatch.setenv("AELAB_RESULTS", str(tmp_path / "r"))
    monkeypatch.setenv("AELAB_ARTEFACTS", str(tmp_path / "a"))
    assert config.cache_dir() == tmp_path / "c"
    assert config.data_source() == tmp_path / "d.tar.gz"
    assert config.results_dir() == tmp_path / "r"
    assert config.artefacts_dir() == tmp_path / "a"
    assert config.cache_dir(tmp_path / "x") == tmp_path / "x"


def test_no_data_source_means_default_cache(monkeypatch):
    monkeypatch.delenv("AELAB_DATA", raising=False)
    assert config.data_source() is None
