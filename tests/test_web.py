"""The web site under <out>/site/ (DESIGN.md part 2, web output), read as files.

What a full build writes there and lists in the manifest; that every link stays inside the site
and leads to a file; the structure a screen reader walks (one h1, headings in order, landmarks, a
skip link, languages); phones as `tel:` links; staff text escaped; `--format` narrowing; the QR
code of each printed handout decoded from the rendered page and found in the site; and that
each handout's page says the same words as its PDF. The pages in a real browser (axe-core,
screenshots, reflow) are in test_web_browser.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import cache
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
import yaml
import zxingcpp
from fontTools.ttLib import TTFont

from conftest import HANDOUTS, ROOT, run_cli
from pdf_measure import measure_page
from web_pages import css_references, read_page, target, words

UPDATE = os.environ.get("UPDATE_REFERENCES") == "1"
FONTS = ROOT / "assets" / "fonts"
EDITIONS = ("standard", "large-print")


# ---- the content, read straight from the YAML ---------------------------------------------------

def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def clinic() -> dict:
    return load(HANDOUTS / "clinic.yaml")


@cache
def sets(src: Path = HANDOUTS) -> dict[str, dict[str, list[str]]]:
    """set -> language -> the topics written in it, in the set's order."""
    out = {}
    for folder in sorted(p for p in src.iterdir() if (p / "set.yaml").is_file()):
        topics = load(folder / "set.yaml")["topics"]
        out[folder.name] = {lang.name: [t for t in topics if (lang / f"{t}.yaml").is_file()]
                            for lang in sorted(folder.iterdir())
                            if (lang / "set.yaml").is_file()}
    return out


def handouts(src: Path = HANDOUTS) -> list[tuple[str, str, str]]:
    return [(name, lang, topic) for name, langs in sets(src).items()
            for lang, topics in langs.items() for topic in topics]


def phrases(lang: str) -> dict:
    return load(HANDOUTS / lang / "phrases.yaml")


def site_files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@pytest.fixture(scope="session")
def site(built) -> Path:
    return built / "site"


# ---- what is built ------------------------------------------------------------------------------

def expected_site() -> set[str]:
    """Every file a full build of the shipped content puts in site/ (DESIGN.md part 2)."""
    expected = {"index.html", "web_files/style.css",
                "web_files/fonts/AtkinsonHyperlegible-Regular.woff2",
                "web_files/fonts/AtkinsonHyperlegible-Bold.woff2",
                "web_files/fonts/AtkinsonHyperlegible-OFL.txt",
                f"web_files/{clinic()['logo']}"}
    for name, langs in sets().items():
        for lang, topics in langs.items():
            expected.add(f"{name}/{lang}/index.html")
            for topic in topics:
                expected.add(f"{name}/{lang}/{topic}.html")
            complete = len(topics) == len(load(HANDOUTS / name / "set.yaml")["topics"])
            for edition in EDITIONS:
                expected |= {f"{name}/{lang}/{edition}/{topic}.pdf" for topic in topics}
                if complete:
                    expected.add(f"{name}/{lang}/{edition}/packet.pdf")
    return expected


def test_a_full_build_writes_the_whole_site(site):
    assert site_files(site) == expected_site()


def test_the_site_offers_the_pdfs_on_the_clinics_paper(built, site):
    """The site's copies are the very PDFs of the clinic's paper, byte for byte."""
    paper = clinic()["paper"]
    for path in sorted(site.rglob("*.pdf")):
        name, lang, edition, file = path.relative_to(site).parts
        printed = built / name / lang / paper / edition / file
        assert path.read_bytes() == printed.read_bytes(), f"{path} is not {printed}"


def test_the_manifest_lists_the_site_as_design_says(built, site):
    entries = {e["path"]: e for e in json.loads((built / "manifest.json").read_text())["files"]}
    listed = {path.removeprefix("site/") for path in entries if path.startswith("site/")}
    assert listed == site_files(site)
    for relative in sorted(listed):
        entry = entries[f"site/{relative}"]
        data = (site / relative).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), relative
        if relative.endswith(".html"):
            assert entry["format"] == "html", relative
            assert (entry["paper"], entry["edition"], entry["pages"]) == (None, None, None)
            parts = relative.split("/")
            if len(parts) == 3:   # <set>/<lang>/<topic>.html
                assert (entry["set"], entry["lang"], entry["topic"]) == (
                    parts[0], parts[1], parts[2].removesuffix(".html"))
        elif relative.endswith(".pdf"):
            name, lang, edition, file = relative.split("/")
            assert entry["format"] == "pdf"
            assert (entry["set"], entry["lang"], entry["edition"], entry["topic"]) == (
                name, lang, edition, file.removesuffix(".pdf"))
            assert entry["paper"] == clinic()["paper"]
            assert entry["pages"] == len(pdfium.PdfDocument(data))
        else:
            assert entry["format"] == "asset", relative
            assert all(entry[key] is None for key in ("set", "topic", "lang", "paper",
                                                      "edition", "pages")), entry


