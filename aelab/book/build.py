"""Build the book strictly for one profile: ``build_book(profile, data_source)``.

Steps: MathJax in place (:mod:`.assets`); execution cache checked against
:mod:`.cache_key` and wiped when stale; an effective config written into the
build folder (profile, cache path, cell timeout); ``jupyter-book build -W
--keep-going --all``; the site checked for remote assets (:mod:`.offline`);
the key stored only after a successful build.

The solutions write their results JSON into the build folder (``AELAB_RESULTS``)
so that the results page always shows the numbers of the outputs it sits next to.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import config
from . import assets, cache_key, figures, offline

REPO_ROOT = Path(__file__).resolve().parents[2]
# Per-cell limit: the longest full-profile training cell is well under 20 minutes
# on 2 CPU cores; quick-profile cells take seconds, so a hang fails fast there.
CELL_TIMEOUT_S = {"quick": 600, "full": 1800}
FIGURES_DIR = Path("book") / "_generated"


class BookBuildError(RuntimeError):
    """The book did not build (a notebook failed, a warning, a remote asset)."""


@dataclass(frozen=True)
class BookBuild:
    html_dir: Path
    results_dir: Path
    profile: str
    seconds: float
    cache_cleared: bool


def toc_files(toc_path: str | os.PathLike) -> list[str]:
    """Every document of a ``jb-book`` toc (``root`` and each ``file``), without suffix."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(yaml.safe_load(Path(toc_path).read_text()))
    return found


def solution_exercises(toc_path: str | os.PathLike) -> list[str]:
    """Exercise ids (``ex08``...) of the ``solutions/<ex>/`` notebooks listed in a toc."""
    found: list[str] = []
    for doc in toc_files(toc_path):
        if doc.startswith("solutions/") and doc.split("/")[1] not in found:
            found.append(doc.split("/")[1])
    return found


def needs_figures(root: Path, toc_path: Path) -> bool:
    """Whether any Markdown page of the toc has a ``<!-- aelab-figures ... -->`` marker."""
    for doc in toc_files(toc_path):
        page = root / f"{doc}.md"
        if page.is_file() and figures.MARKER.search(page.read_text(encoding="utf-8")):
            return True
    return False


def _expected_results(exercises: list[str], profile: str) -> list[str]:
    """Results files the solution notebooks must leave behind (see results_page.REQUIRED_KIND)."""
    return [f"{ex}-notebook-{profile}.json" for ex in exercises]


def write_effective_config(
    root: Path, target: Path, *, profile: str, cache_dir: Path, results_dir: Path, execute: bool
) -> Path:
    """``_config.yml`` with this build's execution settings, written to ``target``."""
    settings = yaml.safe_load((root / "_config.yml").read_text())
    execute_cfg = settings.setdefault("execute", {})
    execute_cfg["execute_notebooks"] = "cache" if execute else "off"
    execute_cfg["cache"] = str(cache_dir)
    execute_cfg["timeout"] = CELL_TIMEOUT_S[profile]
    sphinx_cfg = settings.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_cfg["aelab_profile"] = profile
    sphinx_cfg["aelab_results_dir"] = str(results_dir)
    sphinx_cfg["aelab_require_results"] = execute
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(yaml.safe_dump(settings, sort_keys=False))
    os.replace(tmp, target)
    return target


def _ensure_figures(root: Path, key: dict, env: dict) -> None:
    """(Re)make the Q-page figures when the package, data or profile changed."""
    figures_dir = root / FIGURES_DIR
    key_file = figures_dir / "aelab-key.json"
    if cache_key.read_key(key_file) == key and (figures_dir / "figures.json").is_file():
        return
    key_file.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "aelab.book.figures", "--out", str(figures_dir)], cwd=root, env=env
    )
    if done.returncode != 0:
        raise BookBuildError(f"making the figures of the Q pages failed (exit {done.returncode})")
    cache_key.write_key(key_file, key)


