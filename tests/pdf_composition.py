"""A tagged PDF -> its composition problems: how its content falls on its pages, measured.

`audit(pdf, rules)` returns a list of `Problem`s (page, rule, text involved), empty when every page
is composed as DESIGN.md asks ("Pages that are composed, not just filled" and "Standards"). Which
structure element each line of text belongs to comes from the structure tree and the marked-content
ids of the pages (`pdf_measure` follows BDC ... EMC); where it is comes from the pages' own drawing
commands; blanks are the form widgets. So it measures what was printed, not what the layout meant.

What it checks, page by page (rule names as `Problem.rule` gives them):
- `heading-last`: a heading (H1-H6) keeps at least two lines of what follows on its page (all of
  it, when less follows);
- `lone-item`: a list that breaks leaves at least two items on each side;
- `lone-line`: any text element that breaks (paragraph, list item, heading) leaves at least two
  lines on each side (no orphan at a page's foot, no widow at its head);
- `table-break`: a table that breaks keeps its header with its first rows, repeats the header
  above its rows on every later page, and leaves at least two rows on each side; consecutive
  Table elements of one parent count as one table told in parts;
- `question-split`: a question (an element with a tick box and a multi-line answer field) is on
  one page;
- `closing-alone`: a handout's closing (its last heading, with no blank after it, to its end)
  shares every page it is on with other content;
- `underfull`: a page is at least a third full (lowest ink within the text frame, over the
  frame's height), except notes pages (a multi-line field that answers no question), a
  handout's last page, and the read's last page when the write part starts a page;
- `blank-page`: no page is without content (a spare page must be a notes page);
- `read-length`: a handout's read (its first page to the last page before the write part, the
  first H2 section that holds a blank) is at most `rules.read_pages` pages;
- `safety-first`: the clinic's phone numbers from the footer appear in the content of each
  handout's first page (first `rules.first_pages` pages), with the rest of their section: the
  warning signs come first;
- `contents`: a cover's contents (TOC) list every handout at the page its title (H1) is on;
- `page-number`: each footer reads `<page> ... <pages>` numbered through the whole file;
- `odd-page`: each handout (H1) starts on an odd page;
- `bookmark`: an outline entry names each handout and leads to its first page;
- `text-size`: the type size that sets most text is at least `rules.body_pt`; every text is at
  least `rules.smallest_pt`, the translation notice at least `rules.notice_pt`;
- `blank-width`: a line for a date is at least `rules.date_mm`, a date cell of a log at least
  `rules.log_date_mm`, every other one-line blank outside a log (a name, a phone, a place, a
  time) at least `rules.name_mm`, and no two such blanks share a line; a date is a field whose
  name has the part `date` or `when` (field names are the same in every language);
- `target`: tick boxes and circle targets are at least `rules.target_mm` across and at least
  `rules.target_gap_mm` from their label.

The frame is measured too: from the page header's lowest ink to the page footer's highest (the
pagination artifacts), or the whole page when a PDF has neither.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from pdf_measure import MM, PageDrawing, measure_page

HEADINGS = {"H", "H1", "H2", "H3", "H4", "H5", "H6"}
CONTAINERS = {"Document", "Sect", "Part", "Art", "Div", "L", "LI", "Table", "TR", "THead",
              "TBody", "TFoot", "TOC", "TOCI", "Form", "Figure", "NonStruct"}
_MULTILINE, _RADIO = 1 << 12, 1 << 15
_PHONE = re.compile(r"\+?\(?\d[\d ().-]{5,}\d")
_DATE_FIELD = re.compile(r"(^|_)(date|when)(_|$)")


@dataclass(frozen=True)
class Problem:
    page: int      # from 1; 0 for the document as a whole
    rule: str
    text: str      # what is wrong, quoting the text involved

    def __str__(self) -> str:
        where = f"page {self.page}" if self.page else "document"
        return f"{where}: {self.rule}: {self.text}"


@dataclass(frozen=True)
class Rules:
    """The numbers a PDF is held to (DESIGN.md, "Standards" and "Pages that are composed")."""

    body_pt: float = 14
    smallest_pt: float = 10
    notice_pt: float = 12
    notice: str = ""             # the translation notice the footer prints, if any
    name_mm: float = 90
    date_mm: float = 50
    log_date_mm: float = 35
    target_mm: float = 6
    target_gap_mm: float = 3
    read_pages: int | None = 4   # None: the read's length is not held to a number
    first_pages: int = 1         # the pages that must hold title .. warning signs


def rules_for(edition: str, paper: str = "letter", longer_language: bool = False,
              notice: str = "") -> Rules:
    """DESIGN.md's numbers for an edition: the read's length is set on Letter, with a page more
    for a language that runs longer than English (large print: 6 pages either way)."""
    if edition == "large-print":
        rules = Rules(body_pt=18, smallest_pt=16, notice_pt=16, date_mm=60, log_date_mm=40,
                      target_mm=8, read_pages=6, first_pages=2, notice=notice)
    else:
        rules = Rules(read_pages=5 if longer_language else 4, notice=notice)
    if paper != "letter":
        rules = Rules(**{**rules.__dict__, "read_pages": None})
    return rules


# ---- what the PDF holds ------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One line of text of one marked-content sequence: baseline, extent, size and text."""

    y: float
    x0: float
    x1: float
    size: float
    text: str