# ---- links --------------------------------------------------------------------------------------

def test_every_link_in_the_site_leads_to_a_file_of_the_site(site):
    """Relative links only, to files that exist, never outside site/; nothing but a page's
    own phone numbers (tel:) has a scheme, so the site asks nothing of any other server."""
    root = site.resolve()
    checked = 0
    for path in pages(site):
        page = read_page(path)
        for tag, address, _ in page.links:
            if address.startswith("tel:"):
                assert re.fullmatch(r"tel:\+?\d{3,}", address), f"{path}: {address}"
                continue
            if address == "#main":
                assert "main" in page.ids, f"{path}: the skip link has no target"
                continue
            found = target(path, address)
            assert found is not None, f"{path}: <{tag}> {address} is not a relative link"
            assert found.is_relative_to(root), f"{path}: {address} leaves the site"
            assert found.is_file(), f"{path}: {address} leads to no file"
            checked += 1
    css = site / "web_files" / "style.css"
    for address in css_references(css.read_text(encoding="utf-8")):
        found = target(css, address)
        assert found is not None and found.is_relative_to(root) and found.is_file(), address
        checked += 1
    assert checked > 100


def test_no_page_needs_a_script_or_loads_anything_from_elsewhere(site):
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        page = read_page(path)
        assert page.tags["script"] == 0 and page.tags["iframe"] == 0, path
        assert "@import" not in text and "//" not in "".join(a for _, a, _ in page.links), path
    assert "@import" not in (site / "web_files" / "style.css").read_text(encoding="utf-8")


def test_a_patient_reaches_every_handout_in_two_clicks(site):
    """Site index -> the set's index in a language -> the handout."""
    reached = set()
    for _, first, _ in read_page(site / "index.html").links:
        found = target(site / "index.html", first)
        if found and found.suffix == ".html":
            for _, second, _ in read_page(found).links:
                page = target(found, second)
                if page and page.suffix == ".html":
                    reached.add(page.relative_to(site.resolve()).as_posix())
    assert {f"{n}/{lang}/{topic}.html" for n, lang, topic in handouts()} <= reached


# ---- structure ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["site", "set", "handout"])
def test_each_page_has_one_h1_headings_in_order_landmarks_and_a_skip_link(site, kind):
    chosen = {"site": [site / "index.html"],
              "set": sorted(site.glob("*/*/index.html")),
              "handout": [p for p in pages(site) if p.name != "index.html"]}[kind]
    assert chosen
    for path in chosen:
        page = read_page(path)
        levels = [level for level, _ in page.headings]
        assert levels.count(1) == 1 and levels[0] == 1, f"{path}: {page.headings[:3]}"
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{path}: a heading jumps from h{before} to h{after}"
        for landmark in ("header", "main", "footer"):
            assert page.tags[landmark] == 1, f"{path}: {page.tags[landmark]} <{landmark}>"
        first = next(address for tag, address, _ in page.links if tag == "a")
        assert first == "#main", f"{path}: the first link is not the skip link"
        assert page.lang == (path.parent.name if kind != "site" else "en")
        if kind != "site":
            assert page.tags["nav"] == 1, path


def test_a_handout_page_links_to_itself_in_the_other_languages(site):
    for name, lang, topic in handouts():
        path = site / name / lang / f"{topic}.html"
        links = {a: attrs for tag, a, attrs in read_page(path).links if tag == "a"}
        alternates = {a: attrs for tag, a, attrs in read_page(path).links if tag == "link"
                      and attrs.get("rel") == "alternate"}
        for other in sets()[name]:
            if other == lang or topic not in sets()[name][other]:
                continue
            address = f"../{other}/{topic}.html"
            assert links[address]["hreflang"] == other and links[address]["lang"] == other
            assert alternates[address]["hreflang"] == other


