"""Download path, tested against a local HTTP server on 127.0.0.1 (no internet).

The server serves a small archive in the official format, a corrupted copy, one
that breaks off mid-way (once, or always), one that ignores Range requests, and
a 404; it records the Range header of every request so that resumes are checked.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from aelab.data import DataError, download, load_cifar10
from aelab.data.download import DownloadError, fetch_official
from aelab.data.fixtures import write_cifar_archive


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        state = self.server.state
        state["requests"].append((self.path, self.headers.get("Range")))
        payload = state["payload"]
        if self.path == "/missing":
            self.send_error(404, "Not Found")
            return
        if self.path == "/corrupt":
            payload = payload[:100] + bytes([payload[100] ^ 0xFF]) + payload[101:]
        offset = 0
        requested = self.headers.get("Range")
        if requested and self.path != "/no-range":
            offset = int(requested.removeprefix("bytes=").split("-")[0])
            if offset >= len(payload):
                self.send_error(416, "Range Not Satisfiable")
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {offset}-{len(payload) - 1}/{len(payload)}")
        else:
            self.send_response(200)
        body = payload[offset:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        breaks = self.path == "/break-always" or (
            self.path == "/break-once" and not state["broke_once"])
        if breaks:
            state["broke_once"] = True
            # Announce the whole body, send 40% of it, hang up.
            self.wfile.write(body[: int(len(body) * 0.4)])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server(tmp_path, small_arrays, monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    archive = write_cifar_archive(tmp_path / "served" / "cifar-10-python.tar.gz", *small_arrays)
    payload = archive.read_bytes()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.state = {"payload": payload, "requests": [], "broke_once": False}
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield {
        "url": lambda path: base + path,
        "payload": payload,
        "md5": hashlib.md5(payload).hexdigest(),
        "state": httpd.state,
    }
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_good_download_is_verified_and_renamed(server, tmp_path):
    dest = tmp_path / "out" / "cifar-10-python.tar.gz"
    got = download.download(server["url"]("/good"), dest, md5=server["md5"], progress=False)
    assert got == dest and dest.read_bytes() == server["payload"]
    assert not dest.with_name(dest.name + ".part").exists()


def test_corrupt_download_fails_checksum_and_leaves_nothing(server, tmp_path):
    dest = tmp_path / "cifar-10-python.tar.gz"
    with pytest.raises(DataError, match="MD5 .* does not match the published .*run the same command again"):
        download.download(server["url"]("/corrupt"), dest, md5=server["md5"], progress=False)
    assert list(tmp_path.iterdir()) == [tmp_path / "served"]


def test_break_mid_way_resumes_with_range(server, tmp_path):
    dest = tmp_path / "cifar-10-python.tar.gz"
    download.download(server["url"]("/break-once"), dest, md5=server["md5"], progress=False,
                      retry_wait_s=0)
    assert dest.read_bytes() == server["payload"]
    first, second = server["state"]["requests"]
    cut = int(len(server["payload"]) * 0.4)
    assert first == ("/break-once", None) and second == ("/break-once", f"bytes={cut}-")


def test_broken_download_keeps_partial_file_and_next_call_resumes(server, tmp_path):
    dest = tmp_path / "cifar-10-python.tar.gz"
    part = tmp_path / "cifar-10-python.tar.gz.part"
    with pytest.raises(DownloadError, match=r"run the same command again to resume"):
        download.download(server["url"]("/break-always"), dest, md5=server["md5"],
                          progress=False, retries=0)
    assert not dest.exists()
    assert 0 < part.stat().st_size < len(server["payload"])
    kept = part.stat().st_size
    download.download(server["url"]("/good"), dest, md5=server["md5"], progress=False)
    assert dest.read_bytes() == server["payload"]
    assert server["state"]["requests"][-1] == ("/good", f"bytes={kept}-")


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    dest = tmp_path / "cifar-10-python.tar.gz"
    part = tmp_path / "cifar-10-python.tar.gz.part"
    part.write_bytes(server["payload"][:500])
    download.download(server["url"]("/no-range"), dest, md5=server["md5"], progress=False)
    assert dest.read_bytes() == server["payload"]


def test_stale_partial_larger_than_the_file_is_discarded(server, tmp_path):
    dest = tmp_path / "cifar-10-python.tar.gz"
    (tmp_path / "cifar-10-python.tar.gz.part").write_bytes(b"x" * (len(server["payload"]) + 10))
    download.download(server["url"]("/good"), dest, md5=server["md5"], progress=False)
    assert dest.read_bytes() == server["payload"]


def test_http_error_is_reported(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download.download(server["url"]("/missing"), tmp_path / "x.tar.gz", md5=None,
                          progress=False, retries=0)


def test_unreachable_server_is_reported(tmp_path):
    with pytest.raises(DownloadError, match="could not download"):
        download.download("http://127.0.0.1:9/nothing", tmp_path / "x.tar.gz", md5=None,
                          progress=False, retries=1, retry_wait_s=0, timeout=2)


def test_wrong_size_is_reported(server, tmp_path):
    with pytest.raises(DataError, match="expected"):
        download.download(server["url"]("/good"), tmp_path / "x.tar.gz", md5=None,
                          size=len(server["payload"]) - 1, progress=False, retries=0)


def test_existing_official_file_with_wrong_md5_is_an_error(server, tmp_path):
    dest = tmp_path / "cifar-10-python.tar.gz"
    dest.write_bytes(b"not the archive")
    with pytest.raises(DataError, match="delete it and run `aelab data fetch` again"):
        fetch_official(dest, url=server["url"]("/good"), md5=server["md5"], progress=False)
    assert server["state"]["requests"] == []


def test_official_constants_are_the_published_ones():
    assert download.OFFICIAL_URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert download.OFFICIAL_MD5 == "c58f30108f718f92721af3b95e74349a"
    assert download.OFFICIAL_SIZE == 170_498_071


def test_load_cifar10_downloads_the_default_source(server, cache_dir, monkeypatch, small_arrays):
    monkeypatch.setattr(download, "fetch_official", functools.partial(
        fetch_official, url=server["url"]("/break-once"), md5=server["md5"], size=None))
    monkeypatch.setattr(download, "OFFICIAL_MD5", server["md5"])
    data = load_cifar10(progress=False)
    np.testing.assert_array_equal(data.x_train, small_arrays[0])
    assert (cache_dir / "cifar-10-python.tar.gz").read_bytes() == server["payload"]
    assert data.sha256 == hashlib.sha256(server["payload"]).hexdigest()


def test_load_cifar10_checks_the_default_archive_md5(server, cache_dir, monkeypatch):
    cache_dir.mkdir()
    (cache_dir / "cifar-10-python.tar.gz").write_bytes(server["payload"])
    # The real published MD5 cannot match the small fixture archive.
    with pytest.raises(DataError, match="does not match the published"):
        load_cifar10(progress=False)
    assert not (cache_dir / "arrays").exists() or not any((cache_dir / "arrays").iterdir())
