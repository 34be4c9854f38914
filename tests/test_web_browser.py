"""The web site in a real browser: headless Chromium, driven by Playwright (DESIGN.md part 3).

On every page of a full build: axe-core finds no violation of WCAG 2.1 A and AA; nothing scrolls
sideways at 320 CSS pixels wide nor at 200 % zoom, nor with the text spacing of WCAG 1.4.12;
the skip link and the links show where the keyboard is; nothing is loaded from outside the
site; the print style leaves out the menu and the links to PDFs. Screenshots at 320 and 1280
pixels wide are compared with committed references, as the PDF pages are (test_page_images.py):

    UPDATE_REFERENCES=1 python -m pytest tests/test_web_browser.py

rewrites them (look at them, then commit); a page that differs is written to tests/output/.

The browser is Debian's `chromium` (Playwright cannot download its own here), found on PATH.
axe-core comes from its npm package, pinned in tests/browser/package-lock.json and installed
by `npm ci` into tests/browser/node_modules the first time. Without Chromium or npm these tests
are skipped, saying why; with CI=true they fail instead.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from conftest import ROOT

AXE_DIR = ROOT / "tests" / "browser"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
REFERENCE_DIR = ROOT / "tests" / "reference"
OUTPUT_DIR = ROOT / "tests" / "output"
UPDATE = os.environ.get("UPDATE_REFERENCES") == "1"
PHONE, WIDE = 320, 1280
FAR = 64                    # grey levels: ink against paper
MAX_MEAN_DIFFERENCE = 1.0   # grey levels per pixel
MAX_FAR_PIXELS = 0.002      # share of the pixels
# name -> (page below site/, width, height of the part compared or None for the whole page)
SCREENSHOTS = {
    "web-site-index-320": ("index.html", PHONE, None),
    "web-site-index-1280": ("index.html", WIDE, None),
    "web-set-index-320": ("pancreatic-net/en/index.html", PHONE, None),
    "web-set-index-1280": ("pancreatic-net/en/index.html", WIDE, None),
    # The first screens of a handout: banner, title, main message, key points, warning signs.
    "web-diagnosis-320": ("pancreatic-net/en/diagnosis.html", PHONE, 2400),
    "web-diagnosis-1280": ("pancreatic-net/en/diagnosis.html", WIDE, 1800),
    "web-staging-es-320": ("pancreatic-net/es/staging-and-grading.html", PHONE, 2400),
}
# WCAG 1.4.12: text must survive these spacings without loss.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p, li, dd, dt { margin-bottom: 2em !important; }
"""


def unavailable(reason: str):
    """Skip, saying why; in CI a missing browser is a failure, not a skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs Chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        unavailable("Chromium is not installed (on Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe() -> str:
    """The source of axe.min.js, from the npm package the lock file pins."""
    if not AXE_SCRIPT.is_file():
        npm = shutil.which("npm")
        if npm is None:
            unavailable("npm is not installed, so axe-core cannot be installed")
        result = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                                cwd=AXE_DIR, capture_output=True, text=True, timeout=600)
        if result.returncode != 0 or not AXE_SCRIPT.is_file():
            unavailable(f"npm ci could not install axe-core: {result.stderr.strip()[-300:]}")
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def site(built) -> Path:
    return built / "site"


@pytest.fixture(scope="session")
def site_pages(site) -> list[Path]:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 11
    return pages


@pytest.fixture
def tab(browser):
    """A fresh browser tab, 320 pixels wide, that records every request it makes."""
    context = browser.new_context(viewport={"width": PHONE, "height": 640})
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    yield page
    context.close()


def sideways(page) -> list[str]:
    """What makes the page scroll sideways, or clips text inside a box: empty when nothing."""
    return page.evaluate("""() => {
        const found = [];
        const root = document.documentElement;
        if (root.scrollWidth > root.clientWidth)
            found.push(`the page is ${root.scrollWidth} px wide in ${root.clientWidth} px`);
        for (const element of document.body.querySelectorAll('*')) {
            const box = element.getBoundingClientRect();
            if (box.width > 0 && (box.right > root.clientWidth + 0.5 || box.left < -0.5)
                && !element.closest('.skip-link'))
                found.push(`<${element.tagName.toLowerCase()} class="${element.className}">
                            runs from ${box.left} to ${box.right} px`);
            const style = getComputedStyle(element);
            if ((style.overflowX !== 'visible' || style.overflowY !== 'visible')
                && (element.scrollWidth > element.clientWidth + 1
                    || element.scrollHeight > element.clientHeight + 1))
                found.push(`<${element.tagName.toLowerCase()}> clips its content`);
        }
        return found.slice(0, 10);
    }""")


# ---- axe-core -----------------------------------------------------------------------------------

def axe_violations(tab, axe, site, site_pages, only: dict) -> list[str]:
    """axe-core's violations on every page, run on what `only` selects (tags or rules)."""
    found = []
    for path in site_pages:
        tab.goto(path.as_uri())
        tab.add_script_tag(content=axe)
        result = tab.evaluate("only => axe.run(document, {runOnly: only})", only)
        assert result["passes"], f"axe checked nothing on {path}"
        for violation in result["violations"]:
            targets = [node["target"] for node in violation["nodes"][:3]]
            found.append(f"{path.relative_to(site)}: {violation['id']} ({violation['impact']}): "
                         f"{violation['help']} at {targets}")
    return found


