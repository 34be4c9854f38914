"""A built web page -> what a reader and a browser get from it: links, headings, landmarks, words.

A small reader on the standard library's HTML parser, for the tests; it knows nothing of how the
pages are written, only HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
WORD = re.compile(r"\w+")


@dataclass
class Page:
    lang: str = ""
    links: list[tuple[str, str, dict]] = field(default_factory=list)  # (tag, address, attrs)
    headings: list[tuple[int, str]] = field(default_factory=list)
    tags: Counter = field(default_factory=Counter)
    langs: list[tuple[str, str]] = field(default_factory=list)  # (lang, text of the element)
    main_text: list[str] = field(default_factory=list)   # the handout's own text, in order
    ids: list[str] = field(default_factory=list)

    @property
    def words(self) -> Counter:
        return words(" ".join(self.main_text))


def words(text: str) -> Counter:
    return Counter(WORD.findall(text.casefold()))


class _Reader(HTMLParser):
    """Collects a Page. Text inside an element with class `web-only` (links to the PDFs) and
    the translation notice (on paper it is page furniture) is not the handout's text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[dict] = []   # the open elements
        self.heading: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.page.tags[tag] += 1
        if a.get("id"):
            self.page.ids.append(a["id"])
        if tag == "html":
            self.page.lang = a.get("lang", "")
        for name in ("href", "src"):
            if a.get(name) is not None:
                self.page.links.append((tag, a[name], a))
        if tag in VOID:
            return
        parent = self.stack[-1] if self.stack else {"main": False, "skip": False, "lang": None}
        classes = (a.get("class") or "").split()
        lang = parent["lang"]
        if a.get("lang") and tag != "html":
            self.page.langs.append((a["lang"], ""))
            lang = len(self.page.langs) - 1
        self.stack.append({"tag": tag, "main": parent["main"] or tag == "main",
                           "skip": parent["skip"] or "web-only" in classes
                           or "notice" in classes, "lang": lang})
        if re.fullmatch(r"h[1-6]", tag):
            self.heading = [int(tag[1]), ""]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            open_tag = self.stack.pop()["tag"]
            if re.fullmatch(r"h[1-6]", open_tag) and self.heading is not None:
                self.page.headings.append((self.heading[0], " ".join(self.heading[1].split())))
                self.heading = None
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.stack:
            return
        here = self.stack[-1]
        if self.heading is not None:
            self.heading[1] += data
        if here["lang"] is not None:
            lang, said = self.page.langs[here["lang"]]
            self.page.langs[here["lang"]] = (lang, said + data)
        if here["main"] and not here["skip"]:
            self.page.main_text.append(data)


def read_page(path: Path) -> Page:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader.page


def target(page_path: Path, address: str) -> Path | None:
    """The file a relative link of a page leads to; None for a link that leaves the site's
    files (an address with a scheme, such as tel:, or a page's own #anchor)."""
    parts = urlsplit(address)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return (page_path.parent / unquote(parts.path)).resolve()


CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def css_references(css: str) -> list[str]:
    return CSS_URL.findall(css)
