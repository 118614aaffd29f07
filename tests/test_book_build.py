"""The book build pipeline on a miniature book written by the test (no CIFAR-10):
strict failure on a failing cell, the execution cache and its key, the results
page fed by the JSON the notebook wrote, and tagged grading cells removed."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from aelab.book import assets, build, cache_key

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

NOTEBOOK_CODE = """\
import os
from pathlib import Path

from aelab import config
from aelab.results import write_results

profile = config.get_profile()
runs = Path(os.environ["FAKE_BOOK_RUNS"])
runs.write_text((runs.read_text() if runs.exists() else "") + profile.name + "\\n")
metrics = {"dae": {"test_mse": 0.00731}, "classifier": {"scratch_100pct": {"test_accuracy": 0.61}},
           "answer": {"best_pretrained_10pct": 0.47}}
write_results("ex08", metrics, profile=profile, data_source=config.data_source(), seeds=[0],
              runtime_s=1.5)
write_results("ex08-notebook", {"cells_run": 2}, profile=profile,
              data_source=config.data_source(), seeds=[0], runtime_s=2.0)
### BEGIN SOLUTION
print("ran in profile", profile.name)
### END SOLUTION
"""


def _write_notebook(path: Path, code: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Fake exercise 8"),
        nbformat.v4.new_code_cell(code),
        nbformat.v4.new_code_cell('print("GRADED-TEST-MARKER")', metadata={"tags": ["remove-cell"]}),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture
def mini_book(tmp_path, monkeypatch):
    """A book root with an intro, one notebook under solutions/ex08 and a results page."""
    assets.install_mathjax(ROOT)  # so that node_modules exists to link to
    root = tmp_path / "book-root"
    (root / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    for name in ("references.bib", "favicon.svg"):  # files _config.yml names
        shutil.copy(ROOT / "book" / name, root / "book" / name)
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    (root / "book" / "intro.md").write_text("# Mini book\n\nMath: $E = mc^2$.\n")
    (root / "book" / "results.md").write_text("# Results\n\n<!-- aelab-results ex08 -->\n")
    # The reference table cites sources: the citations need a bibliography page.
    shutil.copy(ROOT / "book" / "bibliography.md", root / "book" / "bibliography.md")
    _write_notebook(root / "solutions" / "ex08" / "fake.ipynb", NOTEBOOK_CODE)
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n"
        "  - file: solutions/ex08/fake\n  - file: book/results\n  - file: book/bibliography\n"
    )
    data = tmp_path / "data.bin"
    data.write_bytes(b"stand-in for a CIFAR-10 source")
    runs = tmp_path / "runs.txt"
    monkeypatch.setenv("FAKE_BOOK_RUNS", str(runs))
    return root, data, runs


def test_build_caches_by_key_and_shows_results(mini_book, tmp_path, monkeypatch):
    root, data, runs = mini_book
    # Other work may edit the package during the test; here only the data changes the key
    # (test_book_unit checks that package edits change it).
    monkeypatch.setattr(cache_key, "package_digest", lambda *args, **kwargs: "fixed")
    out = tmp_path / "out"

    first = build.build_book("quick", data, root=root, out_dir=out)
    assert runs.read_text() == "quick\n"
    assert first.cache_cleared
    results_html = (first.html_dir / "book" / "results.html").read_text()
    assert "0.00731" in results_html and "cells_run" in results_html
    assert "0.0061 after 10 epochs" in results_html  # public reference beside it
    notebook_html = (first.html_dir / "solutions" / "ex08" / "fake.html").read_text()
    assert "ran in profile quick" in notebook_html
    assert "GRADED-TEST-MARKER" not in notebook_html  # remove-cell tag honoured
    assert "BEGIN SOLUTION" not in notebook_html and "END SOLUTION" not in notebook_html
    assert (first.html_dir / "_static" / "mathjax" / "tex-chtml.js").is_file()

    second = build.build_book("quick", data, root=root, out_dir=out)
    assert runs.read_text() == "quick\n", "unchanged key: outputs must come from the cache"
    assert not second.cache_cleared

    data.write_bytes(b"a different data source")
    third = build.build_book("quick", data, root=root, out_dir=out)
    assert runs.read_text() == "quick\nquick\n", "changed data: the notebook must run again"
    assert third.cache_cleared


def test_failing_cell_fails_the_build(mini_book, tmp_path):
    root, data, _ = mini_book
    _write_notebook(root / "solutions" / "ex08" / "fake.ipynb", 'raise RuntimeError("boom")')
    with pytest.raises(build.BookBuildError, match="jupyter-book build failed"):
        build.build_book("quick", data, root=root, out_dir=tmp_path / "out")


def test_missing_results_fail_the_build(mini_book, tmp_path):
    root, data, _ = mini_book
    # The notebook runs but writes nothing: the results page must not pass silently.
    _write_notebook(root / "solutions" / "ex08" / "fake.ipynb", 'print("no results")')
    with pytest.raises(build.BookBuildError):
        build.build_book("quick", data, root=root, out_dir=tmp_path / "out")