def test_axe_finds_no_wcag_21_aa_violation_on_any_page(tab, axe, site, site_pages):
    found = axe_violations(tab, axe, site, site_pages, {"type": "tag", "values": WCAG_21_AA})
    assert not found, "axe-core found:\n" + "\n".join(found)


def test_text_contrast_is_at_least_7_to_1_as_in_print(tab, axe, site, site_pages):
    """DESIGN.md asks more than AA's 4.5:1: axe's enhanced contrast rule (WCAG 1.4.6)."""
    found = axe_violations(tab, axe, site, site_pages,
                           {"type": "rule", "values": ["color-contrast-enhanced"]})
    assert not found, "axe-core found:\n" + "\n".join(found)


# ---- reflow, zoom, text spacing -----------------------------------------------------------------

@pytest.mark.parametrize("width, scale", [(PHONE, 1), (WIDE // 2, 2)], ids=["320px", "200%-zoom"])
def test_no_page_scrolls_sideways(tab, site, site_pages, width, scale):
    """At 320 CSS pixels (WCAG 1.4.10), and a 1280-pixel window zoomed to 200 % (1.4.4)."""
    tab.set_viewport_size({"width": width, "height": 640 // scale})
    found = []
    for path in site_pages:
        tab.goto(path.as_uri())
        found += [f"{path.relative_to(site)}: {why}" for why in sideways(tab)]
    assert not found, "\n".join(found)


def test_text_spacing_can_be_raised_without_loss(tab, site, site_pages):
    """WCAG 1.4.12: line height 1.5, paragraphs 2 em apart, letters 0.12 em, words 0.16 em."""
    found = []
    for path in site_pages:
        tab.goto(path.as_uri())
        tab.add_style_tag(content=TEXT_SPACING)
        found += [f"{path.relative_to(site)}: {why}" for why in sideways(tab)]
    assert not found, "\n".join(found)


# ---- keyboard, requests, print ------------------------------------------------------------------

def test_the_keyboard_lands_on_a_visible_skip_link_then_shows_its_focus(tab, site):
    tab.goto((site / "pancreatic-net" / "en" / "diagnosis.html").as_uri())
    tab.keyboard.press("Tab")
    skip = tab.evaluate("""() => {
        const e = document.activeElement, box = e.getBoundingClientRect();
        return {href: e.getAttribute('href'), top: box.top, bottom: box.bottom,
                outline: getComputedStyle(e).outlineStyle,
                width: parseFloat(getComputedStyle(e).outlineWidth)};
    }""")
    assert skip["href"] == "#main"
    assert skip["top"] >= 0 and skip["bottom"] <= 640, "the focused skip link is off screen"
    assert skip["outline"] != "none" and skip["width"] >= 2, skip
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.id") == "main"
    tab.keyboard.press("Tab")
    focused = tab.evaluate("""() => {
        const e = document.activeElement, style = getComputedStyle(e);
        return {tag: e.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
    }""")
    assert focused["tag"] == "A" and focused["outline"] != "none" and focused["width"] >= 2


def test_pages_load_nothing_from_outside_the_site(tab, site, site_pages):
    root = site.resolve().as_uri() + "/"
    for path in site_pages:
        tab.requested.clear()
        tab.goto(path.as_uri())
        tab.wait_for_load_state("networkidle")
        outside = [url for url in tab.requested if not url.startswith(root)]
        assert not outside, f"{path.relative_to(site)} asked for {outside}"
        assert tab.evaluate("document.fonts.check('1em \"Atkinson Hyperlegible\"')")


def test_the_web_font_is_loaded_from_the_site(tab, site):
    tab.goto((site / "pancreatic-net" / "en" / "diagnosis.html").as_uri())
    tab.evaluate("document.fonts.ready")
    faces = tab.evaluate("""() => [...document.fonts].filter(f => f.status === 'loaded')
                                  .map(f => f.family + ' ' + f.weight)""")
    assert any("Atkinson Hyperlegible" in face for face in faces), faces


def test_printing_leaves_out_the_menu_and_the_links_to_pdfs(tab, site):
    tab.goto((site / "pancreatic-net" / "en" / "diagnosis.html").as_uri())
    tab.emulate_media(media="print")
    shown = tab.evaluate("""() => [...document.querySelectorAll('nav, .skip-link, .web-only')]
                                  .filter(e => getComputedStyle(e).display !== 'none').length""")
    assert shown == 0
    assert tab.evaluate("getComputedStyle(document.querySelector('main')).display") != "none"


# ---- screenshots --------------------------------------------------------------------------------

def compare(actual: Image.Image, reference: Image.Image) -> str | None:
    """None when two greyscale images match within the tolerance; else how they differ."""
    if actual.size != reference.size:
        return f"the sizes differ ({actual.size} against {reference.size})"
    histogram = ImageChops.difference(actual, reference).histogram()
    pixels = actual.size[0] * actual.size[1]
    mean = sum(level * count for level, count in enumerate(histogram)) / pixels
    far = sum(histogram[FAR + 1:]) / pixels
    if mean < MAX_MEAN_DIFFERENCE and far < MAX_FAR_PIXELS:
        return None
    return (f"mean difference {mean:.3f} (limit {MAX_MEAN_DIFFERENCE}), {far:.3%} of pixels "
            f"differ by more than {FAR} (limit {MAX_FAR_PIXELS:.1%})")


@pytest.mark.parametrize("name", sorted(SCREENSHOTS))
def test_screenshots_match_their_references(browser, site, name):
    page_path, width, height = SCREENSHOTS[name]
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto((site / page_path).as_uri())
        page.evaluate("document.fonts.ready")
        full = page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": width, "height": min(height or full, full)}
        data = page.screenshot(clip=clip, full_page=True, animations="disabled")
    finally:
        context.close()
    actual = Image.open(io.BytesIO(data)).convert("L")
    reference_path = REFERENCE_DIR / f"{name}.png"
    if UPDATE or not reference_path.is_file():
        actual.save(reference_path, optimize=True)
        if not UPDATE:
            pytest.fail(f"there was no reference; wrote {reference_path.relative_to(ROOT)}: "
                        "look at it and commit it")
        pytest.skip(f"UPDATE_REFERENCES=1: wrote {reference_path.relative_to(ROOT)}")
    difference = compare(actual, Image.open(reference_path).convert("L"))
    if difference:
        OUTPUT_DIR.mkdir(exist_ok=True)
        actual.save(OUTPUT_DIR / f"{name}.png")
        pytest.fail(f"{name} differs from its reference: {difference}; wrote "
                    f"tests/output/{name}.png")
