"""Offline assets: MathJax 3 installed from npm and served by the site itself.

MathJax goes to ``book/_static_offline/mathjax/`` (git-ignored), which
``_config.yml`` lists in ``html_static_path``: Sphinx copies it to
``_static/mathjax/`` in the HTML. It must not live in a top-level ``_static/``
folder, whose every ``.js`` file Jupyter Book 1 injects into each page as a
script tag.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

STATIC_DIR = Path("book") / "_static_offline"
MATHJAX_DIR = STATIC_DIR / "mathjax"
# Relative to the HTML static folder; the same string is `mathjax_path` in _config.yml.
MATHJAX_ENTRY = "mathjax/tex-chtml.js"
_STAMP = ".aelab-mathjax-version"


def _npm_mathjax(root: Path) -> Path:
    return root / "node_modules" / "mathjax"


def install_mathjax(root: str | os.PathLike) -> Path:
    """Make ``book/_static_offline/mathjax`` hold MathJax 3's ``es5`` build.

    Runs ``npm ci`` (versions from ``package-lock.json``) when ``node_modules``
    lacks MathJax. Returns the folder. Raises ``RuntimeError`` with what to do
    when npm is missing or fails.
    """
    root = Path(root)
    package = _npm_mathjax(root)
    if not (package / "es5" / "tex-chtml.js").is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "MathJax is not installed and `npm` is missing: install Node.js/npm "
                "(Debian: apt-get install npm), then run `npm ci` in the repository root"
            )
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=root, capture_output=True, text=True
        )
        if done.returncode != 0 or not (package / "es5" / "tex-chtml.js").is_file():
            raise RuntimeError(
                f"`npm ci` failed in {root} (exit {done.returncode}); it needs the npm "
                f"registry once. Its output:\n{done.stdout}\n{done.stderr}"
            )
    version = json.loads((package / "package.json").read_text())["version"]
    if not version.startswith("3."):
        raise RuntimeError(f"MathJax {version} in node_modules: the book needs MathJax 3 (`npm ci`)")

    target = root / MATHJAX_DIR
    stamp = target / _STAMP
    if stamp.is_file() and stamp.read_text().strip() == version:
        return target
    # Copy next to the target, then swap, so a half-copied folder is never used.
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(package / "es5", staging)
    (staging / _STAMP).write_text(version + "\n")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    return target