@dataclass(frozen=True)
class Widget:
    name: str      # full field name, "<topic>.<field>"
    kind: str      # "text", "multiline", "checkbox" or "radio"
    rect: tuple[float, float, float, float]


@dataclass(eq=False)
class Piece:
    """One marked-content sequence or one form widget: the smallest thing placed on a page."""

    element: Element
    page: int
    index: int = 0                       # position in reading order
    lines: tuple[Line, ...] = ()
    bottom: float | None = None          # lowest ink, for a sequence that painted any
    top: float | None = None
    widget: Widget | None = None
    ruled: int = 0                       # a multi-line blank's ruled lines

    @property
    def weight(self) -> int:
        """How many lines it counts for: its text lines, a multi-line blank's ruled lines, or
        one for other ink or a blank."""
        if self.lines:
            return len(self.lines)
        return max(self.ruled, 1) if self.widget or self.bottom is not None else 0

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass(eq=False)
class Element:
    role: str
    parent: Element | None = None
    kids: list = field(default_factory=list)   # Element | Piece, in reading order

    def elements(self):
        yield self
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.elements()

    def pieces(self) -> list[Piece]:
        out = []
        for kid in self.kids:
            out += kid.pieces() if isinstance(kid, Element) else [kid]
        return out

    def own_pieces(self) -> list[Piece]:
        return [kid for kid in self.kids if isinstance(kid, Piece)]

    def widgets(self) -> list[Widget]:
        return [p.widget for p in self.pieces() if p.widget]

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.pieces() if p.lines)

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


@dataclass(eq=False)
class Page:
    number: int
    drawing: PageDrawing
    frame: tuple[float, float]      # bottom, top
    footer: str
    pieces: list[Piece] = field(default_factory=list)

    @property
    def lowest_ink(self) -> float | None:
        """The lowest point painted within the frame by anything but the page furniture."""
        d, (bottom, top) = self.drawing, self.frame
        marks = ([(t.y, t.artifact) for t in d.texts if t.text.strip()]
                 + [(min(s.y1, s.y2), s.artifact) for s in d.segments]
                 + [(r.y0, r.artifact) for r in d.rects]
                 + [(c.bbox[1], c.artifact) for c in d.curves])
        inside = [y for y, artifact in marks
                  if artifact not in ("Header", "Footer") and bottom - 2 <= y <= top + 2]
        return min(inside) if inside else None


def _snippet(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= length else text[:length - 1] + "…")


def _words(text: str) -> str:
    return " ".join(text.split())


# ---- reading the PDF ---------------------------------------------------------------------------

def _lines_by_mcid(drawing: PageDrawing) -> dict[int, tuple[Line, ...]]:
    runs = defaultdict(lambda: defaultdict(list))
    for run in drawing.texts:
        if run.mcid is not None and run.text.strip():
            runs[run.mcid][round(run.y * 2) / 2].append(run)
    out = {}
    for mcid, by_y in runs.items():
        lines = []
        for y, row in sorted(by_y.items(), reverse=True):
            row.sort(key=lambda r: r.x0)
            text = row[0].text
            for before, run in zip(row, row[1:]):
                text += (" " if run.x0 - before.x1 > 0.5 else "") + run.text
            lines.append(Line(y, row[0].x0, max(r.x1 for r in row), max(r.size for r in row),
                              _words(text)))
        out[mcid] = tuple(lines)
    return out


