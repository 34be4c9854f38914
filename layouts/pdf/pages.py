"""Handouts' running text -> page furniture: clinic banner, running header, footer, page x of y.

Page furniture is drawn after the whole document is laid out, because "Page 2 of 5" needs the
number of pages of each handout, and one document may hold several handouts (the packet).
`FurnishedCanvas` keeps every page until `save()`, then draws each page's header and footer and
writes it out; bookmarks are replayed at that point too, so they point at the right page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, PageBreak, PageTemplate
from reportlab.platypus.doctemplate import FrameActionFlowable
from reportlab.platypus.flowables import Flowable

from .styles import BODY, BODY_BOLD, HEADING_INK, INK, RULE_INK, Styles
from .tags import Tagger, TaggingFrame, artifact, marked


@dataclass(frozen=True)
class Furniture:
    """What the header and footer of one handout's pages say."""

    title: str
    clinic_name: str
    logo_path: str | None
    phones: str          # "Clinic phone 555-0100 · After hours 555-0199"
    review: str          # "Reviewed ... · Next review ..."
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

    def __init__(self, doc: BaseDocTemplate, notes_page):
        self.doc, self.notes_page = doc, notes_page

    def frameAction(self, frame):
        if self.doc.page % 2:  # on an odd page now: the next would be even, so add a notes page
            frame.add_generated_content(PageBreak(), *self.notes_page(), PageBreak())
        else:
            frame.add_generated_content(PageBreak())