def test_the_warning_signs_come_with_phones_to_tap(site):
    """The clinic's phones, and the emergency number where the emergency line says it."""
    emergency = clinic()["emergency_number"]
    digits = {re.sub(r"\D", "", clinic()[key]) for key in ("phone", "after_hours_phone")}
    for name, lang, topic in handouts():
        text = (site / name / lang / f"{topic}.html").read_text(encoding="utf-8")
        box = text[text.index('class="box warning"'):]
        box = box[:box.index("</section>")]
        assert set(re.findall(r'href="tel:(\d+)"', box)) == digits | {emergency}, (lang, topic)
        line = clinic()["languages"][lang]["emergency"]
        before, after = line.split(emergency, 1)
        assert f'{before}<a href="tel:{emergency}">{emergency}</a>{after}' in box, (lang, topic)
        for sign in clinic()["languages"][lang]["warning_signs"]["signs"]:
            assert f"<li>{sign}</li>" in box


def test_questions_are_a_list_with_a_link_to_the_pdf_that_takes_the_answers(site):
    for name, lang, topic in handouts():
        path = site / name / lang / f"{topic}.html"
        text = path.read_text(encoding="utf-8")
        questions = text[text.index('<section class="questions">'):]
        questions = questions[:questions.index("</section>")]
        asked = load(HANDOUTS / name / lang / f"{topic}.yaml")["questions"]
        assert re.findall(r"<li>(.*?)</li>", questions) == [q["ask"] for q in asked]
        (pdf,) = re.findall(r'<a class="pdf" href="([^"]+)">', questions)
        fields = pypdf.PdfReader(target(path, pdf)).get_fields() or {}
        for question in asked:
            assert f"{topic}.{question['name']}" in fields, f"{pdf} has no answer field"
        assert "<input" not in text and "<form" not in text


def test_words_to_know_are_a_definition_list(site):
    text = (site / "pancreatic-net" / "en" / "diagnosis.html").read_text(encoding="utf-8")
    words_section = text[text.index('<section class="words">'):]
    assert "<dl>" in words_section and "<dt>biopsy</dt>" in words_section


def test_an_unreviewed_translation_says_so_on_its_pages(site):
    for name, lang, topic in handouts():
        text = (site / name / lang / f"{topic}.html").read_text(encoding="utf-8")
        notice = phrases(lang).get("translation_notice")
        if phrases(lang).get("translation_reviewed", True):
            assert 'class="notice"' not in text
        else:
            assert f'<p class="notice">{notice}</p>' in text


# ---- staff text and other languages -------------------------------------------------------------

def edit(path: Path, change) -> None:
    """Change a content file's data and write it back as YAML."""
    data = load(path)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_staff_text_is_escaped_and_bold_is_strong(content, tmp_path):
    def typed(data):
        data["key_points"][0] = "<script>alert(1)</script> & <b>this</b> is **bold**."

    edit(content / "pancreatic-net" / "en" / "diagnosis.yaml", typed)
    out = tmp_path / "out"
    result = run_cli("--src", content, "--out", out, "--format", "html", "--lang", "en",
                     "--topic", "diagnosis", "--edition", "standard")
    assert result.returncode == 0, result.stderr
    text = (out / "site" / "pancreatic-net" / "en" / "diagnosis.html").read_text()
    assert ("<li>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;this&lt;/b&gt; is "
            "<strong>bold</strong>.</li>") in text
    assert "<script" not in text


def test_a_term_said_in_another_language_is_marked_with_it(content, tmp_path):
    glossary = content / "es" / "glossary.yaml"
    term = load(glossary)["terms"][0]
    edit(glossary, lambda data: data["terms"][0].update(say_lang="en"))
    out = tmp_path / "out"
    result = run_cli("--src", content, "--out", out, "--format", "html", "--lang", "es")
    assert result.returncode == 0, result.stderr
    said = []
    for path in pages(out / "site"):
        said += [(lang, text) for lang, text in read_page(path).langs if lang == "en"
                 and text == term["say"]]
    assert said, f"no page marks '{term['say']}' as English"


# ---- narrowing ----------------------------------------------------------------------------------

def test_format_html_builds_the_site_and_the_pdfs_it_offers_only(tmp_path):
    out = tmp_path / "out"
    result = run_cli("--out", out, "--format", "html", "--lang", "en", "--edition", "standard",
                     "--paper", "a4")
    assert result.returncode == 0, result.stderr
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
               and not p.relative_to(out).as_posix().startswith(".state/")}
    assert all(path.startswith("site/") for path in written - {"manifest.json"}), written
    assert {p for p in written if p.endswith(".pdf")} == {
        p for p in (f"site/{e}" for e in expected_site())
        if p.endswith(".pdf") and "/en/" in p}, "the site offers both editions on its paper"


def test_format_pdf_builds_no_site(tmp_path):
    out = tmp_path / "out"
    result = run_cli("--out", out, "--format", "pdf", "--lang", "en", "--edition", "standard",
                     "--topic", "diagnosis")
    assert result.returncode == 0, result.stderr
    assert not (out / "site").exists()
    assert (out / "pancreatic-net" / "en" / clinic()["paper"] / "standard" /
            "diagnosis.pdf").is_file()