def _ink_by_mcid(drawing: PageDrawing) -> dict[int, tuple[float, float]]:
    out: dict[int, tuple[float, float]] = {}

    def add(mcid, low, high):
        if mcid is None:
            return
        old = out.get(mcid)
        out[mcid] = (min(low, old[0]), max(high, old[1])) if old else (low, high)

    for t in drawing.texts:
        if t.text.strip():
            add(t.mcid, t.y - 0.2 * t.size, t.y + 0.75 * t.size)
    for s in drawing.segments:
        add(s.mcid, min(s.y1, s.y2), max(s.y1, s.y2))
    for r in drawing.rects:
        add(r.mcid, r.y0, r.y1)
    for c in drawing.curves:
        x0, y0, x1, y1 = c.bbox
        add(c.mcid, y0, y1)
    return out


def _frame(drawing: PageDrawing) -> tuple[float, float]:
    def ys(kind):
        return ([t.y + t.size * 0.75 for t in drawing.texts if t.artifact == kind]
                + [t.y for t in drawing.texts if t.artifact == kind]
                + [v for s in drawing.segments if s.artifact == kind for v in (s.y1, s.y2)]
                + [v for r in drawing.rects if r.artifact == kind for v in (r.y0, r.y1)])
    header, footer = ys("Header"), ys("Footer")
    return (max(footer) if footer else 0.0,
            min(header) if header else drawing.height)


def _ruled_lines(drawing: PageDrawing, rect) -> int:
    x0, y0, x1, y1 = rect
    return len({round(s.y1) for s in drawing.segments
                if s.horizontal and y0 - 2 <= s.y1 <= y1 + 2
                and min(s.x1, s.x2) <= x0 + 2 and max(s.x1, s.x2) >= x1 - 2})


def _field(annotation) -> Widget:
    name_parts, node, ft, ff = [], annotation, None, None
    while node is not None:
        node = node.get_object()
        if "/T" in node:
            name_parts.append(str(node["/T"]))
        ft = ft or node.get("/FT")
        ff = ff if ff is not None else node.get("/Ff")
        parent = node.get("/Parent")
        node = parent if parent is not None else None
    flags = int(ff or 0)
    if ft == "/Btn":
        kind = "radio" if flags & _RADIO else "checkbox"
    else:
        kind = "multiline" if flags & _MULTILINE else "text"
    rect = tuple(float(v) for v in annotation.get_object()["/Rect"])
    x0, y0, x1, y1 = rect
    return Widget(".".join(reversed(name_parts)), kind,
                  (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))


