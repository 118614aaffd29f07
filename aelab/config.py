"""Run-time settings read from the environment, in one place.

Every setting has an explicit-argument form in the functions that use it; the
environment variables below are the defaults those functions fall back to, so
that notebooks, the CLI, CI and the autograder select the same thing the same
way.

=====================  ==========================================================
``AELAB_PROFILE``      ``quick`` (CI, grading, smoke runs) or ``full`` (what the
                       book shows). Default: ``full``.
``AELAB_DATA``         CIFAR-10 source: ``cifar-10-python.tar.gz``, an extracted
                       ``cifar-10-batches-py/`` directory, an image-folder tree
                       or a ``.tar.gz`` of one. Default: the official archive in
                       the cache directory, downloaded when absent.
``AELAB_CACHE``        Cache directory (downloads, decoded arrays).
                       Default: ``~/.cache/aelab``.
``AELAB_RESULTS``      Where runs write their JSON results and figures.
                       Default: ``results/`` in the current directory.
``AELAB_ARTEFACTS``    Where notebooks save models for the autograder.
                       Default: ``artefacts/`` in the current directory.
=====================  ==========================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROFILES = ("quick", "full")


@dataclass(frozen=True)
class Profile:
    """A named size for every experiment: ``quick`` shrinks data and epochs."""

    name: str

    @property
    def quick(self) -> bool:
        return self.name == "quick"

    def pick(self, *, quick, full):
        """Return ``quick`` or ``full`` according to this profile."""
        return quick if self.quick else full


def get_profile(name: str | None = None) -> Profile:
    """Profile from ``name``, else ``$AELAB_PROFILE``, else ``full``."""
    name = name or os.environ.get("AELAB_PROFILE") or "full"
    name = name.strip().lower()
    if name not in PROFILES:
        raise ValueError(
            f"unknown profile {name!r}: use one of {', '.join(PROFILES)} "
            "(argument --profile or environment variable AELAB_PROFILE)"
        )
    return Profile(name)


def cache_dir(path: str | os.PathLike | None = None) -> Path:
    """Cache directory from ``path``, else ``$AELAB_CACHE``, else ``~/.cache/aelab``."""
    chosen = path or os.environ.get("AELAB_CACHE") or Path.home() / ".cache" / "aelab"
    return Path(chosen).expanduser()


def data_source(path: str | os.PathLike | None = None) -> Path | None:
    """CIFAR-10 source from ``path``, else ``$AELAB_DATA``; ``None`` means the default cache."""
    chosen = path or os.environ.get("AELAB_DATA")
    return Path(chosen).expanduser() if chosen else None


def results_dir(path: str | os.PathLike | None = None) -> Path:
    """Results directory from ``path``, else ``$AELAB_RESULTS``, else ``./results``."""
    return Path(path or os.environ.get("AELAB_RESULTS") or "results").expanduser()


def artefacts_dir(path: str | os.PathLike | None = None) -> Path:
    """Artefact directory from ``path``, else ``$AELAB_ARTEFACTS``, else ``./artefacts``."""
    return Path(path or os.environ.get("AELAB_ARTEFACTS") or "artefacts").expanduser()