def test_a_run_narrowed_to_a_topic_leaves_the_indexes_alone(tmp_path):
    out = tmp_path / "out"
    result = run_cli("--out", out, "--format", "html", "--topic", "diagnosis", "--lang", "en")
    assert result.returncode == 0, result.stderr
    written = {p.relative_to(out / "site").as_posix() for p in (out / "site").rglob("*.html")}
    assert written == {"pancreatic-net/en/diagnosis.html"}


# ---- the font -----------------------------------------------------------------------------------

@pytest.mark.parametrize("weight", ["Regular", "Bold"])
def test_the_web_font_is_the_print_font(weight):
    """The WOFF2 files the site serves are the TTFs the PDFs embed, only compressed.

    They are made once (fontTools and brotli are test tools, not the tool's dependencies):
    UPDATE_REFERENCES=1 rewrites them from the TTFs.
    """
    ttf = FONTS / f"AtkinsonHyperlegible-{weight}.ttf"
    woff2 = FONTS / f"AtkinsonHyperlegible-{weight}.woff2"
    if UPDATE:
        font = TTFont(ttf, recalcTimestamp=False)
        font.flavor = "woff2"
        font.save(woff2)
    printed, served = TTFont(ttf), TTFont(woff2)
    assert served.flavor == "woff2"
    assert served.getBestCmap() == printed.getBestCmap()
    assert served.getGlyphOrder() == printed.getGlyphOrder()
    glyphs, web_glyphs = printed["glyf"], served["glyf"]
    for name in printed.getGlyphOrder():
        a, b = glyphs[name], web_glyphs[name]
        assert a.getCoordinates(glyphs)[0] == b.getCoordinates(web_glyphs)[0], name
    assert printed["hmtx"].metrics == served["hmtx"].metrics


# ---- the printed handout leads to its page ------------------------------------------------------

@pytest.mark.parametrize("lang", sorted({lang for _, lang, _ in handouts()}))
def test_the_qr_code_on_each_handout_opens_its_page_in_the_site(built, site, lang):
    """Decode the QR code from the rendered page, as a phone would, and find the page."""
    web = clinic()["web"].rstrip("/")
    for name, handout_lang, topic in handouts():
        if handout_lang != lang:
            continue
        path = built / name / lang / clinic()["paper"] / "standard" / f"{topic}.pdf"
        pdf = pdfium.PdfDocument(path)
        found = []
        for index in reversed(range(len(pdf))):  # the QR code is in the closing
            image = pdf[index].render(scale=150 / 72, grayscale=True).to_pil()
            found = [b.text for b in zxingcpp.read_barcodes(image)
                     if b.format == zxingcpp.BarcodeFormat.QRCode]
            if found:
                break
        assert found == [f"{web}/{name}/{lang}/{topic}.html"], path
        assert (site / found[0].removeprefix(web + "/")).is_file()


# ---- the same words -----------------------------------------------------------------------------

def pdf_body_words(path: Path, address: str):
    """The words a PDF prints inside its frame, between the header's rule and the footer's
    (page furniture left out, wherever a page's furniture puts its rules), and without the
    web address (which may break anywhere across lines)."""
    out = []
    pdf = pdfium.PdfDocument(path)
    reader = pypdf.PdfReader(path)
    for page, read in zip(pdf, reader.pages):
        width, _ = page.get_size()
        rules = [(s.artifact, s.y1) for s in measure_page(read, reader).segments
                 if s.artifact in ("Header", "Footer") and s.y1 == s.y2]
        top = min(y for kind, y in rules if kind == "Header")
        bottom = max(y for kind, y in rules if kind == "Footer")
        out.append(page.get_textpage().get_text_bounded(0, bottom, width, top))
    anywhere = r"\s*".join(map(re.escape, address))
    return words(re.sub(anywhere, " ", " ".join(out)))


def paper_only_words(document) -> set[str]:
    """Words only paper has: the labels of blanks and boxes, instructions for the pen, and the
    words beside the QR code."""
    from layouts import document as doc

    said = []

    def walk(blocks):
        for block in blocks:
            if isinstance(block, doc.NameAndDate):
                said.extend([block.name_label, block.date_label])
            elif isinstance(block, doc.Questions):
                said.extend([block.intro, block.asked_label])
            elif isinstance(block, doc.Choice):
                said.append(block.instruction)
            elif isinstance(block, doc.TickBoxes):
                said.append(block.date_label)
            elif isinstance(block, doc.Notes):
                said.append(block.label)
            elif isinstance(block, doc.Log):
                said.extend(heading for _, heading in block.columns)
            elif isinstance(block, doc.Online):
                said.append(block.label)
            elif isinstance(block, doc.Section | doc.Box):
                walk(block.blocks)

    walk((*document.read, *document.write, *document.closing))
    return set(words(" ".join(said)))