class Document:
    """A tagged PDF read for the audit: its pages, structure and pieces in reading order."""

    def __init__(self, pdf, rules: Rules | None = None):
        self.rules = rules or Rules()
        self.reader = reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
        self.pages: list[Page] = []
        self.elements: list[Element] = []
        lines, inks = [], []
        for number, page in enumerate(reader.pages, start=1):
            drawing = measure_page(page, reader)
            footer = " ".join(t.text for t in sorted(drawing.texts, key=lambda t: (-t.y, t.x0))
                              if t.artifact == "Footer")
            self.pages.append(Page(number, drawing, _frame(drawing), _words(footer)))
            lines.append(_lines_by_mcid(drawing))
            inks.append(_ink_by_mcid(drawing))
        page_numbers = {page.indirect_reference.idnum: n
                        for n, page in enumerate(reader.pages, start=1)}
        self.root = Element("StructTreeRoot")
        self.pieces: list[Piece] = []
        tree = reader.trailer["/Root"].get("/StructTreeRoot")
        if tree is None:
            return

        def piece(element: Element, page: int, mcid: int | None = None,
                  widget: Widget | None = None) -> None:
            if not 1 <= page <= len(self.pages):
                return
            made = Piece(element, page, len(self.pieces), widget=widget)
            if widget and widget.kind == "multiline":  # its lines, as lines of what follows
                made.ruled = _ruled_lines(self.pages[page - 1].drawing, widget.rect)
            if mcid is not None:
                made.lines = lines[page - 1].get(mcid, ())
                ink = inks[page - 1].get(mcid)
                if ink:
                    made.bottom, made.top = ink
            element.kids.append(made)
            self.pieces.append(made)
            self.pages[page - 1].pieces.append(made)

        def page_of(ref) -> int:
            return page_numbers.get(ref.idnum, 0) if isinstance(ref, IndirectObject) else 0

        def walk(node, parent: Element) -> None:
            node = node.get_object()
            element = Element(str(node.get("/S", "/")).lstrip("/"), parent)
            parent.kids.append(element)
            default_page = page_of(node.raw_get("/Pg")) if "/Pg" in node else 0
            kids = node.get("/K", ArrayObject())
            if not isinstance(kids, ArrayObject):
                kids = ArrayObject([kids])
            for kid in kids:
                kid_obj = kid.get_object() if isinstance(kid, IndirectObject) else kid
                if isinstance(kid_obj, int):
                    piece(element, default_page, mcid=int(kid_obj))
                elif not isinstance(kid_obj, DictionaryObject):
                    continue
                elif kid_obj.get("/Type") == "/MCR":
                    page = (page_of(kid_obj.raw_get("/Pg")) if "/Pg" in kid_obj
                            else default_page)
                    piece(element, page, mcid=int(kid_obj["/MCID"]))
                elif kid_obj.get("/Type") == "/OBJR":
                    annotation = kid_obj["/Obj"].get_object()
                    if annotation.get("/Subtype") != "/Widget":
                        continue
                    page = (page_of(annotation.raw_get("/P")) if "/P" in annotation
                            else page_of(kid_obj.raw_get("/Pg")))
                    piece(element, page, widget=_field(kid_obj.raw_get("/Obj")))
                else:
                    walk(kid, element)

        top = tree.get_object().get("/K", ArrayObject())
        for kid in top if isinstance(top, ArrayObject) else [top]:
            walk(kid, self.root)
        self.elements = list(self.root.elements())[1:]

    # -- handouts --------------------------------------------------------------------------------

    def handouts(self) -> list[Handout]:
        """The handouts, each from its title (H1) to the next; a cover is one that lists them."""
        starts = [e.pieces()[0].index for e in self.elements
                  if e.role == "H1" and e.pieces()]
        if not starts:
            starts = [0] if self.pieces else []
        bounds = list(zip(starts, starts[1:] + [len(self.pieces)]))
        firsts = [self.pieces[start].page for start, _ in bounds]
        lasts = [page - 1 for page in firsts[1:]] + [len(self.pages)]
        return [Handout(self, self.pieces[start:end], first, max(first, last))
                for (start, end), first, last in zip(bounds, firsts, lasts)]

    def notes_pages(self) -> set[int]:
        """Pages that hold a multi-line field answering no question: pages for notes."""
        pages = set()
        for piece in self.pieces:
            widget = piece.widget
            if widget and widget.kind == "multiline":
                group = piece.element.parent or piece.element
                if not any(w.kind == "checkbox" for w in group.widgets()):
                    pages.add(piece.page)
        return pages


@dataclass(eq=False)
class Handout:
    doc: Document
    pieces: list[Piece]
    first_page: int
    last_page: int     # the page before the next handout's first

    @property
    def title(self) -> str:
        heading = self.pieces[0].element
        return heading.text if heading.role == "H1" else ""

    @property
    def is_cover(self) -> bool:
        return any(any(a.role == "TOC" for a in p.element.ancestors()) or p.element.role == "TOC"
                   for p in self.pieces)

    def write_start(self) -> int | None:
        """Index in `pieces` of the heading that begins the write part: the first H2 whose
        section holds a blank."""
        for i, piece in enumerate(self.pieces):
            if piece.element.role != "H2":
                continue
            for later in self.pieces[i + 1:]:
                if later.element.role in ("H1", "H2"):
                    break
                if later.widget:
                    return i
        return None


# ---- the rules ---------------------------------------------------------------------------------