def build_book(
    profile: str | config.Profile | None = None,
    data_source: str | os.PathLike | None = None,
    *,
    root: str | os.PathLike = REPO_ROOT,
    out_dir: str | os.PathLike | None = None,
    toc: str | os.PathLike | None = None,
    execute: bool = True,
    stream=None,
) -> BookBuild:
    """Run the solutions in ``profile`` on ``data_source`` and build the HTML.

    ``out_dir`` is Jupyter Book's ``--path-output`` (default: the book root), so
    the site lands in ``<out_dir>/_build/html``. Raises :class:`BookBuildError`
    when the build fails, ``ValueError``/``FileNotFoundError`` for bad input.
    """
    start = time.perf_counter()
    root = Path(root).resolve()
    if not (root / "_config.yml").is_file():
        raise FileNotFoundError(f"{root} has no _config.yml: run from the aelab repository")
    prof = profile if isinstance(profile, config.Profile) else config.get_profile(profile)
    source = config.data_source(data_source)
    if source is not None:
        source = source.resolve()
        if not source.exists():
            raise FileNotFoundError(
                f"CIFAR-10 source {source} does not exist: pass --data PATH or set AELAB_DATA"
            )
    toc_path = Path(toc).resolve() if toc else root / "_toc.yml"
    if not toc_path.is_file():
        raise FileNotFoundError(f"table of contents {toc_path} not found")
    out = Path(out_dir).resolve() if out_dir else root
    build_dir = out / "_build"
    cache_dir = build_dir / f".jupyter_cache-{prof.name}"
    results_dir = build_dir / "results"
    key_file = build_dir / f"aelab-cache-key-{prof.name}.json"

    assets.install_mathjax(root)

    key = cache_key.compute_key(prof, source)
    expected = _expected_results(solution_exercises(toc_path), prof.name)
    missing = [name for name in expected if not (results_dir / name).is_file()]
    stale = cache_key.read_key(key_file) != key or (execute and missing)
    if stale and execute:
        # Outputs cached under another package/data/profile, or without their
        # results files: run everything again.
        shutil.rmtree(cache_dir, ignore_errors=True)
        for old in results_dir.glob(f"*-{prof.name}.json"):
            old.unlink()
        key_file.unlink(missing_ok=True)
    results_dir.mkdir(parents=True, exist_ok=True)

    effective = write_effective_config(
        root, build_dir / f"_config-{prof.name}.yml", profile=prof.name,
        cache_dir=cache_dir, results_dir=results_dir, execute=execute,
    )
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env.update(
        PATH=bin_dir + os.pathsep + env.get("PATH", ""),  # kernel = this interpreter
        AELAB_PROFILE=prof.name,
        AELAB_RESULTS=str(results_dir),
        AELAB_ARTEFACTS=str(build_dir / f"artefacts-{prof.name}"),
        MPLBACKEND="Agg",
        TF_CPP_MIN_LOG_LEVEL=env.get("TF_CPP_MIN_LOG_LEVEL", "2"),  # C++ log lines would land in cell outputs
        PYTHONHASHSEED="0",
    )
    if source is not None:
        env["AELAB_DATA"] = str(source)
    if execute and needs_figures(root, toc_path):
        _ensure_figures(root, key, env)
    jupyter_book = shutil.which("jupyter-book", path=bin_dir) or shutil.which("jupyter-book")
    if jupyter_book is None:
        raise FileNotFoundError("jupyter-book is not installed: pip install -e '.[dev]'")
    command = [
        jupyter_book, "build", str(root), "--path-output", str(out), "--config", str(effective),
        "--toc", str(toc_path), "--builder", "html", "-W", "--keep-going", "--all",
    ]
    done = subprocess.run(command, cwd=root, env=env, stdout=stream, stderr=subprocess.STDOUT)
    html_dir = build_dir / "html"
    if done.returncode != 0:
        raise BookBuildError(
            f"jupyter-book build failed (exit {done.returncode}): the failing cell's traceback "
            "or the Sphinx warnings (turned into errors by -W) are printed above"
        )
    remote = offline.remote_assets(html_dir)
    if remote:
        listing = "; ".join(f"{page}: {', '.join(hits[:3])}" for page, hits in remote.items())
        raise BookBuildError(f"the site loads assets from other hosts: {listing}")
    if execute:
        cache_key.write_key(key_file, key)
    return BookBuild(html_dir, results_dir, prof.name, time.perf_counter() - start, bool(stale))
