"""``aelab data``: fetch, info, verify; exit codes and messages."""

from __future__ import annotations

import hashlib
import json

import pytest

from aelab.cli import main
from aelab.data.fixtures import write_cifar_archive, write_cifar_batches


@pytest.fixture
def archive(tmp_path, small_arrays):
    return write_cifar_archive(tmp_path / "src" / "cifar-10-python.tar.gz", *small_arrays)


def test_fetch_local_source_then_info_reports_cache(archive, cache_dir, capsys):
    assert main(["data", "fetch", "--data", str(archive), "--no-progress"]) == 0
    assert "ready:" in capsys.readouterr().out
    assert main(["data", "info", "--data", str(archive), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["x_shape_train"] == [50, 32, 32, 3] and info["x_dtype_train"] == "uint8"
    assert info["class_counts_test"] == [2] * 10
    assert info["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert info["cache_file"].startswith(str(cache_dir))


def test_info_text_lists_classes(archive, cache_dir, capsys):
    assert main(["data", "info", "--data", str(archive)]) == 0
    out = capsys.readouterr().out
    assert " 9  truck" in out and "(50, 32, 32, 3) uint8" in out


def test_info_without_data_says_how_to_fetch(cache_dir, capsys):
    assert main(["data", "info"]) == 2
    assert "run `aelab data fetch`" in capsys.readouterr().err


def test_verify_with_expected_digests(archive, cache_dir, capsys):
    sha256 = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert main(["data", "verify", "--data", str(archive), "--sha256", sha256]) == 0
    assert "OK     sha256 matches" in capsys.readouterr().out
    assert main(["data", "verify", "--data", str(archive), "--sha256", "0" * 64]) == 1
    assert "MISMATCH sha256" in capsys.readouterr().out


def test_verify_uses_the_published_md5_for_the_official_name(archive, cache_dir, capsys):
    # A fixture archive named like the official one cannot have the published MD5.
    assert main(["data", "verify", "--data", str(archive)]) == 1
    assert "MISMATCH md5: expected c58f30108f718f92721af3b95e74349a" in capsys.readouterr().out


def test_verify_detects_a_stale_cache(archive, cache_dir, capsys, small_arrays):
    assert main(["data", "fetch", "--data", str(archive), "--no-progress"]) == 0
    (cached,) = (cache_dir / "arrays").iterdir()
    (cached / "meta.json").write_text("garbage")
    assert main(["data", "verify", "--data", str(archive), "--md5",
                 hashlib.md5(archive.read_bytes()).hexdigest()]) == 1
    assert "unreadable" in capsys.readouterr().out
    assert not cached.exists()


def test_verify_detects_a_cache_built_from_another_file(archive, cache_dir, capsys):
    import json as json_module

    assert main(["data", "fetch", "--data", str(archive), "--no-progress"]) == 0
    (cached,) = (cache_dir / "arrays").iterdir()
    meta = json_module.loads((cached / "meta.json").read_text())
    (cached / "meta.json").write_text(json_module.dumps(meta | {"sha256": "0" * 64}))
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    assert main(["data", "verify", "--data", str(archive), "--md5", md5]) == 1
    assert "built from another file" in capsys.readouterr().out
    assert not cached.exists()
    assert main(["data", "fetch", "--data", str(archive), "--no-progress"]) == 0
    assert main(["data", "verify", "--data", str(archive), "--md5", md5]) == 0


def test_verify_directory_source_digests_arrays(tmp_path, small_arrays, cache_dir, capsys):
    directory = write_cifar_batches(tmp_path / "b", *small_arrays)
    assert main(["data", "verify", "--data", str(directory), "--no-progress"]) == 0
    out = capsys.readouterr().out
    digest = out.split("arrays sha256 ")[1].split()[0]
    assert main(["data", "verify", "--data", str(directory), "--sha256", digest]) == 0
    assert main(["data", "verify", "--data", str(directory), "--sha256", "1" * 64]) == 1


def test_fetch_download_failure_exits_1(cache_dir, monkeypatch, capsys):
    from aelab.data import download

    def offline(*args, **kwargs):
        raise download.DownloadError("could not download (offline)")

    monkeypatch.setattr(download, "fetch_official", offline)
    assert main(["data", "fetch", "--no-progress"]) == 1
    assert "could not download" in capsys.readouterr().err


def test_bad_source_exits_2(tmp_path, cache_dir, capsys):
    assert main(["data", "fetch", "--data", str(tmp_path / "none")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_fashion_mnist_info(tmp_path, capsys):
    from aelab.data.fixtures import random_images, write_idx

    x, y = random_images(20, image_shape=(28, 28, 1))
    write_idx(tmp_path, x, y, x, y)
    assert main(["data", "info", "--dataset", "fashion-mnist", "--data", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["x_shape_train"] == [20, 28, 28, 1]


@pytest.mark.parametrize("sub", [[], ["fetch"], ["info"], ["verify"]])
def test_help(sub, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["data", *sub, "--help"])
    assert exit_info.value.code == 0
    assert "usage: aelab data" in capsys.readouterr().out