def _headings(doc: Document) -> list[Problem]:
    problems = []
    for element in doc.elements:
        if element.role not in HEADINGS or not element.own_pieces():
            continue
        last = element.own_pieces()[-1]
        following = [p for p in doc.pieces[last.index + 1:] if p.weight]
        need = min(2, sum(p.weight for p in following))
        kept = 0
        for p in following:
            if p.page != last.page or kept >= need:
                break
            kept += p.weight
        if kept < need:
            what = ("is the last thing on the page" if kept == 0
                    else "keeps only one line of what follows")
            problems.append(Problem(last.page, "heading-last",
                                    f"heading {_snippet(element.text)} {what}"))
    return problems


def _lines_per_page(pieces: list[Piece]) -> dict[int, int]:
    count = Counter()
    for piece in pieces:
        count[piece.page] += len(piece.lines)
    return {page: n for page, n in count.items() if n}


def _text_breaks(doc: Document) -> list[Problem]:
    problems = []
    for element in doc.elements:
        if element.role in CONTAINERS:
            continue
        per_page = _lines_per_page(element.own_pieces())
        if len(per_page) < 2:
            continue
        first, last = min(per_page), max(per_page)
        if per_page[first] < 2:
            problems.append(Problem(first, "lone-line", f"one line alone at the foot of the "
                                    f"page (orphan) of {_snippet(element.text)}"))
        if per_page[last] < 2:
            problems.append(Problem(last, "lone-line", f"one line alone at the head of the "
                                    f"page (widow) of {_snippet(element.text)}"))
    return problems


def _lists(doc: Document) -> list[Problem]:
    problems = []
    for element in doc.elements:
        if element.role != "L":
            continue
        items = [kid for kid in element.kids if isinstance(kid, Element) and kid.role == "LI"]
        pages_of = [{p.page for p in item.pieces() if p.weight} for item in items]
        pages = sorted(set().union(*pages_of)) if pages_of else []
        if len(items) < 2 or len(pages) < 2:
            continue
        for page, where in ((pages[0], "foot"), (pages[-1], "head")):
            on_page = [item for item, its in zip(items, pages_of) if page in its]
            if len(on_page) < 2:
                problems.append(Problem(page, "lone-item", f"one list item alone at the {where} "
                                        f"of the page: {_snippet(on_page[0].text)}"))
    return problems


def _tables(doc: Document) -> list[Problem]:
    """Tables, taking consecutive Table siblings as the parts of one table."""
    problems = []
    groups: list[list[Element]] = []
    for element in doc.elements:
        if element.role != "Table":
            continue
        siblings = element.parent.kids if element.parent else []
        at = siblings.index(element)
        if groups and at > 0 and siblings[at - 1] is groups[-1][-1]:
            groups[-1].append(element)
        else:
            groups.append([element])
    for parts in groups:
        rows = [kid for table in parts for kid in table.kids
                if isinstance(kid, Element) and kid.role == "TR"]
        header_rows = [r for r in rows if any(isinstance(k, Element) and k.role == "TH"
                                              for k in r.kids)]
        body = [r for r in rows if r not in header_rows]
        placed = [(r, r.pieces()) for r in body]
        placed = [(r, ps) for r, ps in placed if ps]
        if not placed or not header_rows:
            continue
        header = header_rows[0]
        header_words = _words(header.text).lower().split()
        header_pieces = [p for p in header.pieces() if p.lines]
        pages = sorted({ps[0].page for _, ps in placed})
        first_page = pages[0]
        if header_pieces and header_pieces[0].page != first_page:
            problems.append(Problem(header_pieces[0].page, "table-break",
                                    f"table header {_snippet(header.text)} is parted from "
                                    "its rows"))
        if len(pages) < 2:
            continue

        def row_top(ps):
            tops = [p.widget.rect[3] for p in ps if p.widget] + [p.top for p in ps if p.top]
            return max(tops) if tops else None

        first_rows = [ps for _, ps in placed if ps[0].page == first_page]
        band = 0.0
        if header_pieces and row_top(first_rows[0]) is not None:
            band = max(p.top for p in header_pieces if p.top) - row_top(first_rows[0]) + 6
        for number, page in enumerate(pages):
            on_page = [ps for _, ps in placed if ps[0].page == page]
            if len(on_page) < 2 and number in (0, len(pages) - 1):
                where = "foot" if number == 0 else "head"
                problems.append(Problem(page, "table-break", f"one table row alone at the "
                                        f"{where} of the page (table {_snippet(header.text)})"))
            if number == 0:
                continue
            top = max((row_top(ps) for ps in on_page if row_top(ps) is not None), default=None)
            if top is None:
                continue
            above = [t for t in doc.pages[page - 1].drawing.texts
                     if top - 2 <= t.y <= top + band and t.artifact not in ("Header", "Footer")]
            found = " ".join(t.text for t in above).lower()
            if not header_words or not all(word in found for word in header_words):
                problems.append(Problem(page, "table-break", f"the table goes on without its "
                                        f"header row {_snippet(header.text)}"))
    return problems


