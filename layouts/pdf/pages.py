"""Handouts' running text -> page furniture: clinic banner, running header, footer, page x of y.

Page furniture is drawn after the whole document is laid out, because "Page 2 of 5" needs the
number of pages of each handout, and one document may hold several handouts (the packet).
`FurnishedCanvas` keeps every page until `save()`, then draws each page's header and footer and
writes it out; bookmarks are replayed at that point too, so they point at the right page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from functools import cache

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, PageBreak, PageTemplate
from reportlab.platypus.doctemplate import FrameActionFlowable
from reportlab.platypus.flowables import Flowable

from ..state import file_digest
from .markup import font_runs
from .styles import BODY, HEADING_INK, INK, RULE_INK, Styles
from .tags import Tagger, TaggingFrame, artifact, marked


@dataclass(frozen=True)
class Furniture:
    """What the header and footer of one handout's pages say."""

    title: str
    clinic_name: str
    logo_path: str | None
    phones: tuple[str, ...]   # ("Clinic phone 555-0100", "After hours 555-0199")
    page_label: str      # "Page {page} of {pages}"
    notice: str = ""     # small print on every page, such as an unchecked translation


class StartHandout(Flowable):
    """Marks where a handout begins: its pages are counted from here and it gets a bookmark."""

    _ZEROSIZE = True

    def __init__(self, index: int, bookmark: str | None):
        super().__init__()
        self.index, self.bookmark = index, bookmark
        self.width = self.height = 0

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def draw(self):
        self.canv.handout_index = self.index
        if self.bookmark:
            self.canv.page_bookmarks.append((f"handout{self.index}", self.bookmark))


class StartOnOddPage(FrameActionFlowable):
    """Ends a handout so that the next starts on an odd page, filling a spare page with notes."""

    def __init__(self, notes_page):
        self.notes_page = notes_page

    def frameAction(self, frame):
        # The next handout's first page has the banner, so the first page's frame.
        if self._doctemplateAttr("page") % 2:  # on an odd page: the next would be even
            frame.add_generated_content(PageBreak(), *self.notes_page(),
                                        PageBreak(nextTemplate=FIRST))
        else:
            frame.add_generated_content(PageBreak(nextTemplate=FIRST))