class FurnishedCanvas(Canvas):
    """A canvas that draws each page's header and footer once the page counts are known.

    In a packet (`through`), pages are numbered through the whole packet and the contents on
    its cover get each handout's first page, which is only known once every page is laid out.
    """

    def __init__(self, *args, furniture: list[Furniture], styles: Styles,
                 through: bool = False, tagged: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.furniture, self.styles, self.through = furniture, styles, through
        if tagged:
            self.tags = Tagger()
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


SMALLEST_SHARE = 0.6   # text shrinks to fit its space, never below this share of its size
OVERFLOW_SHARE = 0.8   # shrinking below this share is worth a warning


def _fitted(text: str, font: str, size: float, width: float) -> tuple[float, bool]:
    """The size at which text fits `width` (at most `size`), and whether it had to shrink so far
    that the clinic should shorten it."""
    natural = stringWidth(text, font, size)
    if natural <= width:
        return size, False
    fitted = size * width / natural
    return max(fitted, size * SMALLEST_SHARE), fitted < size * OVERFLOW_SHARE


def _banner_lines(name: str, size: float, width: float) -> tuple[list[str], float, bool]:
    """The clinic's name on one line, or on two balanced lines, at the largest size that fits."""
    if stringWidth(name, BODY_BOLD, size) <= width:
        return [name], size, False
    words = name.split()
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    if not splits:
        fitted, overflow = _fitted(name, BODY_BOLD, size, width)
        return [name], fitted, overflow
    lines = min(splits, key=lambda pair: max(stringWidth(line, BODY_BOLD, size)
                                             for line in pair))
    longest = max(lines, key=lambda line: stringWidth(line, BODY_BOLD, size))
    fitted, overflow = _fitted(longest, BODY_BOLD, size, width)
    return list(lines), fitted, overflow


def _shortened(text: str, size: float, width: float) -> str:
    """Text cut at a word and ended with an ellipsis when even small type cannot fit it all;
    the running title does this, as the full title is on the handout's first page."""
    if stringWidth(text, BODY, size) <= width:
        return text
    words = text.split()
    while len(words) > 1 and stringWidth(" ".join(words) + " …", BODY, size) > width:
        words.pop()
    return " ".join(words) + " …"


@cache
def _pixel_size(path: str) -> tuple[int, int]:
    return ImageReader(path).getSize()  # read once, not on every first page


def _logo_width(furniture: Furniture, styles: Styles) -> float:
    if not furniture.logo_path:
        return 0.0
    e = styles.edition
    pixels_wide, pixels_high = _pixel_size(furniture.logo_path)
    return min(e.logo_height * pixels_wide / pixels_high, _text_width(styles) / 3)


def _text_width(styles: Styles) -> float:
    return styles.page_size[0] - 2 * styles.edition.margin


def _footer_page_width(text: str, styles: Styles) -> float:
    return stringWidth(text, BODY_BOLD, styles.edition.small) + 6 * mm


def furniture_overflows(furniture: Furniture, styles: Styles) -> list[str]:
    """The header and footer texts that would have to shrink too far to fit, measured without
    drawing, so that --check reports what a build would."""
    e, width = styles.edition, _text_width(styles)
    logo = _logo_width(furniture, styles)
    banner = width - (logo + 4 * mm if logo else 0)
    widest_page = _footer_page_width(furniture.page_label.format(page=99, pages=99), styles)
    checks = [(furniture.clinic_name, _banner_lines(furniture.clinic_name, e.h3, banner)[2]),
              (furniture.title, _fitted(furniture.title, BODY, e.small, width)[1]),
              (furniture.phones, _fitted(furniture.phones, BODY_BOLD, e.small,
                                         width - widest_page)[1]),
              (furniture.review, _fitted(furniture.review, BODY, e.small, width)[1])]
    if furniture.notice:
        checks.append((furniture.notice, _fitted(furniture.notice, BODY, e.small * 0.85,
                                                  width)[1]))
    return [text for text, overflow in checks if overflow]


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
    top = height - e.top_margin + 5 * mm
    if first:
        logo_width = _logo_width(furniture, styles)
        if logo_width:
            canv.drawImage(furniture.logo_path, left, top, width=logo_width,
                           height=e.logo_height, preserveAspectRatio=True, anchor="sw",
                           mask="auto")
            logo_width += 4 * mm
        lines, size, _ = _banner_lines(furniture.clinic_name, e.h3, right - left - logo_width)
        leading = size * 1.2
        canv.setFont(BODY_BOLD, size)
        canv.setFillColor(HEADING_INK)
        # The lines are centred on the logo's middle.
        first = top + e.logo_height / 2 + (len(lines) - 1) * leading / 2 - size * 0.35
        for index, line in enumerate(lines):
            canv.drawString(left + logo_width, first - index * leading, line)
    else:
        # Later pages carry the handout's title, so a loose page can be put back in place.
        size = _fitted(furniture.title, BODY, e.small, right - left)[0]
        canv.setFont(BODY, size)
        canv.drawString(left, top + 2 * mm, _shortened(furniture.title, size, right - left))
    canv.setStrokeColor(RULE_INK)
    canv.setLineWidth(0.6)
    canv.line(left, top - 1.5 * mm, right, top - 1.5 * mm)


def _draw_footer(canv: Canvas, furniture: Furniture, styles: Styles, page: int,
                 pages: int) -> None:
    """From the text frame down: a rule, the phones and the page number (a patient may hold
    only this page), the review dates, then any notice in smaller print."""
    e = styles.edition
    width = styles.page_size[0]
    left, right = e.margin, width - e.margin
    small = e.small
    canv.setStrokeColor(RULE_INK)
    canv.setLineWidth(0.6)
    line_height = small * 1.45
    rule = e.bottom_margin - 4 * mm
    canv.line(left, rule, right, rule)
    first = rule - 2 * mm - small * 0.75
    second = first - line_height
    page_text = furniture.page_label.format(page=page, pages=pages)
    page_width = _footer_page_width(page_text, styles)
    canv.setFillColor(INK)
    canv.setFont(BODY_BOLD, _fitted(furniture.phones, BODY_BOLD, small,
                                    right - left - page_width)[0])
    canv.drawString(left, first, furniture.phones)
    canv.setFont(BODY_BOLD, small)
    canv.drawRightString(right, first, page_text)
    canv.setFont(BODY, _fitted(furniture.review, BODY, small, right - left)[0])
    canv.drawString(left, second, furniture.review)
    if furniture.notice:
        canv.setFont(BODY, _fitted(furniture.notice, BODY, small * 0.85, right - left)[0])
        canv.drawString(left, second - line_height, furniture.notice)


def handout_doc_template(target, styles: Styles, *, title: str, author: str, subject: str,
                         lang: str) -> BaseDocTemplate:
    """One document template for a handout or a packet: every page has the same text frame."""
    e = styles.edition
    width, height = styles.page_size
    frame = TaggingFrame(e.margin, e.bottom_margin, width - 2 * e.margin,
                  height - e.top_margin - e.bottom_margin, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id="text")
    return BaseDocTemplate(
        target, pagesize=styles.page_size, pageTemplates=[PageTemplate("page", [frame])],
        leftMargin=e.margin, rightMargin=e.margin, topMargin=e.top_margin,
        bottomMargin=e.bottom_margin, title=title, author=author, subject=subject,
        creator="patient-handouts", producer="patient-handouts", lang=lang,
        displayDocTitle=1, invariant=1, pageCompression=1, initialFontName=BODY,
    )
