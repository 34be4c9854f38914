"""Composed pages: the composition audit (pdf_composition.py) finds no problem in any PDF of a
full build (both editions, every language, Letter and A4), and it catches each kind of problem
in small PDFs made on purpose with ReportLab: a heading at the foot of a page, a lone list item,
an orphan and a widow line, a log that breaks badly, a question parted from its lines, the
closing alone, a page under a third full, a blank page, a long read, warning signs after page 1,
a wrong contents page, page numbers that restart, a handout on an even page, a missing bookmark,
small type, short blanks and small tick boxes."""

from __future__ import annotations

import dataclasses
import io
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
import yaml
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from conftest import HANDOUTS
from layouts.pdf.blanks import AnswerLines, LabelledLine, TickBoxItem, WriteInLog
from layouts.pdf.fields import add_fields
from layouts.pdf.keeping import compose, float_figures
from layouts.pdf.pages import FurnishedCanvas, Furniture, StartHandout, handout_doc_template
from layouts.pdf.styles import styles_for
from layouts.pdf.tags import Element, marked
from pdf_composition import Problem, Rules, audit, rules_for

# ---- the full build ------------------------------------------------------------------------------

LONGER_THAN_ENGLISH = {"es"}   # DESIGN.md: the read may take a page more


@cache
def _notice(lang: str) -> str:
    """The translation notice a language's footers print, if any."""
    for phrases in HANDOUTS.glob(f"**/{lang}/phrases.yaml"):
        data = yaml.safe_load(phrases.read_text(encoding="utf-8"))
        if not data.get("translation_reviewed", True):
            return data.get("translation_notice") or ""
    return ""


_audited: dict[Path, dict] = {}


def build_problems(built: Path) -> dict[tuple[str, str], list[str]]:
    """(rule, edition) -> "file: page N: rule: text" for every PDF of the build, audited once."""
    if built not in _audited:
        found = defaultdict(list)
        pdfs = sorted(built.rglob("*.pdf"))
        assert len(pdfs) >= 40, "the build made fewer PDFs than two editions, papers and languages"
        for path in pdfs:
            lang, paper, edition = path.parent.parent.parent.name, path.parent.parent.name, \
                path.parent.name
            rules = rules_for(edition, paper, lang in LONGER_THAN_ENGLISH, _notice(lang))
            for problem in audit(path, rules):
                found[problem.rule, edition].append(f"{path.relative_to(built)}: {problem}")
        _audited[built] = found
    return _audited[built]


RULES = ("heading-last", "lone-item", "lone-line", "table-break", "question-split",
         "closing-alone", "underfull", "blank-page", "read-length", "safety-first", "contents",
         "page-number", "odd-page", "bookmark", "text-size", "blank-width", "target")

@pytest.mark.parametrize("edition", ["standard", "large-print"])
@pytest.mark.parametrize("rule", RULES)
def test_every_pdf_of_a_full_build_is_composed(built, rule, edition):
    problems = build_problems(built).get((rule, edition), [])
    assert not problems, f"{len(problems)} composition problem(s):\n" + "\n".join(problems)


def test_the_audit_reads_the_structure_of_a_real_handout(built):
    """Guards the full-build test against passing for want of anything to measure."""
    from pdf_composition import Document

    path = next(built.rglob("en/letter/standard/diagnosis.pdf"))
    doc = Document(path)
    roles = {e.role for e in doc.elements}
    assert {"H1", "H2", "P", "L", "LI", "Form", "Div"} <= roles
    handout = doc.handouts()[0]
    assert handout.first_page == 1 and handout.write_start() is not None
    assert sum(p.weight for p in doc.pieces) > 100
    assert all(page.footer for page in doc.pages)


# ---- small PDFs made on purpose -----------------------------------------------------------------

STYLES = styles_for("standard", "letter")
EDITION = STYLES.edition
FRAME = STYLES.page_size[1] - EDITION.top_margin - EDITION.bottom_margin
LINE = "This line of words is long enough to wrap across the whole text width of the page. "
PHONE = "555-0100"


class Ink(Flowable):
    """A grey block of a given height: content that fills a page where a test needs it."""

    def __init__(self, height: float):
        super().__init__()
        self.block_height = height

    def wrap(self, avail_width, avail_height):
        self.width, self.height = avail_width, self.block_height
        return self.width, self.height

    def draw(self):
        self.canv.setFillGray(0.8)
        self.canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)