def _questions(doc: Document) -> list[Problem]:
    problems = []
    for element in doc.elements:
        kinds = {w.kind for w in element.widgets()}
        if element.role != "Div" or not {"checkbox", "multiline"} <= kinds:
            continue
        if any(a.role == "Div" and {"checkbox", "multiline"} <= {w.kind for w in a.widgets()}
               for a in element.ancestors()):
            continue
        pages = sorted({p.page for p in element.pieces() if p.weight})
        if len(pages) > 1:
            problems.append(Problem(pages[0], "question-split", f"question "
                                    f"{_snippet(element.text)} is split from its answer "
                                    f"lines (pages {pages[0]}-{pages[-1]})"))
    return problems


def _closing(doc: Document, handout: Handout, notes: set[int]) -> list[Problem]:
    pieces = [p for p in handout.pieces if p.weight and p.page not in notes]
    heading_at = [i for i, p in enumerate(pieces) if p.element.role in HEADINGS]
    if not heading_at or handout.is_cover:
        return []
    start = heading_at[-1]
    closing = pieces[start:]
    if any(p.widget for p in closing):
        return []
    problems = []
    closing_ids = {id(p) for p in closing}
    for page in sorted({p.page for p in closing}):
        others = [p for p in doc.pages[page - 1].pieces
                  if id(p) not in closing_ids and p.weight]
        if not others:
            problems.append(Problem(page, "closing-alone", f"the closing "
                                    f"{_snippet(closing[0].element.text)} stands alone on "
                                    "the page"))
    return problems


def _pages(doc: Document) -> list[Problem]:
    """Underfull and blank pages, and the read's length."""
    problems = []
    notes = doc.notes_pages()
    exempt = set(notes)
    for handout in doc.handouts():
        # its last page, and its last before any spare notes page
        content_pages = [p.page for p in handout.pieces if p.weight and p.page not in notes]
        if content_pages:
            exempt.add(max(content_pages))
        exempt.add(handout.last_page)
        problems += _closing(doc, handout, notes)
        start = handout.write_start()
        if handout.is_cover or start is None:
            continue
        read = [p for p in handout.pieces[:start] if p.weight]
        read_last = read[-1].page if read else handout.first_page
        if handout.pieces[start].page > read_last:
            exempt.add(read_last)
        read_pages = read_last - handout.first_page + 1
        rules = doc.rules
        if rules.read_pages is not None and read_pages > rules.read_pages:
            problems.append(Problem(handout.first_page, "read-length", f"the read of "
                                    f"{_snippet(handout.title)} takes {read_pages} pages "
                                    f"(at most {rules.read_pages})"))
    for page in doc.pages:
        if not any(p.weight for p in page.pieces):
            problems.append(Problem(page.number, "blank-page", "the page has no content"))
            continue
        if page.number in exempt:
            continue
        bottom, top = page.frame
        lowest = page.lowest_ink
        if lowest is None or top <= bottom:
            continue
        full = (top - lowest) / (top - bottom)
        if full < 1 / 3:
            last = [p for p in page.pieces if p.lines]
            what = _snippet(last[-1].text) if last else "no text"
            problems.append(Problem(page.number, "underfull", f"the page is {full:.0%} full "
                                    f"(at least a third), ending with {what}"))
    return problems