class FurnishedCanvas(Canvas):
    """A canvas that draws each page's header and footer once the page counts are known.

    In a packet (`through`), pages are numbered through the whole packet and the contents on
    its cover get each handout's first page, which is only known once every page is laid out.
    """

    def __init__(self, *args, furniture: list[Furniture], styles: Styles,
                 through: bool = False, tagged: bool = True, record: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.furniture, self.styles, self.through = furniture, styles, through
        if tagged:
            self.tags = Tagger()
        if record:  # where the frames draw each flowable, for the packet (tags.Placed)
            self.placed: list = []
        self.handout_index = 0
        self.page_bookmarks: list[tuple[str, str]] = []
        self.contents_slots: list[ContentsSlot] = []
        self.field_spots: list = []
        self._kept_pages: list[dict] = []

    def showPage(self):
        self._kept_pages.append(dict(self.__dict__))
        self.page_bookmarks = []
        self._startPage()

    def save(self):
        pages_per_handout = Counter(page["handout_index"] for page in self._kept_pages)
        first_pages: dict[int, int] = {}
        for number, page in enumerate(self._kept_pages, start=1):
            first_pages.setdefault(page["handout_index"], number)
        total = len(self._kept_pages)
        slots = self.contents_slots
        seen = Counter()
        for number, state in enumerate(self._kept_pages, start=1):
            self.__dict__.update(state)
            index = self.handout_index
            seen[index] += 1
            for key, title in self.page_bookmarks:
                self.bookmarkPage(key)
                self.addOutlineEntry(title, key, level=0)
            for slot in slots:
                if slot.page == number:
                    slot.draw(self, first_pages.get(slot.handout, 0))
            page, pages = ((number, total) if self.through
                           else (seen[index], pages_per_handout[index]))
            draw_furniture(self, self.furniture[index], self.styles, page, pages,
                           first=seen[index] == 1)
            super().showPage()
        if self.through:  # the packet opens with its bookmarks showing
            self.showOutline()
        super().save()


@dataclass(frozen=True)
class ContentsSlot:
    """Where a contents entry's page number goes: drawn at save time, right-aligned at `x`."""

    page: int
    handout: int
    x: float
    y: float
    font: str
    size: float
    element: object   # the structure element the number belongs to

    def draw(self, canv, first_page: int) -> None:
        with marked(canv, self.element):
            canv.setFillColor(INK)
            canv.setFont(self.font, self.size)
            canv.drawRightString(self.x, self.y, str(first_page))


BANNER_LINES = 2   # the clinic's name beside the logo; more would run into the text
FOOTER_GAP = 2 * mm
# The footer's last line stays this far above the paper's edge: inside what printers print.
FOOTER_BOTTOM = 10 * mm


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of text drawn in the body font, with the fallback font where it lacks a
    character."""
    return sum(stringWidth(run, font, size) for font, run in font_runs(text, bold))


def draw_text(canv: Canvas, x: float, y: float, text: str, size: float, bold: bool = False,
              align_right: bool = False) -> None:
    """Draw one line in the body font, switching to the fallback font per run of text, so no
    character prints as a box."""
    if align_right:
        x -= text_width(text, size, bold)
    for font, run in font_runs(text, bold):
        canv.setFont(font, size)
        canv.drawString(x, y, run)
        x += stringWidth(run, font, size)


def wrap_words(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """Text broken at spaces into lines no wider than `width`; text never shrinks to fit. A
    single word wider than the line keeps a line of its own (and is reported by the check)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def _balanced(text: str, size: float, width: float, bold: bool) -> list[str]:
    """The fewest lines, as even as they can be: a clinic's name reads better 'Maple Grove /
    Cancer Center' than 'Maple Grove Cancer / Center'."""
    lines = wrap_words(text, size, width, bold)
    if len(lines) != 2:
        return lines
    words = text.split()
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    fitting = [pair for pair in splits if max(text_width(line, size, bold)
                                              for line in pair) <= width]
    return list(min(fitting, key=lambda pair: max(text_width(line, size, bold)
                                                   for line in pair)))


def _shortened(text: str, size: float, width: float) -> str:
    """The running title cut at a word and ended with an ellipsis when it does not fit one
    line; the full title is on the handout's first page."""
    if text_width(text, size) <= width:
        return text
    words = text.split()
    while len(words) > 1 and text_width(" ".join(words) + " …", size) > width:
        words.pop()
    return " ".join(words) + " …"


def _logo(path: str) -> ImageReader:
    """The logo, read once while the file stays the same (--watch lives through edits). Drawn
    from a reader, not a file name, so the PDF names it by its content: a file name would put
    the checkout's folder into the bytes."""
    return _logo_of(path, file_digest(path))


@cache
def _logo_of(path: str, digest: str) -> ImageReader:
    return ImageReader(path)


def _logo_width(furniture: Furniture, styles: Styles) -> float:
    if not furniture.logo_path:
        return 0.0
    e = styles.edition
    pixels_wide, pixels_high = _logo(furniture.logo_path).getSize()
    return min(e.logo_height * pixels_wide / pixels_high, _text_width(styles) / 3)


def _text_width(styles: Styles) -> float:
    return styles.page_size[0] - 2 * styles.edition.margin


def _banner_width(furniture: Furniture, styles: Styles) -> float:
    logo = _logo_width(furniture, styles)
    return _text_width(styles) - (logo + 4 * mm if logo else 0)


def _footer_lines(furniture: Furniture, styles: Styles) -> tuple[list[tuple[str, bool]], int]:
    """The footer's lines, (text, bold), and which of them carries the page number at its
    right: the phones (on one line when they fit, else one phone a line: a phone never
    breaks), then the notice, wrapped. The page number goes beside the first line that leaves
    it room, else on a line of its own, so a long notice does not push the phones apart. The
    room is measured for the widest number, so the number keeps its line on every page."""
    e, width = styles.edition, _text_width(styles)
    together = "   ·   ".join(furniture.phones)
    if text_width(together, e.small, bold=True) <= width:
        phones = [together]
    else:
        phones = [line for phone in furniture.phones
                  for line in wrap_words(phone, e.small, width, bold=True)]
    notice = wrap_words(furniture.notice, e.small, width) if furniture.notice else []
    lines = [(line, True) for line in phones] + [(line, False) for line in notice]
    widest = furniture.page_label.format(page=999, pages=999)
    beside_page = width - text_width(widest, e.small, bold=True) - 6 * mm
    for at, (line, bold) in enumerate(lines):
        if text_width(line, e.small, bold=bold) <= beside_page:
            return lines, at
    return [*lines, ("", False)], len(lines)


def _footer_line(styles: Styles) -> float:
    return styles.edition.small * 1.45


def footer_margin(styles: Styles, lines: int) -> float:
    """The bottom margin that holds a footer of this many lines below the text frame."""
    return (4 * mm + FOOTER_GAP + styles.edition.small * 0.75
            + (lines - 1) * _footer_line(styles) + FOOTER_BOTTOM)


def _footer_room(styles: Styles) -> int:
    """How many footer lines fit in the edition's largest bottom margin."""
    e = styles.edition
    return int((e.bottom_margin - footer_margin(styles, 1)) // _footer_line(styles)) + 1


def fit_footer(styles: Styles, furniture: list[Furniture]) -> Styles:
    """The styles with a bottom margin just tall enough for the longest footer of a job's
    pages, so a one-line footer leaves the rest of the page to the text (in large print, a
    tenth of the page). A footer longer than the edition allows is reported, never drawn."""
    lines = max(len(_footer_lines(item, styles)[0]) for item in furniture)
    margin = min(styles.edition.bottom_margin, footer_margin(styles, lines))
    return replace(styles, edition=replace(styles.edition, bottom_margin=margin))


def furniture_overflows(furniture: Furniture, styles: Styles) -> list[str]:
    """The header and footer texts that do not fit their space, measured without drawing, so
    that --check reports what a build would print."""
    e, width = styles.edition, _text_width(styles)
    found = []
    banner = _banner_width(furniture, styles)
    lines = _balanced(furniture.clinic_name, e.h3, banner, True)
    if len(lines) > BANNER_LINES or any(text_width(line, e.h3, True) > banner
                                        for line in lines):
        found.append(furniture.clinic_name)
    footer = [text for text, _ in _footer_lines(furniture, styles)[0]]
    # Wrapping keeps every line within the width but a single word longer than it.
    if len(footer) > _footer_room(styles) or any(
            text_width(word, e.small, True) > width for line in footer for word in line.split()):
        found += [*furniture.phones, furniture.notice]
    return [text for text in found if text]


def draw_furniture(canv: Canvas, furniture: Furniture, styles: Styles, page: int,
                   pages: int, first: bool) -> None:
    """Header and footer, both artifacts: a screen reader skips them. `first` is the first
    page of a handout, which carries the clinic's banner."""
    canv.saveState()
    with artifact(canv, "Header"):
        _draw_header(canv, furniture, styles, first)
    with artifact(canv, "Footer"):
        _draw_footer(canv, furniture, styles, page, pages)
    canv.restoreState()


def _draw_header(canv: Canvas, furniture: Furniture, styles: Styles, first: bool) -> None:
    """The clinic's banner on a handout's first page, a running title on the others."""
    e = styles.edition
    width, height = styles.page_size
    left, right = e.margin, width - e.margin
    canv.setFillColor(INK)
    top = height - (e.top_margin if first else e.later_top_margin) + 5 * mm
    if first:
        logo_width = _logo_width(furniture, styles)
        if logo_width:
            canv.drawImage(_logo(furniture.logo_path), left, top, width=logo_width,
                           height=e.logo_height, preserveAspectRatio=True, anchor="sw",
                           mask="auto")
            logo_width += 4 * mm
        size = e.h3
        lines = _balanced(furniture.clinic_name, size, _banner_width(furniture, styles), True)
        leading = size * 1.2
        canv.setFillColor(HEADING_INK)
        # The lines are centred on the logo's middle.
        y = top + e.logo_height / 2 + (len(lines) - 1) * leading / 2 - size * 0.35
        for index, line in enumerate(lines):
            draw_text(canv, left + logo_width, y - index * leading, line, size, bold=True)
    else:
        # Later pages carry the handout's title, so a loose page can be put back in place.
        draw_text(canv, left, top + 2 * mm, _shortened(furniture.title, e.small, right - left),
                  e.small)
    canv.setStrokeColor(RULE_INK)
    canv.setLineWidth(0.6)
    canv.line(left, top - 1.5 * mm, right, top - 1.5 * mm)


def _draw_footer(canv: Canvas, furniture: Furniture, styles: Styles, page: int,
                 pages: int) -> None:
    """From the text frame down: a rule, the phones and the page number (a patient may hold
    only this page), then any notice; each in the edition's small type, wrapped, never
    shrunk."""
    e = styles.edition
    width = styles.page_size[0]
    left, right = e.margin, width - e.margin
    canv.setStrokeColor(RULE_INK)
    canv.setLineWidth(0.6)
    rule = e.bottom_margin - 4 * mm
    canv.line(left, rule, right, rule)
    page_text = furniture.page_label.format(page=page, pages=pages)
    canv.setFillColor(INK)
    y = rule - FOOTER_GAP - e.small * 0.75
    lines, page_line = _footer_lines(furniture, styles)
    for index, (line, bold) in enumerate(lines):
        draw_text(canv, left, y, line, e.small, bold=bold)
        if index == page_line:
            draw_text(canv, right, y, page_text, e.small, bold=True, align_right=True)
        y -= _footer_line(styles)


FIRST, LATER = "first", "later"   # page templates: a handout's first page and its others


class HandoutTemplate(BaseDocTemplate):
    """A document template that can note where its layout stands when a given flowable comes
    up (`stop_at`): a packet goes on from that point with a story of its own."""

    def __init__(self, *args, stop_at=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop_at, self.stopped = stop_at, None

    def handle_flowable(self, flowables):
        if self.stopped is None and flowables and flowables[0] is self.stop_at:
            frame = self.frame
            self.stopped = Stop(len(self.canv.placed), self.canv.getPageNumber(), frame._y,
                                frame._prevASpace)
        super().handle_flowable(flowables)


@dataclass(frozen=True)
class Stop:
    """Where a layout stood: how many flowables it had drawn, on which page, how far down the
    frame, and the space after the last one (the frame takes the larger of two spaces)."""

    placed: int
    page: int
    y: float
    space_after: float


def handout_doc_template(target, styles: Styles, *, title: str, author: str, subject: str,
                         lang: str, stop_at=None) -> HandoutTemplate:
    """One document template for a handout or a packet. A handout's first page has the
    clinic's banner above its text; its other pages have only a running title, so their
    text starts higher. A packet turns back to the first page's frame at each handout."""
    e = styles.edition
    width, height = styles.page_size

    def frame(top_margin: float) -> TaggingFrame:
        return TaggingFrame(e.margin, e.bottom_margin, width - 2 * e.margin,
                            height - top_margin - e.bottom_margin, leftPadding=0,
                            rightPadding=0, topPadding=0, bottomPadding=0, id="text")

    return HandoutTemplate(
        target, stop_at=stop_at, pagesize=styles.page_size,
        pageTemplates=[PageTemplate(FIRST, [frame(e.top_margin)], autoNextPageTemplate=LATER),
                       PageTemplate(LATER, [frame(e.later_top_margin)])],
        leftMargin=e.margin, rightMargin=e.margin, topMargin=e.top_margin,
        bottomMargin=e.bottom_margin, title=title, author=author, subject=subject,
        creator="patient-handouts", producer="patient-handouts", lang=lang,
        displayDocTitle=1, invariant=1, pageCompression=1, initialFontName=BODY,
    )