class Toc(Flowable):
    """A contents entry: its title and the page number it gives, marked as TOCI/P/Reference."""

    def __init__(self, item: Element, title: str, number: str):
        super().__init__()
        self.item, self.title, self.number = item, title, number

    def wrap(self, avail_width, avail_height):
        self.width, self.height = avail_width, 20
        return self.width, self.height

    def draw(self):
        self.canv.setFont("Body", 14)
        with marked(self.canv, self.item.child("P")):
            self.canv.drawString(0, 4, self.title)
        with marked(self.canv, self.item.child("Reference")):
            self.canv.drawRightString(self.width, 4, self.number)


def tag(flowable, element: Element):
    flowable.tag = element
    return flowable


class Story:
    """A story of flowables and its structure elements, made together."""

    def __init__(self):
        self.root = Element("Document")
        self.flowables: list = [StartHandout(0, "Test handout")]

    def add(self, *flowables) -> Story:
        self.flowables += flowables
        return self

    def text(self, text: str, role: str = "P", style=None, **style_changes) -> Paragraph:
        style = _copy(style or STYLES.body, **style_changes) if style_changes else (
            style or STYLES.body)
        return tag(Paragraph(text, style), self.root.child(role))

    def title(self, text: str = "Test handout") -> Paragraph:
        return self.text(text, "H1", STYLES.title)

    def heading(self, text: str, keep: bool = True) -> Paragraph:
        return self.text(text, "H2", STYLES.h2 if keep else _copy(STYLES.h2, keepWithNext=0))

    def items(self, texts: list[str]) -> list[Paragraph]:
        items = self.root.child("L")
        out = []
        for text in texts:
            para = tag(Paragraph(text, STYLES.bullet, bulletText="•"),
                       items.child("LI").child("LBody"))
            para.list_id = items
            out.append(para)
        return out

    def ink(self, height: float) -> Ink:
        return tag(Ink(height), self.root.child("Figure", alt="a grey block"))

    def blank(self, flowable):
        flowable.tag_parent = self.root.child("Div")
        return flowable

    def pdf(self, *, furniture: list[Furniture] | None = None, through: bool = False,
            styles=STYLES) -> bytes:
        buffer = io.BytesIO()
        template = handout_doc_template(buffer, styles, title="Test", author="Test",
                                        subject="Test", lang="en")
        furniture = furniture or [FURNITURE]
        canvases = []

        def make_canvas(*args, **kwargs):
            canvases.append(FurnishedCanvas(*args, furniture=furniture, styles=styles,
                                            through=through, **kwargs))
            return canvases[-1]

        template.build(self.flowables, canvasmaker=make_canvas)
        return add_fields(buffer.getvalue(), canvases[-1].field_spots, styles.edition.name,
                          self.root, "Test", "en")


def _copy(style, **changes):
    copy = style.clone(style.name + "-test")
    for key, value in changes.items():
        setattr(copy, key, value)
    return copy


FURNITURE = Furniture("Test handout", "Test clinic", None, (f"Clinic phone {PHONE}",),
                      "Page {page} of {pages}")


def found(pdf: bytes, rule: str, rules: Rules | None = None) -> list[Problem]:
    return [p for p in audit(pdf, rules or Rules()) if p.rule == rule]


def height_of(flowable) -> float:
    return flowable.wrap(STYLES.text_width, FRAME)[1]


def test_a_heading_at_the_foot_of_a_page_is_found():
    def story(keep):
        s = Story()
        ink = s.ink(0)   # structure elements are made in reading order
        heading = s.heading("A heading at the foot", keep=keep)
        ink.block_height = FRAME - height_of(heading) - heading.getSpaceBefore() - 6
        flowables = [ink, heading, s.text(LINE * 4)]
        return s.add(*(compose(flowables) if keep else flowables))

    problems = found(story(keep=False).pdf(), "heading-last")
    assert [(p.page, "A heading at the foot" in p.text, "last thing") for p in problems] == [
        (1, True, "last thing")] and "is the last thing on the page" in problems[0].text
    assert found(story(keep=True).pdf(), "heading-last") == []  # keeping.py moves it


