"""Download a file with a progress bar, checksum, atomic rename and HTTP Range resume.

The bytes go to ``<dest>.part``; a broken connection keeps that file, and the next
attempt (automatic retries here, or the next call) asks the server for the rest
with ``Range: bytes=<size>-``. A server that ignores Range (status 200) makes
it start over. Only a complete file whose MD5 matches the published value is
renamed to ``dest``; a mismatch deletes the partial file and raises.
"""

from __future__ import annotations

import http.client
import os
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from .checksums import describe, md5_file
from .errors import DataError

OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
OFFICIAL_SIZE = 170_498_071

# Published checksums of known source files, by file name: (algorithm, hex digest).
PUBLISHED_CHECKSUMS = {
    "cifar-10-python.tar.gz": ("md5", OFFICIAL_MD5),
    # The course's shared JPEG copy (value from its README).
    "cifar10-jpeg.tar.gz": ("sha256", "3dcbb0f9c1a863f33a8269416b0c42d2731a0f28b09106c21813fec48e8f0739"),
}

_CHUNK = 1 << 16
_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError,
                   socket.timeout, TimeoutError)


class DownloadError(DataError):
    """The download failed or broke off; the partial file is kept for a resume."""


def download(url: str, dest: str | os.PathLike, *, md5: str | None, size: int | None = None,
             progress: bool = True, retries: int = 3, timeout: float = 60.0,
             retry_wait_s: float = 1.0) -> Path:
    """Download ``url`` to ``dest``, verified, resuming a previous partial download.

    Args:
        url: http(s) URL.
        dest: final path; ``<dest>.part`` holds the bytes until they are verified.
        md5: expected hex MD5 of the whole file (``None``: not checked).
        size: expected size in bytes (``None``: taken from the server's headers).
        progress: show a tqdm progress bar on stderr.
        retries: extra attempts (each resuming) after a broken connection.
        timeout: seconds of socket inactivity before an attempt fails.
        retry_wait_s: pause between attempts.

    Returns:
        ``dest``, complete and verified.

    Raises:
        DownloadError: unreachable server, HTTP error, or still incomplete after
            the retries (the partial file stays for the next call to resume).
        DataError: the complete file's MD5 differs (partial file deleted).
    """
    dest = Path(dest).expanduser()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    last_error: Exception | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(retry_wait_s)
        try:
            total = _fetch_into(url, part, size=size, progress=progress, timeout=timeout)
        except _NETWORK_ERRORS as exc:
            last_error = exc
            continue
        if total is not None and part.stat().st_size < total:
            last_error = DownloadError(f"connection closed at {part.stat().st_size} of {total} bytes")
            continue
        break
    else:
        have = part.stat().st_size if part.exists() else 0
        raise DownloadError(
            f"could not download {url} to {describe(dest)} after {retries + 1} attempts "
            f"({last_error}); {have} bytes kept in {describe(part)}: run the same command again "
            "to resume, or download the file by hand and pass its path (--data / AELAB_DATA)"
        )
    if size is not None and part.stat().st_size != size:
        got = part.stat().st_size
        part.unlink()
        raise DataError(f"{url}: downloaded {got} bytes, expected {size}; the server sent a "
                        "different file: check the URL, then run again")
    if md5 is not None:
        got = md5_file(part)
        if got != md5.lower():
            part.unlink()
            raise DataError(
                f"{url}: MD5 {got} does not match the published {md5}; the download was "
                "corrupted (deleted): run the same command again"
            )
    os.replace(part, dest)
    return dest


def _fetch_into(url: str, part: Path, *, size: int | None, progress: bool,
                timeout: float) -> int | None:
    """One attempt: append the missing bytes to ``part``; return the expected total size."""
    offset = part.stat().st_size if part.exists() else 0
    if size is not None and offset > size:
        part.unlink()  # bigger than the real file: not a prefix of it
        offset = 0
    if size is not None and offset == size:
        return size
    request = urllib.request.Request(url, headers={"User-Agent": "aelab-data/1"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            # Range not satisfiable: our partial file is not a prefix; start over.
            part.unlink()
            return _fetch_into(url, part, size=size, progress=progress, timeout=timeout)
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}; check the URL or try later") from exc
    with response:
        if offset and response.status != 206:
            offset = 0  # the server ignored Range and sends everything again
        length = response.headers.get("Content-Length")
        total = size if size is not None else (offset + int(length) if length else None)
        with open(part, "ab" if offset else "wb") as out, _progress_bar(
                progress, total, offset, part.name) as bar:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                bar.update(len(chunk))
    return total


def _progress_bar(enabled: bool, total: int | None, initial: int, name: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                desc=f"downloading {name.removesuffix('.part')}", disable=not enabled,
                leave=False)


def fetch_official(dest: str | os.PathLike, *, progress: bool = True, url: str = OFFICIAL_URL,
                   md5: str = OFFICIAL_MD5, size: int | None = OFFICIAL_SIZE) -> Path:
    """The official ``cifar-10-python.tar.gz`` at ``dest``: verified if present, else downloaded.

    An existing file with a wrong MD5 is an error (delete it, then fetch again),
    never silently replaced.
    """
    dest = Path(dest).expanduser()
    if dest.exists():
        verify_md5(dest, md5)
        return dest
    return download(url, dest, md5=md5, size=size, progress=progress)


def verify_md5(path: Path, md5: str) -> None:
    """Raise :class:`DataError` naming ``path`` and the fix when its MD5 is not ``md5``."""
    got = md5_file(path)
    if got != md5.lower():
        raise DataError(
            f"{describe(path)}: MD5 {got} does not match the published {md5}; the file is "
            "corrupt or incomplete: delete it and run `aelab data fetch` again"
        )
