"""tarstream: the fast header parser agrees with tarfile; other formats fall back; hostile input fails."""

from __future__ import annotations

import io
import tarfile

import pytest

from aelab.data import DataError, tarstream

LIMITS = {"max_member_bytes": 1 << 20, "max_total_bytes": 1 << 24}


def _archive(path, members, *, mode="w:gz", format=tarfile.USTAR_FORMAT):
    with tarfile.open(path, mode, format=format) as archive:
        for name, payload in members:
            info = tarfile.TarInfo(name)
            if payload is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(payload)
                archive.addfile(info, io.BytesIO(payload))
    return path


MEMBERS = [("root", None), ("root/a", None), ("root/a/1.png", b"x" * 700),
           ("root/a/2.png", b""), ("root/b/3.png", bytes(range(256)) * 3)]
EXPECTED = [(("root", "a", "1.png"), b"x" * 700), (("root", "a", "2.png"), b""),
            (("root", "b", "3.png"), bytes(range(256)) * 3)]


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
@pytest.mark.parametrize("format", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_every_compression_and_format(tmp_path, mode, format):
    path = _archive(tmp_path / "a.tar", MEMBERS, mode=mode, format=format)
    assert list(tarstream.iter_files(path, **LIMITS)) == EXPECTED


def test_fast_path_is_used_for_plain_ustar(tmp_path, monkeypatch):
    path = _archive(tmp_path / "a.tar.gz", MEMBERS)

    def no_fallback(*args):
        raise AssertionError("fell back to tarfile for a plain ustar archive")

    monkeypatch.setattr(tarstream, "_tarfile_members", no_fallback)
    assert list(tarstream.iter_files(path, **LIMITS)) == EXPECTED


def test_long_names_fall_back_to_tarfile(tmp_path):
    long_name = "root/" + "d" * 120 + "/" + "f" * 120 + ".png"
    for format in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        path = _archive(tmp_path / f"long{format}.tar.gz", [(long_name, b"abc")], format=format)
        assert list(tarstream.iter_files(path, **LIMITS)) == [(tuple(long_name.split("/")), b"abc")]


def test_progress_bar_counts_the_compressed_bytes(tmp_path):
    path = _archive(tmp_path / "a.tar.gz", MEMBERS)

    class Bar:
        n = 0

        def update(self, k):
            self.n += k

        def reset(self):
            self.n = 0

    bar = Bar()
    list(tarstream.iter_files(path, **LIMITS, bar=bar))
    assert bar.n == path.stat().st_size


def test_corrupt_header_is_an_error(tmp_path):
    path = _archive(tmp_path / "a.tar", MEMBERS, mode="w")
    payload = bytearray(path.read_bytes())
    payload[512 * 2 + 10] ^= 0xFF  # inside the third header (name field of root/a/1.png)
    path.write_bytes(bytes(payload))
    with pytest.raises(DataError, match="corrupt tar header after 0 bytes"):
        list(tarstream.iter_files(path, **LIMITS))


@pytest.mark.parametrize("cut", [100, 700, 1600])
def test_truncation_is_an_error(tmp_path, cut):
    path = _archive(tmp_path / "a.tar", MEMBERS, mode="w")
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(DataError, match="truncated or corrupt archive"):
        list(tarstream.iter_files(path, **LIMITS))


def test_total_size_limit(tmp_path):
    path = _archive(tmp_path / "a.tar.gz", MEMBERS)
    with pytest.raises(DataError, match="more than 1000 bytes"):
        list(tarstream.iter_files(path, max_member_bytes=1 << 20, max_total_bytes=1000))