def test_a_picture_that_misses_its_page_floats_and_the_text_after_it_fills_the_page():
    """keeping.Float: a picture too tall for what is left of a page opens the next page, and
    the text after it fills this one (else half a page stays empty)."""
    from pdf_composition import Document

    def pages(floats: bool) -> list[tuple[str, int]]:
        s = Story()
        top, picture = s.ink(FRAME * 0.5), s.ink(FRAME * 0.6)
        kept = KeepTogether([picture])
        kept.floats = floats
        after = [s.text(LINE * 2) for _ in range(3)]
        s.add(*float_figures([top, kept, *after]))
        doc = Document(s.pdf())
        return [(piece.element.role, piece.page) for piece in doc.pieces]

    assert pages(floats=False) == [("Figure", 1), ("Figure", 2), ("P", 2), ("P", 2), ("P", 2)]
    assert pages(floats=True) == [("Figure", 1), ("Figure", 2), ("P", 1), ("P", 1), ("P", 1)]


def test_a_heading_that_keeps_one_line_is_found():
    s = Story()
    ink = s.ink(0)
    heading = s.heading("A heading with one line", keep=False)
    one_line = s.text("One short line.")
    ink.block_height = FRAME - (height_of(heading) + heading.getSpaceBefore()
                                + heading.getSpaceAfter() + height_of(one_line) + 4)
    s.add(ink, heading, one_line, s.text(LINE * 4))
    problems = found(s.pdf(), "heading-last")
    assert len(problems) == 1 and "keeps only one line" in problems[0].text


def test_a_lone_list_item_is_found_at_the_foot_and_the_head_of_a_page():
    def story(keep):
        s = Story()
        ink = s.ink(0)
        items = s.items([f"Item {n}" for n in range(1, 5)])
        ink.block_height = FRAME - height_of(items[0]) - items[0].getSpaceAfter() - 4
        return s.add(ink, *(compose(items) if keep else items))

    problems = found(story(keep=False).pdf(), "lone-item")
    assert [p.page for p in problems] == [1]
    assert "alone at the foot" in problems[0].text and "Item 1" in problems[0].text
    assert found(story(keep=True).pdf(), "lone-item") == []

    s = Story()
    ink = s.ink(0)
    items = s.items([f"Item {n}" for n in range(1, 5)])
    ink.block_height = FRAME - 3 * (height_of(items[0]) + items[0].getSpaceAfter()) - 4
    problems = found(s.add(ink, *items).pdf(), "lone-item")
    assert [(p.page, "alone at the head" in p.text, "Item 4" in p.text) for p in problems] == [
        (2, True, True)]


def test_an_orphan_and_a_widow_line_are_found():
    leading = STYLES.body.leading
    s = Story()
    s.add(s.ink(FRAME - leading - 2), s.text(LINE * 5, allowOrphans=1, allowWidows=1))
    problems = found(s.pdf(), "lone-line")
    assert [(p.page, "orphan" in p.text) for p in problems] == [(1, True)]

    s = Story()
    ink = s.ink(0)
    paragraph = s.text(LINE * 3, allowOrphans=1, allowWidows=1)
    paragraph.wrap(STYLES.text_width, FRAME)
    count = len(paragraph.blPara.lines)
    assert count >= 3
    ink.block_height = FRAME - (count - 1) * leading - 2
    s.add(ink, paragraph)
    problems = found(s.pdf(), "lone-line")
    assert [(p.page, "widow" in p.text) for p in problems] == [(2, True)]

    s = Story()  # the styles' own rules: two lines on each side
    s.add(s.ink(FRAME - leading - 2), s.text(LINE * 5))
    assert found(s.pdf(), "lone-line") == []


COLUMNS = [("When: date and time", "when", "When"), ("Dose", "dose", "Dose")]


def test_a_log_that_breaks_without_its_header_or_with_one_row_is_found():
    s = Story()
    ink = s.ink(0)
    table = s.root.child("Div").child("Table")
    first = WriteInLog(COLUMNS, 1, STYLES, "t.log", 1, table)
    rest = WriteInLog([("", name, text) for _, name, text in COLUMNS], 3, STYLES, "t.log", 2,
                      table, continued=True)
    first.tag_parent = rest.tag_parent = table
    ink.block_height = FRAME - height_of(first) - 4
    s.add(ink, first, rest)
    problems = found(s.pdf(), "table-break")
    texts = sorted(p.text for p in problems)
    assert any("one table row alone at the foot" in t for t in texts), texts
    assert any("goes on without its header row" in t for t in texts), texts
    assert {p.page for p in problems} == {1, 2}


