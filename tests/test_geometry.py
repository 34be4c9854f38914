"""The DESIGN.md standards table, measured from the built PDFs' own drawing commands.

For both editions (standard, large-print) on Letter paper, every handout's content stream is
interpreted (`pdf_measure`: CTM, colours, paths, text runs) and checked against the table: body
text size and line spacing, smallest text, answer-line pitch and full text width, tick-box and
circle-target size and distance from their labels, text contrast, page size (Letter and A4),
embedded fonts (no base-14 font in any page's resources), no italics and no all-capital headings.
Nothing here reads the project's constants: expectations come from DESIGN.md and the YAML.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pypdf
import pytest

from conftest import TOPICS, built_pdf, read_content, topic_file
from pdf_audit import _number_tree
from pdf_measure import MM, PageDrawing, contrast, measure_page

EDITIONS = ("standard", "large-print")
# DESIGN.md, "Standards (measured from the PDF, not hoped for)"
BODY_MIN = {"standard": 14.0, "large-print": 18.0}
PITCH_MIN_MM = {"standard": 10.0, "large-print": 12.0}
TARGET_MIN_MM = {"standard": 6.0, "large-print": 8.0}
LABEL_GAP_MIN_MM = 3.0
LINE_SPACING_MIN = 1.4
SMALLEST_TEXT = 10.0
CONTRAST_MIN = 7.0
PAGE_SIZES = {"letter": (612.0, 792.0), "a4": (595.28, 841.89)}
BASE_14 = {"Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Helvetica",
           "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman",
           "Times-Bold", "Times-Italic", "Times-BoldItalic", "Symbol", "ZapfDingbats",
           # and the names viewers accept for them
           "Arial", "Arial-Bold", "Arial-Italic", "Arial-BoldItalic", "TimesNewRoman",
           "CourierNew"}
WHITE = (1.0, 1.0, 1.0)
TOL = 1.0  # points


# ---- loading (cached: the `built` folder is the same for the whole session) -------------------

@cache
def _reader(path: str) -> pypdf.PdfReader:
    return pypdf.PdfReader(path)


@cache
def _drawings(path: str) -> tuple[PageDrawing, ...]:
    reader = _reader(path)
    return tuple(measure_page(page, reader) for page in reader.pages)


def pdf_path(built: Path, edition: str, topic: str, paper: str = "letter") -> str:
    return str(built_pdf(built, "en", paper, edition, topic))


def drawings(built, edition, topic, paper="letter") -> tuple[PageDrawing, ...]:
    return _drawings(pdf_path(built, edition, topic, paper))


@cache
def handout_yaml(topic: str) -> dict:
    return read_content(topic_file(topic))


def blocks_of(topic: str, kind: str) -> list:
    return [block[kind] for section in handout_yaml(topic)["sections"]
            for block in section["blocks"] if kind in block]


# ---- measures ----------------------------------------------------------------------------------

def body_size(pages) -> float:
    """The type size that sets the most characters."""
    by_size = Counter()
    for page in pages:
        for run in page.texts:
            by_size[round(run.size, 2)] += run.glyphs
    return by_size.most_common(1)[0][0]


def text_measure(pages) -> tuple[float, float, float]:
    """(left edge of body text, right edge of its longest line, page width minus two margins)."""
    size = body_size(pages)
    body = [run for page in pages for run in page.texts if abs(run.size - size) < 0.01]
    left = min(run.x0 for run in body)
    right = max(run.x1 for run in body)
    return left, right, pages[0].width - 2 * left


def writing_line_stacks(page: PageDrawing, min_lines: int = 3) -> list[tuple[float, float,
                                                                          list[float]]]:
    """Runs of equally spaced horizontal stroked lines of one extent, outside any stroked box.

    Returns (x0, x1, baselines from the top down). Lines inside a stroked rectangle (a table's
    rows) are left out; `table_rows` measures those.
    """
    frames = [r for r in page.rects if r.stroked]
    by_extent = defaultdict(set)
    for s in page.segments:
        if not s.horizontal:
            continue
        x0, x1 = sorted((s.x1, s.x2))
        if any(r.contains(x0, s.y1, 0.5) and r.contains(x1, s.y1, 0.5) for r in frames):
            continue
        by_extent[(round(x0, 1), round(x1, 1))].add(round(s.y1, 2))
    stacks = []
    for (x0, x1), ys in by_extent.items():
        ys = sorted(ys, reverse=True)
        run = [ys[0]]
        for y in ys[1:]:
            if len(run) == 1 or abs((run[-2] - run[-1]) - (run[-1] - y)) < 0.5:
                run.append(y)
            else:
                if len(run) >= min_lines:
                    stacks.append((x0, x1, run))
                run = [run[-1], y]  # the last line may begin the next stack
        if len(run) >= min_lines:
            stacks.append((x0, x1, run))
    return stacks


def squares(page: PageDrawing):
    """Stroked, unfilled squares: tick boxes."""
    return [r for r in page.rects if r.stroked and not r.filled and r.width > 1
            and abs(r.width - r.height) < 0.5]


def circles(page: PageDrawing):
    return [c for c in page.curves if c.stroked and c.is_circle()]


@cache
def figure_mcids(path: str) -> tuple[frozenset[int], ...]:
    """Per page, the marked-content ids of Figures (a picture's own drawing, such as the
    stage diagram's rings), read from the structure tree: not targets for a pen."""
    reader = _reader(path)
    tree = _number_tree(reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"])
    found = []
    for page in reader.pages:
        elements = tree.get(int(page.get("/StructParents", -1)))
        ids = set()
        for mcid, element in enumerate(elements.get_object() if elements is not None else ()):
            node = element.get_object() if element is not None else None
            while node is not None and "/S" in node:
                if node["/S"] == "/Figure":
                    ids.add(mcid)
                    break
                parent = node.get("/P")
                node = parent.get_object() if parent is not None else None
        found.append(frozenset(ids))
    return tuple(found)


def question_answer_stacks(page: PageDrawing) -> list[tuple[float, float, list[float]]]:
    """Stacks of answer lines that hang directly under a tick box, from the box's left edge."""
    found, used = [], set()
    for x0, x1, ys in writing_line_stacks(page):
        pitch = ys[0] - ys[1]
        above = [box for box in squares(page)
                 if abs(box.x0 - x0) <= TOL and 0 <= box.y0 - ys[0] <= 4 * pitch]
        if above:
            box = min(above, key=lambda b: b.y0 - ys[0])  # the nearest box above the lines
            assert id(box) not in used, "two stacks of answer lines under one tick box"
            used.add(id(box))
            found.append((x0, x1, ys))
    return found


def label_gap(page: PageDrawing, x0: float, y0: float, x1: float, y1: float) -> float | None:
    """Distance from a target's right edge to the nearest text on its row (None: no text)."""
    gaps = []
    for run in page.texts:
        on_row = y0 - run.size <= run.y <= y1
        if on_row and run.x1 > x0 and run.glyphs:
            gaps.append(run.x0 - x1)
    return min(gaps) if gaps else None


# ---- tests ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_answer_lines_under_every_question_have_the_pitch_and_full_text_width(built, edition,
                                                                              topic):
    pages = drawings(built, edition, topic)
    left, longest, text_width = text_measure(pages)
    stacks = [(number, stack) for number, page in enumerate(pages, start=1)
              for stack in question_answer_stacks(page)]
    questions = handout_yaml(topic)["questions"]
    # Every question gets its own stack of at least three lines, all on one page.
    assert len([s for _, s in stacks if len(s[2]) >= 3]) == len(questions), stacks
    assert longest <= pages[0].width - left + TOL, "body text runs past the right margin"
    for number, (x0, x1, ys) in stacks:
        pitches = [a - b for a, b in zip(ys, ys[1:])]
        assert min(pitches) >= PITCH_MIN_MM[edition] * MM, (
            f"page {number}: answer-line pitch {min(pitches) / MM:.2f} mm")
        assert abs(x0 - left) <= TOL, f"page {number}: lines start at {x0}, text at {left}"
        assert abs((x1 - x0) - text_width) <= TOL, (
            f"page {number}: lines are {x1 - x0:.1f} pt long, the text width is "
            f"{text_width:.1f} pt")
        assert x1 >= longest - TOL


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_every_stack_of_writing_lines_has_at_least_the_answer_line_pitch(built, edition, topic):
    """Notes pages, care-team lines, dated checklists: any three or more stacked lines."""
    seen = 0
    for number, page in enumerate(drawings(built, edition, topic), start=1):
        for x0, x1, ys in writing_line_stacks(page):
            seen += 1
            pitch = min(a - b for a, b in zip(ys, ys[1:]))
            assert pitch >= PITCH_MIN_MM[edition] * MM, (
                f"page {number}: lines {x0:.0f}-{x1:.0f} pt are {pitch / MM:.2f} mm apart")
    assert seen >= len(handout_yaml(topic)["questions"])


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", [t for t in TOPICS if blocks_of(t, "log")])
def test_log_rows_are_at_least_as_tall_as_an_answer_line(built, edition, topic):
    rows_seen = 0
    for number, page in enumerate(drawings(built, edition, topic), start=1):
        for frame in (r for r in page.rects if r.stroked and not r.filled
                      and abs(r.width - r.height) >= 0.5):
            ys = sorted({round(s.y1, 2) for s in page.segments if s.horizontal
                         and frame.contains(min(s.x1, s.x2), s.y1, 0.5)
                         and frame.contains(max(s.x1, s.x2), s.y1, 0.5)
                         and abs(abs(s.x2 - s.x1) - frame.width) <= TOL}
                        | {round(frame.y0, 2), round(frame.y1, 2)})
            # from the bottom: the writing rows, then the top one holds the column headers
            rows = [b - a for a, b in zip(ys, ys[1:])][:-1]
            rows_seen += len(rows)
            for height in rows:
                assert height >= PITCH_MIN_MM[edition] * MM - 0.01, (
                    f"page {number}: a log row is {height / MM:.2f} mm tall")
    assert rows_seen >= sum(log["rows"] for log in blocks_of(topic, "log"))


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_tick_boxes_are_big_enough_and_clear_of_their_labels(built, edition, topic):
    data = handout_yaml(topic)
    expected = len(data["questions"]) + sum(len(c["items"]) for c in blocks_of(topic,
                                                                              "checklist"))
    boxes = 0
    for number, page in enumerate(drawings(built, edition, topic), start=1):
        for box in squares(page):
            boxes += 1
            assert box.width >= TARGET_MIN_MM[edition] * MM - 0.01, (
                f"page {number}: a tick box is {box.width / MM:.2f} mm")
            gap = label_gap(page, box.x0, box.y0, box.x1, box.y1)
            assert gap is not None, f"page {number}: a tick box at {box.x0, box.y0} has no label"
            assert gap >= LABEL_GAP_MIN_MM * MM - 0.01, (
                f"page {number}: a tick box's label is {gap / MM:.2f} mm from it")
    assert boxes == expected


@pytest.mark.parametrize("edition", EDITIONS)
def test_circle_targets_are_big_enough_and_clear_of_their_labels(built, edition):
    expected = sum(len(choice["options"]) for choice in blocks_of("staging-and-grading",
                                                                 "choice"))
    found = 0
    path = pdf_path(built, edition, "staging-and-grading")
    for number, page in enumerate(drawings(built, edition, "staging-and-grading"), start=1):
        in_pictures = figure_mcids(path)[number - 1]
        for circle in circles(page):
            if circle.mcid in in_pictures:
                continue
            found += 1
            x0, y0, x1, y1 = circle.bbox
            assert circle.diameter >= TARGET_MIN_MM[edition] * MM - 0.01, (
                f"page {number}: a circle target is {circle.diameter / MM:.2f} mm across")
            gap = label_gap(page, x0, y0, x1, y1)
            assert gap is not None, f"page {number}: a circle at {x0, y0} has no label"
            assert gap >= LABEL_GAP_MIN_MM * MM - 0.01, (
                f"page {number}: a circle's label is {gap / MM:.2f} mm from it")
    assert found == expected


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", (*TOPICS, "packet"))
def test_body_text_size_and_smallest_text(built, edition, topic):
    pages = drawings(built, edition, topic)
    assert body_size(pages) >= BODY_MIN[edition]
    smallest = min((run for page in pages for run in page.texts if run.glyphs),
                   key=lambda run: run.size)
    assert smallest.size >= SMALLEST_TEXT - 0.01, (
        f"{smallest.raw[:40]!r} is set in {smallest.size:.2f} pt")


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_line_spacing_within_paragraphs(built, edition, topic):
    pages = drawings(built, edition, topic)
    body = body_size(pages)
    body_pairs = 0
    for number, page in enumerate(pages, start=1):
        lines = defaultdict(dict)  # text block -> baseline -> largest size on that line
        for run in page.texts:
            if run.glyphs and run.raw.strip():
                line = lines[run.block]
                y = round(run.y, 2)
                line[y] = max(line.get(y, 0), run.size)
        for block in lines.values():
            baselines = sorted(block, reverse=True)
            for upper, lower in zip(baselines, baselines[1:]):
                size = max(block[upper], block[lower])
                if abs(size - body) < 0.01:
                    body_pairs += 1
                assert upper - lower >= LINE_SPACING_MIN * size - 0.01, (
                    f"page {number}: {size} pt lines {upper - lower:.2f} pt apart")
    assert body_pairs >= 10, "too few multi-line paragraphs found to measure line spacing"


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", (*TOPICS, "packet"))
def test_text_contrast(built, edition, topic):
    colours = set()
    for number, page in enumerate(drawings(built, edition, topic), start=1):
        fills = [r for r in page.rects if r.filled]
        for run in page.texts:
            if not run.glyphs or run.render_mode == 3:
                continue
            colours.add(run.colour)
            # What lies under the text: the last filled rectangle painted there, or the page.
            under = [r for r in fills if r.order < run.order and r.contains(run.x0 + 0.5, run.y)]
            background = max(under, key=lambda r: r.order).fill_colour if under else WHITE
            assert contrast(run.colour, background) >= CONTRAST_MIN, (
                f"page {number}: {run.raw[:30]!r} in {run.colour} on {background}")
    assert colours
    for colour in colours:
        assert contrast(colour, WHITE) >= CONTRAST_MIN, f"text colour {colour} on white"


def _fonts_of(resources, seen=None):
    """Every font dictionary in resources, including those of form XObjects."""
    seen = set() if seen is None else seen
    if resources is None:
        return
    resources = resources.get_object()
    fonts = resources.get("/Font")
    if fonts is not None:
        for name, font in fonts.get_object().items():
            yield name, font.get_object()
    xobjects = resources.get("/XObject")
    if xobjects is not None:
        for xobject in xobjects.get_object().values():
            ref = getattr(xobject, "idnum", None)
            xobject = xobject.get_object()
            if ref in seen or xobject.get("/Subtype") != "/Form":
                continue
            seen.add(ref)
            yield from _fonts_of(xobject.get("/Resources"), seen)


def _descriptor(font):
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    return descriptor.get_object() if descriptor is not None else None


def _bare_name(font) -> str:
    return re.sub(r"^[A-Z]{6}\+", "", str(font.get("/BaseFont", "")).lstrip("/"))




@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", (*TOPICS, "packet"))
def test_every_font_on_every_page_is_embedded(built, edition, topic):
    reader = _reader(pdf_path(built, edition, topic))
    for number, page in enumerate(reader.pages, start=1):
        for name, font in _fonts_of(page.get("/Resources")):
            descriptor = _descriptor(font)
            assert descriptor is not None and any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), (
                f"page {number}: font {name} ({font.get('/BaseFont')}) is not embedded")


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", (*TOPICS, "packet"))
def test_no_base_14_font_in_any_page_resources(built, edition, topic):
    reader = _reader(pdf_path(built, edition, topic))
    for number, page in enumerate(reader.pages, start=1):
        for name, font in _fonts_of(page.get("/Resources")):
            assert _bare_name(font) not in BASE_14, (
                f"page {number}: {name} is the base-14 font {font.get('/BaseFont')}")


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("paper", PAGE_SIZES)
def test_page_size(built, edition, paper):
    want_w, want_h = PAGE_SIZES[paper]
    for topic in (*TOPICS, "packet"):
        reader = _reader(pdf_path(built, edition, topic, paper))
        for number, page in enumerate(reader.pages, start=1):
            box = page.mediabox
            size = (float(box.width), float(box.height))
            assert abs(size[0] - want_w) <= TOL and abs(size[1] - want_h) <= TOL, (
                f"{topic} page {number} is {size[0]} x {size[1]} pt, not {paper}")


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", (*TOPICS, "packet"))
def test_no_italic_fonts(built, edition, topic):
    reader = _reader(pdf_path(built, edition, topic))
    names = {str(font.get("/BaseFont")) for page in reader.pages
             for _, font in _fonts_of(page.get("/Resources"))}
    assert names
    italic = {n for n in names if re.search(r"italic|oblique", n, re.IGNORECASE)}
    assert not italic


