"""Check that a built site loads nothing from another host.

Links (``<a href="https://...">``) are fine: a reader clicks them. Anything the
browser fetches by itself is not: scripts, stylesheets, images, fonts, iframes,
preloads and ``url(...)`` in CSS.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

_REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_INLINE_URL = re.compile(r"https?://[^\s'\"<>]+", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", re.IGNORECASE)
# (tag, attribute) pairs the browser fetches without a click.
_FETCHED = {
    ("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"),
    ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data"),
    ("link", "href"),
}
# <link rel=...> values that do not fetch anything.
_INERT_LINK_RELS = {"canonical", "alternate", "author", "license", "help", "search", "next",
                    "prev", "index", "copyright", "top", "up", "first", "last"}


class _AssetFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []
        self._in_script = False

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        # Inline scripts that name a remote URL load it sooner or later (thebe, require.js).
        if self._in_script:
            self.remote.extend(f"inline script {url}" for url in _INLINE_URL.findall(data))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in_script = tag == "script" and not attrs.get("src")
        for name, value in attrs.items():
            if value is None or (tag, name) not in _FETCHED or not _REMOTE.match(value):
                continue
            if tag == "link" and set((attrs.get("rel") or "").lower().split()) <= _INERT_LINK_RELS:
                continue
            self.remote.append(f"<{tag} {name}={value}>")
        style = attrs.get("style") or ""
        self.remote.extend(f"style url({url})" for url in _CSS_URL.findall(style))


def remote_assets(html_dir: str | os.PathLike) -> dict[str, list[str]]:
    """Map of file (relative to ``html_dir``) to the remote assets it would load."""
    root = Path(html_dir)
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8", errors="replace")
            finder = _AssetFinder()
            finder.feed(text)
            styles = "".join(re.findall(r"<style.*?</style>", text, re.S | re.I))
            hits = finder.remote + _CSS_URL.findall(styles)
        elif path.suffix == ".css":
            hits = _CSS_URL.findall(path.read_text(encoding="utf-8", errors="replace"))
        else:
            continue
        if hits:
            found[path.relative_to(root).as_posix()] = hits
    return found
