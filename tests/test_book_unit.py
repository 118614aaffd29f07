"""Fast checks of the book: configuration, table of contents, citations, and the
build helpers (results-page generator, cache key, offline check) on fixture files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from aelab import config
from aelab.book import build, cache_key, offline, results_page
from aelab.results import write_results

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def test_config_builds_strictly_and_offline(book_config):
    assert book_config["only_build_toc_files"] is True
    execute = book_config["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["allow_errors"] is False
    assert execute["timeout"] >= 600  # training cells run for minutes in the full profile
    sphinx = book_config["sphinx"]["config"]
    assert sphinx["nb_execution_raise_on_error"] is True
    assert not re.match(r"https?://", sphinx["mathjax_path"])
    assert sphinx["mathjax_path"] == "mathjax/tex-chtml.js"
    # MathJax must not sit in a top-level _static/, whose every .js Jupyter Book 1 injects.
    assert not (ROOT / "_static").exists()
    assert all(Path(p).name != "_static" for p in sphinx["html_static_path"])
    assert sphinx["nb_ipywidgets_js"] == {}
    assert book_config["launch_buttons"]["thebe"] is False
    assert "aelab.book.sphinx_ext" in book_config["sphinx"]["extra_extensions"]
    for bib in book_config["bibtex_bibfiles"]:
        assert (ROOT / bib).is_file(), bib


def test_toc_lists_existing_files():
    missing = [
        doc for doc in build.toc_files(ROOT / "_toc.yml")
        if not any((ROOT / f"{doc}{suffix}").is_file() for suffix in (".md", ".ipynb"))
    ]
    assert missing == [], f"_toc.yml names files that do not exist: {missing}"


def test_toc_has_one_chapter_per_exercise_with_its_notebook():
    assert build.solution_exercises(ROOT / "_toc.yml") == ["ex08", "ex09", "ex10"]
    docs = build.toc_files(ROOT / "_toc.yml")
    for exercise in ("ex08", "ex09", "ex10"):
        assert f"book/{exercise}" in docs
        assert docs[docs.index(f"book/{exercise}") + 1].startswith(f"solutions/{exercise}/")


def test_every_citation_is_in_the_bibliography():
    keys = set(re.findall(r"@\w+\{([^,]+),", (ROOT / "book/references.bib").read_text()))
    sources = [p.read_text() for p in (ROOT / "book").glob("*.md")]
    sources.append((ROOT / "aelab/book/references.py").read_text())
    cited = {
        key.strip()
        for text in sources
        for group in re.findall(r"\{cite:[pt]\}`([^`]+)`", text)
        for key in group.split(",")
    }
    assert cited, "no citations found"
    assert cited - keys == set()
    for required in ("salakhutdinov2009semantic", "guo2015cnnhash", "kingma2014vae",
                     "vincent2008dae", "vincent2010sdae", "geron2017"):
        assert required in cited, f"{required} is never cited"


def test_question_pages_link_their_exercises():
    for page, exercise in [("q2_pretraining", "ex08"), ("q6_visualising_features", "ex08"),
                           ("q7_generative", "ex10"), ("q1_uses", "ex09")]:
        assert f"({exercise}.md)" in (ROOT / "book" / f"{page}.md").read_text()


def _fixture_results(tmp_path: Path, profile: str = "quick") -> Path:
    metrics = {
        "dae": {"test_mse": 0.0071, "loss_per_epoch": [0.1, 0.05, 0.03, 0.02, 0.01, 0.009, 0.008]},
        "classifier": {"scratch_100pct": {"test_accuracy": 0.612}},
        "answer": {"best_pretrained_10pct": 0.455, "matches_full_data": False},
    }
    write_results("ex08", metrics, profile=profile, data_source=None, seeds=[42],
                  runtime_s=12.5, out_dir=tmp_path)
    write_results("ex08-notebook", {"shown_images": 8}, profile=profile, data_source=None,
                  seeds=[42], runtime_s=30.0, out_dir=tmp_path)
    return tmp_path


def test_results_page_shows_every_metric_provenance_and_references(tmp_path):
    results_dir = _fixture_results(tmp_path)
    text, problems = results_page.render_exercise("ex08", "quick", results_dir)
    assert problems == []
    assert "| `dae.test_mse` | 0.0071 |" in text
    assert "| `answer.matches_full_data` | no |" in text
    assert "| `shown_images` | 8 |" in text
    assert "`dae.loss_per_epoch`" in text  # listed as a series, not dropped silently
    assert "12.5 s" in text and "| `quick` |" in text
    # Reference rows: ours beside the public number, accuracy as a percentage.
    assert re.search(r"0\.0071 \(`dae\.test_mse`\) \| 0\.0061 after 10 epochs", text)
    assert "61.2 % (`classifier.scratch_100pct.test_accuracy`) | 55.2 %" in text
    assert "45.5 % (`answer.best_pretrained_10pct`) | 40.7 %" in text


def test_results_page_reports_missing_files_and_metrics(tmp_path):
    text, problems = results_page.render_exercise("ex10", "full", tmp_path)
    assert "No results for the `full` profile" in text
    assert any("ex10-notebook-full.json" in p for p in problems)
    write_results("ex10-notebook", {"test": {"kl_nats_per_image": 20.0}}, profile="full", data_source=None,
                  seeds=[1], runtime_s=1.0, out_dir=tmp_path)
    text, problems = results_page.render_exercise("ex10", "full", tmp_path)
    assert any("bits/dim" in p for p in problems)  # a reference with no measured counterpart
    assert "not measured" in text


def test_markers_are_replaced(tmp_path):
    results_dir = _fixture_results(tmp_path)
    source = "# Page\n\n<!-- aelab-results ex08 -->\n\nafter\n<!-- aelab-results runtimes -->\n"
    text, problems = results_page.replace_markers(source, "quick", results_dir)
    assert "aelab-results" not in text
    assert "dae.test_mse" in text and "after" in text
    assert "0.2 min" in text  # ex08 run time in the runtimes table
    assert any("ex09" in p for p in problems)
    with pytest.raises(ValueError, match="unknown exercise"):
        results_page.replace_markers("<!-- aelab-results ex99 -->", "quick", results_dir)


def test_format_value():
    assert results_page.format_value(0.000012345) == "1.234e-05"
    assert results_page.format_value(12345) == "12,345"
    assert results_page.format_value(None) == "n/a"
    assert results_page.format_value("a|b") == "a\\|b"
    assert results_page.format_value([1, 2.5]) == "[1, 2.5]"


def test_cache_key_tracks_data_profile_and_package(tmp_path):
    data = tmp_path / "data.tar.gz"
    data.write_bytes(b"one")
    first = cache_key.compute_key(config.Profile("quick"), data)
    assert first == cache_key.compute_key(config.Profile("quick"), data)
    assert first != cache_key.compute_key(config.Profile("full"), data)
    data.write_bytes(b"two")
    assert first["data"] != cache_key.compute_key(config.Profile("quick"), data)["data"]

    folder = tmp_path / "images"
    (folder / "train").mkdir(parents=True)
    (folder / "train" / "a.jpg").write_bytes(b"x")
    before = cache_key.data_digest(folder)
    (folder / "train" / "b.jpg").write_bytes(b"y")
    assert cache_key.data_digest(folder) != before
    with pytest.raises(FileNotFoundError, match="AELAB_DATA"):
        cache_key.data_digest(tmp_path / "missing")

    package = tmp_path / "pkg"
    (package / "grading").mkdir(parents=True)
    (package / "m.py").write_text("A = 1\n")
    digest = cache_key.package_digest(package)
    (package / "m.py").write_text("A = 2\n")
    assert cache_key.package_digest(package) != digest
    digest = cache_key.package_digest(package)
    (package / "grading" / "g.py").write_text("B = 1\n")  # never imported by notebooks
    assert cache_key.package_digest(package) == digest

    key_file = tmp_path / "key.json"
    assert cache_key.read_key(key_file) is None
    cache_key.write_key(key_file, first)
    assert cache_key.read_key(key_file) == first


def test_offline_check_finds_remote_assets_but_not_links(tmp_path):
    (tmp_path / "ok.html").write_text(
        '<a href="https://arxiv.org/abs/1312.6114">paper</a>'
        '<link rel="canonical" href="https://example.org/">'
        '<script src="_static/mathjax/tex-chtml.js"></script>'
    )
    (tmp_path / "bad.html").write_text(
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>'
        '<link rel="stylesheet" href="//fonts.googleapis.com/css">'
        '<script>const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"</script>'
    )
    (tmp_path / "style.css").write_text("@font-face { src: url('https://fonts.gstatic.com/x.woff2'); }")
    found = offline.remote_assets(tmp_path)
    assert set(found) == {"bad.html", "style.css"}
    assert len(found["bad.html"]) == 3


def test_effective_config_sets_profile_execution(tmp_path):
    target = build.write_effective_config(
        ROOT, tmp_path / "cfg.yml", profile="quick", cache_dir=tmp_path / "cache",
        results_dir=tmp_path / "results", execute=False,
    )
    settings = yaml.safe_load(target.read_text())
    assert settings["execute"]["execute_notebooks"] == "off"
    assert settings["execute"]["timeout"] == build.CELL_TIMEOUT_S["quick"]
    assert settings["execute"]["cache"] == str(tmp_path / "cache")
    assert settings["sphinx"]["config"]["aelab_profile"] == "quick"
    assert settings["sphinx"]["config"]["aelab_require_results"] is False
    assert settings["sphinx"]["config"]["nb_execution_raise_on_error"] is True


def test_build_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="unknown profile"):
        build.build_book("medium", None, out_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match="AELAB_DATA"):
        build.build_book("quick", tmp_path / "no-such-data", out_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match="_config.yml"):
        build.build_book("quick", None, root=tmp_path, out_dir=tmp_path)


def test_figure_markers_name_the_figures_script_makes():
    from aelab.book import figures

    names = {
        m.group("name")
        for p in (ROOT / "book").glob("*.md")
        for m in figures.MARKER.finditer(p.read_text())
    }
    assert names == set(figures.PAGES)