def test_a_log_split_by_the_layout_repeats_its_header_and_keeps_two_rows_a_side():
    s = Story()
    ink = s.ink(0)
    log = s.blank(WriteInLog(COLUMNS, 6, STYLES, "t.log"))
    head = height_of(log) - 6 * log.row_height
    ink.block_height = FRAME - head - 5 * log.row_height - 4   # room for 5 rows of 6
    s.add(ink, log)
    pdf = s.pdf()
    assert found(pdf, "table-break") == []
    assert len(audit_pages(pdf)) == 2


def audit_pages(pdf: bytes) -> list:
    from pdf_composition import Document
    return Document(pdf).pages


def test_a_question_parted_from_its_lines_is_found():
    def story(keep):
        s = Story()
        ink = s.ink(0)
        group = s.root.child("Div")
        asked = TickBoxItem("I asked this: <b>What happens next?</b>", STYLES, "t.next_asked",
                            "I asked this")
        lines = AnswerLines(3, STYLES, "t.next", "What happens next?")
        asked.tag_parent = lines.tag_parent = group
        question = [KeepTogether([asked, lines])] if keep else [asked, lines]
        ink.block_height = FRAME - height_of(asked) - 4
        return s.add(ink, *question)

    problems = found(story(keep=False).pdf(), "question-split")
    assert [p.page for p in problems] == [1] and "What happens next?" in problems[0].text
    assert found(story(keep=True).pdf(), "question-split") == []


def test_the_closing_alone_on_a_page_is_found():
    def story(alone):
        s = Story()
        s.add(s.title(), s.text(f"Call {PHONE}."), s.text(LINE * 3))
        if alone:
            s.add(PageBreak())
        return s.add(s.text("Where the facts come from", "H3", STYLES.h3),
                     s.text("Reviewed on a day."))

    problems = found(story(alone=True).pdf(), "closing-alone")
    assert [p.page for p in problems] == [2] and "Where the facts" in problems[0].text
    assert found(story(alone=False).pdf(), "closing-alone") == []


def test_a_page_under_a_third_full_is_found_except_the_last():
    s = Story()
    s.add(s.title(), s.text(f"Call {PHONE}."), PageBreak(), s.ink(FRAME * 0.9), PageBreak(),
          s.text("A short last page."))
    problems = found(s.pdf(), "underfull")
    assert [p.page for p in problems] == [1] and "full (at least a third)" in problems[0].text


def test_a_notes_page_may_be_short():
    s = Story()
    notes = s.blank(AnswerLines(3, STYLES, "t.notes", "Notes"))
    s.add(s.title(), s.ink(FRAME * 0.8), PageBreak(), s.text("My notes", "H2", STYLES.h2),
          notes, PageBreak(), s.ink(FRAME * 0.8))
    assert found(s.pdf(), "underfull") == []


def test_a_blank_page_is_found():
    s = Story()
    s.add(s.title(), s.ink(FRAME * 0.8), PageBreak(), Spacer(1, 10), PageBreak(),
          s.ink(FRAME * 0.8))
    assert [p.page for p in found(s.pdf(), "blank-page")] == [2]


def questions(s: Story) -> list:
    heading = s.text("Questions to ask", "H2", STYLES.h2)
    return [heading, s.blank(TickBoxItem("I asked this: <b>Why?</b>", STYLES, "t.why_asked",
                                         "Asked"))]


def test_a_read_longer_than_allowed_is_found():
    s = Story()
    s.add(s.title(), s.text(f"Call {PHONE}."), s.ink(FRAME * 0.7), PageBreak(),
          s.ink(FRAME * 0.9), PageBreak(), *questions(s))
    pdf = s.pdf()
    problems = found(pdf, "read-length", Rules(read_pages=1))
    assert [p.page for p in problems] == [1] and "takes 2 pages (at most 1)" in problems[0].text
    assert found(pdf, "read-length", Rules(read_pages=2)) == []


def test_warning_signs_after_page_one_are_found():
    def story(late):
        s = Story()
        s.add(s.title())
        if late:
            s.add(s.ink(FRAME * 0.8), PageBreak())
        return s.add(s.text("When to call", "H2", STYLES.h2), s.text(f"Clinic phone: {PHONE}"),
                     s.text("Call 911 for chest pain."), s.text("Another part", "H2", STYLES.h2),
                     s.ink(FRAME * 0.5))

    problems = found(story(late=True).pdf(), "safety-first")
    assert [p.page for p in problems] == [2]
    assert found(story(late=False).pdf(), "safety-first") == []
    assert found(story(late=True).pdf(), "safety-first", Rules(first_pages=2)) == []


