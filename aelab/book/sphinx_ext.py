"""Sphinx extension: results tables generated at build time, read after the notebooks.

Listed in ``_config.yml`` (``sphinx: extra_extensions``). Configuration values:

- ``aelab_profile``: profile whose results are shown (default ``$AELAB_PROFILE``/full);
- ``aelab_results_dir``: folder of the results JSON (default ``$AELAB_RESULTS``);
- ``aelab_require_results``: when true, a missing file or unmatched reference is a
  Sphinx warning, which ``-W`` turns into a failed build;
- ``aelab_figures_dir``: folder of ``figures.json`` written by :mod:`aelab.book.figures`
  (relative to the book root), whose snippets replace ``<!-- aelab-figures NAME -->``.

Sphinx reads documents in name order, so ``book/results`` would be read before
``solutions/...`` had executed and written its JSON. ``env-before-read-docs``
moves every page with a results marker to the end and forces it to be re-read
on every build, because its content depends on files Sphinx does not track.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sphinx.util import logging

from .. import config
from .figures import MARKER as FIGURE_MARKER
from .figures import SNIPPETS_FILE
from .results_page import MARKER, replace_markers

logger = logging.getLogger(__name__)


def _pages_with_markers(app) -> list[str]:
    pages = []
    for docname in sorted(app.env.found_docs):
        path = Path(app.env.doc2path(docname))
        if path.suffix == ".md" and MARKER.search(path.read_text(encoding="utf-8")):
            pages.append(docname)
    return pages


def _read_results_pages_last(app, env, docnames: list[str]) -> None:
    marked = _pages_with_markers(app)
    for docname in marked:
        if docname in docnames:
            docnames.remove(docname)
    docnames.extend(marked)  # in place: Sphinx reads this list in order


def _expand_figure_markers(app, docname: str, source: list[str]) -> None:
    if not FIGURE_MARKER.search(source[0]):
        return
    path = Path(app.srcdir) / app.config.aelab_figures_dir / SNIPPETS_FILE
    try:
        snippets = json.loads(path.read_text())["snippets"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        snippets = {}

    def expand(match: re.Match) -> str:
        name = match.group("name")
        if name not in snippets:
            logger.warning("no figure %r in %s: run `aelab book` (it runs aelab.book.figures)",
                           name, path, location=docname, type="aelab", subtype="figures")
            return ""
        return snippets[name]

    source[0] = FIGURE_MARKER.sub(expand, source[0])


_NBGRADER_MARKERS = {"### BEGIN SOLUTION", "### END SOLUTION"}


def _strip_solution_markers(docname: str, source: list[str]) -> None:
    """Drop nbgrader's ``### BEGIN/END SOLUTION`` comment lines from solution notebooks:
    readers see the code, not the markup that cuts it out of the student version.
    (Test cells are removed by their ``remove-cell`` tag.) Only comment lines go, so
    what executes is unchanged."""
    if not docname.startswith("solutions/") or "### BEGIN SOLUTION" not in source[0]:
        return
    import nbformat

    notebook = nbformat.reads(source[0], as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            lines = cell.source.split("\n")
            cell.source = "\n".join(ln for ln in lines if ln.strip() not in _NBGRADER_MARKERS)
    source[0] = nbformat.writes(notebook)


def _expand_markers(app, docname: str, source: list[str]) -> None:
    _strip_solution_markers(docname, source)
    _expand_figure_markers(app, docname, source)
    if not MARKER.search(source[0]):
        return
    profile = config.get_profile(app.config.aelab_profile).name
    results_dir = config.results_dir(app.config.aelab_results_dir or None)
    if not results_dir.is_absolute():
        results_dir = Path(app.srcdir) / results_dir
    text, problems = replace_markers(source[0], profile, results_dir)
    source[0] = text
    for problem in problems:
        if app.config.aelab_require_results:
            logger.warning("%s", problem, location=docname, type="aelab", subtype="results")
        else:
            logger.info("aelab results: %s", problem)


def _drop_remote_scripts(app, pagename, templatename, context, doctree) -> None:
    """Remove sphinx-thebe's scripts: Jupyter Book 1 always loads it, and its inline
    script points at unpkg.com (the book has no live-code buttons to use it)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    kept = []
    for script in scripts:
        body = getattr(script, "attributes", {}).get("body", "") or ""
        if "sphinx-thebe" in str(script) or "unpkg.com" in body:
            continue
        kept.append(script)
    scripts[:] = kept


def setup(app):
    app.add_config_value("aelab_profile", None, "env")
    app.add_config_value("aelab_results_dir", None, "env")
    app.add_config_value("aelab_require_results", True, "env")
    app.add_config_value("aelab_figures_dir", "book/_generated", "env")
    app.connect("env-before-read-docs", _read_results_pages_last)
    app.connect("source-read", _expand_markers)
    app.connect("html-page-context", _drop_remote_scripts, priority=900)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