@cache
def _acronyms() -> frozenset[str]:
    """All-capital words of the glossary's terms and their other forms (CT, MRI, NET, ...)."""
    glossary = read_content("en/glossary.yaml")
    words = set()
    for term in glossary["terms"]:
        for form in (term["term"], *term.get("also", [])):
            words |= {w for w in re.findall(r"[A-Za-z]+", form) if w.isupper() and len(w) > 1}
    return frozenset(words)


def _shown_lines(page) -> list[tuple[str, float]]:
    """(line of text, type size) as pypdf extracts it."""
    out = []

    def visit(text, cm, tm, font, size):
        scale = abs(tm[3] * cm[3]) or 1.0
        for line in text.splitlines():
            if line.strip():
                out.append((line.strip(), size * scale))

    page.extract_text(visitor_text=visit)
    return out


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_headings_are_not_in_capitals(built, edition, topic):
    reader = _reader(pdf_path(built, edition, topic))
    body = body_size(drawings(built, edition, topic))
    acronyms = _acronyms()
    assert {"CT", "MRI"} <= acronyms
    headings = 0
    for number, page in enumerate(reader.pages, start=1):
        for line, size in _shown_lines(page):
            if size <= body + 0.01:
                continue
            headings += 1
            words = [w for w in re.findall(r"[^\W\d_]+", line) if w not in acronyms]
            letters = "".join(words)
            if len(letters) >= 4:
                assert not letters.isupper(), f"page {number}: heading in capitals: {line!r}"
    # the title and every section heading at least
    assert headings >= 1 + len(handout_yaml(topic)["sections"])
