"""The real book: built in the quick profile on the real CIFAR-10 copy, then
checked page by page in headless Chromium (Debian package, driven by Playwright).

The build runs once per session (``quick_book``) and the browser test reuses it.
Screenshots of a few pages are kept in ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path

import pytest

from aelab.book import build, offline

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in CI containers
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
SCREENSHOT_PAGES = ("book/intro.html", "book/q7_generative.html", "book/results.html",
                    "solutions/ex08/ex08_denoising_pretraining.html")

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


@pytest.fixture(scope="session")
def quick_book(real_cifar, tmp_path_factory):
    """The book built in the quick profile on ``$AELAB_DATA`` into a temporary folder."""
    out = tmp_path_factory.mktemp("book")
    start = time.perf_counter()
    built = build.build_book("quick", real_cifar.source, out_dir=out)
    print(f"quick-profile book built in {time.perf_counter() - start:.0f} s into {built.html_dir}")
    return built


def test_quick_book_builds_strictly(quick_book):
    html = quick_book.html_dir
    for doc in build.toc_files(ROOT / "_toc.yml"):
        assert (html / f"{doc}.html").is_file(), f"{doc} was not built"
    assert offline.remote_assets(html) == {}
    reports = html / "reports"
    assert not reports.exists() or not any(reports.iterdir()), "notebook error reports exist"
    # Each solution notebook leaves its results file for the results page.
    for exercise in build.solution_exercises(ROOT / "_toc.yml"):
        assert (quick_book.results_dir / f"{exercise}-notebook-quick.json").is_file()
    results = (html / "book" / "results.html").read_text()
    assert "<code class=\"docutils literal notranslate\"><span class=\"pre\">quick</span></code>" in results
    assert "not measured" not in results and "No results" not in results
    for figure in ("q3_overfitting", "q4_noise", "q6_features", "q7_kl"):
        assert list((html / "_images").glob(f"{figure}*.png")), f"figure {figure} missing"
    # Grading cells carry the remove-cell tag: none of nbgrader's markup may show.
    for notebook in (html / "solutions").rglob("*.html"):
        text = notebook.read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "### BEGIN SOLUTION" not in text


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="module")
def served_book(quick_book):
    handler = functools.partial(_QuietHandler, directory=str(quick_book.html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", quick_book.html_dir
    finally:
        server.shutdown()
        server.server_close()


def _pages(html_dir: Path) -> list[str]:
    skip = {"_static", "_sources", "_images", "reports"}
    return sorted(
        p.relative_to(html_dir).as_posix()
        for p in html_dir.rglob("*.html")
        if not skip & set(p.relative_to(html_dir).parts)
    )


def test_every_page_in_a_real_browser(served_book):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run ./.ci/sysdeps (installs Debian's chromium)")
    base, html_dir = served_book
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    pages = _pages(html_dir)
    assert "book/intro.html" in pages and "search.html" in pages
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        console_errors: list[str] = []
        foreign: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console_errors.append(str(e)))
        page.on("request", lambda r: foreign.append(r.url)
                if not r.url.startswith((base, "data:", "blob:")) else None)
        math_pages = 0
        for name in pages:
            console_errors.clear()
            foreign.clear()
            page.goto(f"{base}/{name}", wait_until="load")
            # MathJax typesets asynchronously; wait for it when the page loads it.
            page.wait_for_function(
                "!window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise)",
                timeout=20_000,
            )
            page.evaluate("window.MathJax && window.MathJax.startup ? "
                          "window.MathJax.startup.promise : null")
            page.wait_for_function(
                "Array.from(document.images).every(i => i.complete)", timeout=20_000
            )
            math = page.evaluate(
                """() => {
                  const spans = document.querySelectorAll('.math');
                  const typeset = document.querySelectorAll('.math mjx-container, mjx-container.MathJax');
                  return {expected: spans.length, typeset: typeset.length,
                          errors: document.querySelectorAll('mjx-merror').length,
                          raw: Array.from(spans).filter(s => !s.querySelector('mjx-container')
                                                         && /\\\\\\(|\\\\\\[|\\$/.test(s.textContent)).length};
                }"""
            )
            if math["expected"]:
                math_pages += 1
                if math["typeset"] < math["expected"] or math["raw"] or math["errors"]:
                    problems.append(f"{name}: math not typeset ({math})")
            broken = page.evaluate(
                "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                ".map(i => i.getAttribute('src'))"
            )
            if broken:
                problems.append(f"{name}: images not loaded {broken}")
            if console_errors:
                problems.append(f"{name}: console errors {console_errors}")
            if foreign:
                problems.append(f"{name}: requests to other hosts {foreign}")
            if name in SCREENSHOT_PAGES:
                target = SCREENSHOTS / (name.replace("/", "_").removesuffix(".html") + ".png")
                page.screenshot(path=str(target), full_page=False)
        assert math_pages >= 3, "expected math on the Q5, Q7 and exercise pages"

        page.goto(f"{base}/search.html?q=autoencoder", wait_until="load")
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        hits = page.locator("#search-results ul.search li").count()
        page.screenshot(path=str(SCREENSHOTS / "search.png"))
        browser.close()
    assert hits >= 5, f"search for 'autoencoder' found only {hits} pages"
    assert problems == [], "\n".join(problems)
    for name in SCREENSHOT_PAGES:
        assert (SCREENSHOTS / (name.replace("/", "_").removesuffix(".html") + ".png")).is_file()