def packet(*, through: bool, second_page_odd: bool, bookmark: bool, toc_number: str) -> bytes:
    s = Story()
    s.add(s.title("The packet"))
    s.add(Toc(s.root.child("TOC").child("TOCI"), "Second handout", toc_number),
          s.ink(FRAME * 0.6), PageBreak())
    if second_page_odd:
        s.add(s.ink(FRAME * 0.6), PageBreak())
    s.add(StartHandout(1, "Second handout" if bookmark else None), s.title("Second handout"),
          s.text(f"Call {PHONE}."), s.ink(FRAME * 0.6))
    return s.pdf(furniture=[FURNITURE, FURNITURE], through=through)


def test_a_booklet_is_numbered_through_with_odd_starts_bookmarks_and_right_contents():
    good = packet(through=True, second_page_odd=True, bookmark=True, toc_number="3")
    for rule in ("contents", "page-number", "odd-page", "bookmark"):
        assert found(good, rule) == [], rule
    bad = packet(through=False, second_page_odd=False, bookmark=False, toc_number="5")
    # "Page 1 of 1" on each: its handout's pages, not the booklet's
    assert [p.page for p in found(bad, "page-number")] == [1, 2]
    assert [p.page for p in found(bad, "odd-page")] == [2]
    assert [p.page for p in found(bad, "bookmark")] == [2]
    contents = found(bad, "contents")
    assert len(contents) == 1 and "give page 5" in contents[0].text
    assert "starts on page 2" in contents[0].text


def test_small_type_is_found():
    s = Story()
    s.add(s.title(), s.text("Small print", fontSize=9, leading=13), s.ink(FRAME * 0.5))
    pdf = s.pdf()
    problems = found(pdf, "text-size")
    assert [p.page for p in problems] == [1] and "9.0 pt (at least 10)" in problems[0].text
    assert found(pdf, "text-size", Rules(smallest_pt=9)) == []

    s = Story()
    s.add(s.title(), *(s.text(LINE, fontSize=12, leading=17) for _ in range(8)))
    problems = found(s.pdf(), "text-size")
    assert [(p.page, "body text is 12 pt") for p in problems] == [(0, "body text is 12 pt")]
    assert "the body text is 12 pt (at least 14)" in problems[0].text


def test_short_blanks_and_two_blanks_on_a_line_are_found():
    s = Story()
    s.add(s.title(), s.ink(FRAME * 0.4),
          s.blank(LabelledLine([("Name", "t.name", "Name"), ("Phone", "t.phone", "Phone")],
                               STYLES)),
          s.blank(LabelledLine([("Date", "t.visit_date", "Date"), ("Time", "t.time", "Time"),
                                ("Place", "t.place", "Place")], STYLES)),
          s.blank(LabelledLine([("Doctor", "t.doctor", "Doctor")], STYLES)))
    problems = found(s.pdf(), "blank-width")
    texts = [p.text for p in problems]
    assert any("blanks share one line: t.name, t.phone" in t for t in texts), texts
    assert any("t.name is" in t and "(at least 90 mm)" in t for t in texts), texts
    assert any("line for a date t.visit_date" in t and "(at least 50 mm)" in t
               for t in texts), texts
    assert not any("t.doctor" in t for t in texts), texts


def test_small_tick_boxes_close_to_their_label_are_found():
    small = dataclasses.replace(STYLES, edition=dataclasses.replace(
        EDITION, box=4 * mm, label_gap=1 * mm))
    s = Story()
    s.add(s.title(), s.ink(FRAME * 0.4),
          s.blank(TickBoxItem("Biopsy", small, "t.biopsy", "Biopsy")))
    texts = [p.text for p in found(s.pdf(styles=small), "target")]
    assert any("t.biopsy is 4.0 mm (at least 6 mm)" in t for t in texts), texts
    assert any("1.0 mm from its label (at least 3 mm)" in t for t in texts), texts

    s = Story()
    s.add(s.title(), s.ink(FRAME * 0.4),
          s.blank(TickBoxItem("Biopsy", STYLES, "t.biopsy", "Biopsy")))
    assert found(s.pdf(), "target") == []