@pytest.fixture(scope="session")
def documents():
    """Every handout's document, as the build makes it."""
    from layouts import document as doc
    from layouts.content import library
    from layouts.content.errors import Problems
    from layouts.content.terms import terms_used

    content = library.load(HANDOUTS, HANDOUTS / "clinic.yaml", library.Selection(), Problems())
    out = {}
    for name, lang, topic in handouts():
        edition = content.sets[name].languages[lang]
        out[name, lang, topic] = doc.document(
            content, name, lang, topic,
            tuple(terms_used(edition.handouts[topic], edition.glossary)))
    return out


@pytest.mark.parametrize("handout", handouts(), ids="/".join)
def test_the_page_and_the_pdf_say_the_same_words(built, site, documents, handout):
    """Every word of the page's main text is printed in the PDF, as often; every word the PDF
    prints and the page does not is a word only paper needs (labels of blanks)."""
    name, lang, topic = handout
    page = read_page(site / name / lang / f"{topic}.html").words
    printed = pdf_body_words(built / name / lang / clinic()["paper"] / "standard" /
                             f"{topic}.pdf",
                             f"{clinic()['web'].rstrip('/')}/{name}/{lang}/{topic}.html")
    assert sum(page.values()) > 300
    only_online = page - printed
    assert not only_online, f"the page says what the PDF does not: {dict(only_online)}"
    only_printed = set(printed - page) - paper_only_words(documents[handout])
    assert not only_printed, f"the PDF says what the page does not: {sorted(only_printed)}"


# ---- a library of sets --------------------------------------------------------------------------

def test_a_second_set_and_a_half_written_language_get_their_pages(tmp_path):
    """The made-up set of test_library.py: its pages, an SVG picture drawn with the labels the
    language gives it, and a language still being written that lists only what it has."""
    from test_library import CHEMO, library

    src = library(tmp_path)
    out = tmp_path / "build"
    result = run_cli("--src", src, "--out", out, "--format", "html", "--set", CHEMO)
    assert result.returncode == 0, result.stderr
    site = out / "site"
    written = sets(src)[CHEMO]
    assert written["es"] != written["en"], "the fixture's Spanish should be half written"

    listing = read_page(site / CHEMO / "es" / "index.html")
    listed = [a for tag, a, _ in listing.links if tag == "a" and a.endswith(".html")
              and "/" not in a]
    assert listed == [f"{topic}.html" for topic in written["es"]]
    assert not [a for _, a, _ in listing.links if a.endswith("packet.pdf")]

    for topic in written["en"]:
        links = [a for _, a, _ in read_page(site / CHEMO / "en" / f"{topic}.html").links]
        assert (f"../es/{topic}.html" in links) == (topic in written["es"]), topic

    for lang in written:
        data = load(src / CHEMO / lang / "your-pump.yaml")
        (picture,) = [block["picture"] for section in data["sections"]
                      for block in section["blocks"] if "picture" in block]
        text = (site / CHEMO / lang / "your-pump.html").read_text(encoding="utf-8")
        svg = text[text.index("<svg"):text.index("</svg>")]
        assert f'aria-label="{picture["alt"]}"' in svg
        for label in picture.get("labels", {}).values():
            assert f">{label}</text>" in svg, f"{lang}: the picture does not say {label}"
    assert not (site / "index.html").exists(), "a run narrowed to a set leaves the site's index"


def test_a_rebuild_rewrites_only_the_pages_whose_words_changed(content, tmp_path):
    out = tmp_path / "out"
    args = ("--src", content, "--out", out, "--format", "html", "--lang", "en",
            "--topic", "diagnosis", "--topic", "follow-up")
    assert run_cli(*args).returncode == 0

    def written() -> set[str]:
        entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
        return {e["path"] for e in entries if e["written"]}

    assert run_cli(*args).returncode == 0
    assert written() == set(), "a run with nothing changed wrote files"

    def typed(data):
        data["key_points"][0] = "A new first key point."

    edit(content / "pancreatic-net" / "en" / "diagnosis.yaml", typed)
    assert run_cli(*args).returncode == 0
    site = "site/pancreatic-net/en"
    assert written() == {f"{site}/diagnosis.html",
                         *(f"{site}/{edition}/diagnosis.pdf" for edition in EDITIONS)}