def _safety_first(doc: Document) -> list[Problem]:
    problems = []
    for handout in doc.handouts():
        if handout.is_cover:
            continue
        footer = doc.pages[handout.first_page - 1].footer
        phones = [re.sub(r"\D", "", m) for m in _PHONE.findall(footer)]
        phones = [p for p in phones if len(p) >= 7]
        if not phones:
            continue
        holder = next((i for i, p in enumerate(handout.pieces)
                       if all(phone in re.sub(r"\D", "", p.text) for phone in phones)), None)
        allowed = handout.first_page + doc.rules.first_pages - 1
        if holder is None:
            problems.append(Problem(handout.first_page, "safety-first", f"the clinic's phones "
                                    f"are not in the content of {_snippet(handout.title)}"))
            continue
        end = holder + 1
        while end < len(handout.pieces) and handout.pieces[end].element.role not in HEADINGS:
            end += 1
        late = [p for p in handout.pieces[:end] if p.weight and p.page > allowed]
        if late:
            problems.append(Problem(late[0].page, "safety-first", f"{_snippet(late[0].text)} "
                                    f"(title .. warning signs with the phones) is not on the "
                                    f"first {doc.rules.first_pages} page(s) of "
                                    f"{_snippet(handout.title)}"))
    return problems


def _bookmarks(reader: PdfReader) -> list[tuple[str, int]]:
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append((_words(str(item.title)), reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    return out


def _packet(doc: Document) -> list[Problem]:
    problems = []
    handouts = doc.handouts()
    titles = {_words(h.title): h.first_page for h in handouts if not h.is_cover}
    listed = set()
    for toc in (e for e in doc.elements if e.role == "TOC"):
        for item in (k for k in toc.kids if isinstance(k, Element) and k.role == "TOCI"):
            title = _words(" ".join(k.text for k in item.kids
                                    if isinstance(k, Element) and k.role != "Reference"))
            number = " ".join(k.text for k in item.kids
                              if isinstance(k, Element) and k.role == "Reference")
            page = item.pieces()[0].page if item.pieces() else 0
            listed.add(title)
            if title not in titles:
                problems.append(Problem(page, "contents", f"the contents list {_snippet(title)}, "
                                        "which is no handout's title"))
            elif not number.strip().isdigit() or int(number) != titles[title]:
                problems.append(Problem(page, "contents", f"the contents give page "
                                        f"{number.strip() or 'none'} for {_snippet(title)}, "
                                        f"which starts on page {titles[title]}"))
    if any(e.role == "TOC" for e in doc.elements):
        for title, page in titles.items():
            if title not in listed:
                problems.append(Problem(page, "contents", f"{_snippet(title)} is not in the "
                                        "contents"))
    total = len(doc.pages)
    for page in doc.pages:
        label = re.compile(rf"(?<![\d-]){page.number}(?![\d-])\D{{1,20}}?(?<![\d-]){total}"
                           rf"(?![\d-])")
        if not label.search(page.footer):
            problems.append(Problem(page.number, "page-number", f"the footer "
                                    f"{_snippet(page.footer)} does not say page {page.number} "
                                    f"of {total}"))
    for handout in handouts:
        if handout.first_page % 2 == 0:
            problems.append(Problem(handout.first_page, "odd-page", f"{_snippet(handout.title)} "
                                    "starts on an even page"))
    marks = _bookmarks(doc.reader)
    for title, page in titles.items():
        if (title, page) not in marks:
            problems.append(Problem(page, "bookmark", f"no bookmark names {_snippet(title)} "
                                    f"at page {page}"))
    return problems


def _text_sizes(doc: Document) -> list[Problem]:
    rules, problems = doc.rules, []
    by_size = Counter()
    notice = _words(rules.notice)
    for page in doc.pages:
        small = []
        for run in page.drawing.texts:
            text = run.text.strip()
            if not text or run.render_mode == 3:
                continue
            if run.artifact is None:   # the body is content, not page furniture
                by_size[round(run.size, 1)] += len(text)
            least = (rules.notice_pt if notice and _words(text) in notice
                     and run.artifact == "Footer" else rules.smallest_pt)
            if run.size < least - 0.01:
                small.append((run.size, least, text))
        if small:
            size, least, text = min(small)
            more = f" and {len(small) - 1} more" if len(small) > 1 else ""
            problems.append(Problem(page.number, "text-size", f"{_snippet(text)} is "
                                    f"{size:.1f} pt (at least {least:g}){more}"))
    if by_size:
        body = by_size.most_common(1)[0][0]
        if body < rules.body_pt - 0.01:
            problems.append(Problem(0, "text-size", f"the body text is {body:g} pt "
                                    f"(at least {rules.body_pt:g})"))
    return problems


def _ink_line(page: Page, widget: Widget) -> float:
    """The length of the ruled line a one-line blank is written on (the field's width when no
    line is drawn under it)."""
    x0, y0, x1, _ = widget.rect
    lengths = [abs(s.x2 - s.x1) for s in page.drawing.segments
               if s.horizontal and abs(s.y1 - y0) <= 1.5
               and min(s.x1, s.x2) <= x1 - 1 and max(s.x1, s.x2) >= x0 + 1]
    return max(lengths) if lengths else x1 - x0


def _blanks(doc: Document) -> list[Problem]:
    rules, problems = doc.rules, []
    rows = defaultdict(list)
    for piece in doc.pieces:
        widget = piece.widget
        if not widget:
            continue
        page = doc.pages[piece.page - 1]
        short = widget.name.rsplit(".", 1)[-1]
        in_log = any(a.role in ("TD", "Table") for a in piece.element.ancestors())
        if widget.kind == "text":
            if in_log:
                column = short.rsplit("_", 1)[-1]
                need, width = (rules.log_date_mm if _DATE_FIELD.search(column) else 0,
                               widget.rect[2] - widget.rect[0])
                what = "log cell for a date"
            else:
                dated = _DATE_FIELD.search(short)
                need = rules.date_mm if dated else rules.name_mm
                width = _ink_line(page, widget)
                what = "line for a date" if dated else "line for a name, phone or place"
                rows[(piece.page, round(widget.rect[1]))].append(widget)
            if need and width < need * MM - 0.5:
                problems.append(Problem(piece.page, "blank-width", f"the {what} "
                                        f"{widget.name} is {width / MM:.1f} mm (at least "
                                        f"{need:g} mm)"))
        elif widget.kind in ("checkbox", "radio"):
            problems += _target(page, widget, rules)
    for (page, _), widgets in rows.items():
        if len(widgets) > 1:
            problems.append(Problem(page, "blank-width", "blanks share one line: "
                                    + ", ".join(w.name for w in widgets)))
    return problems


def _target(page: Page, widget: Widget, rules: Rules) -> list[Problem]:
    x0, y0, x1, y1 = widget.rect
    d = page.drawing
    shapes = [(r.x0, r.y0, r.x1, r.y1) for r in d.rects if r.stroked and not r.filled]
    shapes += [c.bbox for c in d.curves if c.stroked and c.is_circle()]
    ink = [s for s in shapes if abs(s[0] - x0) <= 2 and abs(s[1] - y0) <= 2
           and abs(s[2] - x1) <= 2 and abs(s[3] - y1) <= 2]
    bx0, by0, bx1, by1 = ink[0] if ink else widget.rect
    size = min(bx1 - bx0, by1 - by0)
    problems = []
    if size < rules.target_mm * MM - 0.5:
        problems.append(Problem(page.number, "target", f"the box {widget.name} is "
                                f"{size / MM:.1f} mm (at least {rules.target_mm:g} mm)"))
    gaps = [run.x0 - bx1 for run in d.texts
            if run.text.strip() and by0 - run.size <= run.y <= by1 and run.x1 > bx0
            and run.artifact is None]
    if not gaps:
        problems.append(Problem(page.number, "target", f"the box {widget.name} has no label "
                                "beside it"))
    elif min(gaps) < rules.target_gap_mm * MM - 0.5:
        problems.append(Problem(page.number, "target", f"the box {widget.name} is "
                                f"{max(min(gaps), 0) / MM:.1f} mm from its label (at least "
                                f"{rules.target_gap_mm:g} mm)"))
    return problems


def audit(pdf, rules: Rules | None = None) -> list[Problem]:
    """Every composition problem of a tagged PDF (a path or its bytes), in page order."""
    doc = Document(pdf, rules)
    problems = (_headings(doc) + _text_breaks(doc) + _lists(doc) + _tables(doc)
                + _questions(doc) + _pages(doc) + _safety_first(doc) + _packet(doc)
                + _text_sizes(doc) + _blanks(doc))
    return sorted(problems, key=lambda p: (p.page, p.rule, p.text))
