"""Rendering -> the logical structure of a page: structure elements and marked content.

Tagged PDF (PDF/UA-1) needs every painted thing to be either content, marked with an id that
the structure tree points to, or an artifact (page furniture, ruled lines, box borders). Open
ReportLab has no tagging, so this module adds it from outside: stories give flowables a `tag`
(a structure `Element`); `TaggingFrame` wraps the drawing of each tagged flowable in a
`BDC ... EMC` marked-content sequence; flowables that draw several things (blanks, panels)
mark their own parts with `marked()` and `artifact()`. A bulleted paragraph made a list item by
`list_item()` draws its bullet as the item's label (Lbl) and its text as the item's body
(LBody), so a screen reader announces a list item instead of reading "bullet" before its
text. A flowable records a link with `note_link()`. `structure.py` later writes the tree.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from reportlab.platypus import Frame


@dataclass(frozen=True)
class MarkedContent:
    page: int     # from 1
    mcid: int


@dataclass(frozen=True)
class Widget:
    spot: int     # index into the rendered document's field spots


@dataclass(frozen=True)
class LinkAnnotation:
    """A link annotation to lay over a box of a page, in a Link element."""

    page: int     # from 1
    rect: tuple[float, float, float, float]   # in page coordinates
    uri: str
    contents: str  # what the link is, for those who cannot see it (PDF/UA-1 7.18.5)


@dataclass(eq=False)
class Element:
    """A structure element: a role (Document, H1, P, L, LI, LBody, Figure, Table, TR, TH, TD,
    Form...) with children in reading order: elements, marked content or widgets."""

    role: str
    alt: str | None = None
    attributes: dict = field(default_factory=dict)   # e.g. {"Scope": "Column"}
    children: list = field(default_factory=list)

    def child(self, role: str, **kwargs) -> Element:
        element = Element(role, **kwargs)
        self.children.append(element)
        return element


def as_drawn(root: Element) -> Element:
    """A copy of the tree as drawing has filled it, for one PDF's structure, while the tree
    itself is drawn again for another (a packet draws its handouts' pages again)."""
    return Element(root.role, root.alt, dict(root.attributes),
                   [as_drawn(child) if isinstance(child, Element) else child
                    for child in root.children])


def undrawn(root: Element):
    """A function that puts the tree back as it is now, before drawing: drawing adds marked
    content, widgets, links and the elements that hold them, and a figure's place."""
    kept = []
    pending = [root]
    while pending:
        element = pending.pop()
        kept.append((element, list(element.children), dict(element.attributes)))
        pending += [child for child in element.children if isinstance(child, Element)]

    def restore() -> None:
        for element, children, attributes in kept:
            element.children[:] = children
            element.attributes = attributes

    return restore


class Tagger:
    """Hands out marked-content ids per page and records what they belong to."""

    def __init__(self) -> None:
        self.next_mcid: dict[int, int] = {}

    def begin(self, canv, element: Element) -> MarkedContent:
        page = canv.getPageNumber()
        mcid = self.next_mcid.get(page, 0)
        self.next_mcid[page] = mcid + 1
        content = MarkedContent(page, mcid)
        element.children.append(content)
        canv._code.append(f"/{_mc_role(element.role)} <</MCID {mcid}>> BDC")
        return content

    def cancel(self, element: Element, content: MarkedContent) -> None:
        """Forget a sequence that was begun for a flowable that did not fit after all."""
        element.children.remove(content)
        self.next_mcid[content.page] -= 1

    def separate_label(self, canv, start: int, label: Element) -> None:
        """Give a bulleted paragraph's bullet to `label`.

        The paragraph was drawn inside the marked content that `canv._code[start]` opens.
        ReportLab draws the bullet first, as a text object of its own (one `BT ... ET` entry),
        before the paragraph's text: that entry becomes a sequence of the label, and the body's
        sequence opens again after it.
        """
        code = canv._code
        bullet = next(i for i in range(start + 1, len(code))
                      if isinstance(code[i], str) and code[i].startswith("BT"))
        body = code[start]
        page = canv.getPageNumber()
        mcid = self.next_mcid.get(page, 0)
        self.next_mcid[page] = mcid + 1
        label.children.append(MarkedContent(page, mcid))
        code[start] = f"/{_mc_role(label.role)} <</MCID {mcid}>> BDC"
        code[bullet + 1:bullet + 1] = ["EMC", body]


def _mc_role(role: str) -> str:
    # Marked content in a container role takes the role of what it holds.
    return {"LBody": "Span", "Table": "Span", "TR": "Span", "Document": "Span"}.get(role, role)


def tagger_of(canv) -> Tagger | None:
    return getattr(canv, "tags", None)


def list_item(flowable, items: Element):
    """Tag a paragraph drawn with a bullet as an item of the list `items`: the bullet is the
    item's label (Lbl), the text its body (LBody)."""
    items.attributes["ListNumbering"] = "Disc"   # the bullet is a disc: a list without numbers
    item = items.child("LI")
    flowable.label = item.child("Lbl")
    flowable.tag = item.child("LBody")
    return flowable


def label_of(flowable) -> Element | None:
    """The Lbl element of a list item's paragraph, if this part of it draws the bullet (a
    paragraph split over two pages draws it in its first part only)."""
    return getattr(flowable, "label", None) if getattr(flowable, "bulletText", None) else None


@contextlib.contextmanager
def marked(canv, element: Element | None, label: Element | None = None):
    """Mark what is drawn inside as content of `element` (no-op when not tagging), and a
    bullet drawn first as content of `label`."""
    tagger = tagger_of(canv)
    if tagger is None or element is None:
        yield
        return
    start = len(canv._code)
    tagger.begin(canv, element)
    yield
    canv._code.append("EMC")
    if label is not None:
        tagger.separate_label(canv, start, label)


@contextlib.contextmanager
def artifact(canv, kind: str | None = None):
    """Mark what is drawn inside as an artifact: not part of the text a reader hears."""
    if tagger_of(canv) is None:
        yield
        return
    if kind:  # pagination artifacts say whether they are a header or a footer
        canv._code.append(f"/Artifact <</Type /Pagination /Subtype /{kind}>> BDC")
    else:
        canv._code.append("/Artifact BMC")
    yield
    canv._code.append("EMC")


def note_widget(canv, element: Element | None, spot_index: int) -> None:
    """A form field drawn here belongs to a Form element under `element`."""
    if tagger_of(canv) is not None and element is not None:
        element.child("Form").children.append(Widget(spot_index))


def note_link(canv, element: Element | None, box: tuple[float, float, float, float],
              uri: str, contents: str) -> None:
    """A link annotation over `box` (page coordinates, as `page_box` gives) belongs to the
    Link element `element`."""
    if tagger_of(canv) is not None and element is not None:
        element.children.append(LinkAnnotation(canv.getPageNumber(), box, uri, contents))


@dataclass(frozen=True)
class Placed:
    """One flowable as a frame drew it: on which page, where (Frame.add's drawOn arguments)
    and, for a figure, its box. A packet draws its handouts' pages again from these."""

    page: int
    flowable: object
    x: float
    y: float
    spare_width: float
    box: tuple | None


class TaggingFrame(Frame):
    """A frame that marks each tagged flowable's drawing as content of its element, and, on a
    canvas with a `placed` list, records where it drew each flowable."""

    def add(self, flowable, canv, trySplit=0):
        placed = getattr(canv, "placed", None)
        if placed is None or getattr(flowable, "frameAction", None):
            return self._add_tagged(flowable, canv, trySplit)
        # Frame.add works out where the flowable goes and passes that only to its drawOn.
        where = []

        def draw_on(canvas, x, y, _sW=0):
            where.append((x, y, _sW))
            type(flowable).drawOn(flowable, canvas, x, y, _sW)

        flowable.drawOn = draw_on
        try:
            added = self._add_tagged(flowable, canv, trySplit)
        finally:
            del flowable.drawOn
        if added and where:
            element = getattr(flowable, "tag", None)
            box = element.attributes.get("BBox") if element is not None and \
                element.role == "Figure" else None
            placed.append(Placed(canv.getPageNumber(), flowable, *where[0], box))
        return added

    def _add_tagged(self, flowable, canv, trySplit):
        tagger, element = tagger_of(canv), getattr(flowable, "tag", None)
        if tagger is None or element is None:
            return super().add(flowable, canv, trySplit=trySplit)
        start = len(canv._code)
        content = tagger.begin(canv, element)
        y_before = self._y
        added = super().add(flowable, canv, trySplit=trySplit)
        if not added:  # nothing was drawn: take the opening mark back
            del canv._code[start:]
            tagger.cancel(element, content)
            return added
        x = self._x1 + self._leftExtraIndent
        _close(canv, flowable, start, page_box(canv, x, self._y, x + flowable.width, y_before))
        return added

    def split(self, flowable, canv):
        return carry_tag(flowable, super().split(flowable, canv))


def draw_again(canv, placed: Placed) -> None:
    """Draw a flowable where a frame drew it before, marked as that drawing was."""
    tagger, element = tagger_of(canv), getattr(placed.flowable, "tag", None)
    if tagger is None or element is None:
        placed.flowable.drawOn(canv, placed.x, placed.y, _sW=placed.spare_width)
        return
    start = len(canv._code)
    tagger.begin(canv, element)
    placed.flowable.drawOn(canv, placed.x, placed.y, _sW=placed.spare_width)
    _close(canv, placed.flowable, start, placed.box)


def _close(canv, flowable, start: int, box) -> None:
    """End the marked content that `canv._code[start]` opened for a flowable just drawn."""
    canv._code.append("EMC")
    label = label_of(flowable)
    if label is not None:
        tagger_of(canv).separate_label(canv, start, label)
    element = flowable.tag
    if element.role == "Figure":  # a figure's place on the page, for the Layout attribute
        element.attributes["BBox"] = box
        element.attributes["Page"] = canv.getPageNumber()


def carry_tag(flowable, pieces: list) -> list:
    """The parts of a split paragraph still belong to its element (and keep its label):
    wherever a flowable is split, by the frame or by a flowable that places others."""
    element = getattr(flowable, "tag", None)
    if element is not None:
        for piece in pieces:
            piece.tag = element
            if hasattr(flowable, "label"):
                piece.label = flowable.label
    return pieces


def page_box(canv, x1, y1, x2, y2) -> tuple[float, float, float, float]:
    a = canv.absolutePosition(x1, y1)
    b = canv.absolutePosition(x2, y2)
    return (round(min(a[0], b[0]), 2), round(min(a[1], b[1]), 2),
            round(max(a[0], b[0]), 2), round(max(a[1], b[1]), 2))
