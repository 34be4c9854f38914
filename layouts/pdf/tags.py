"""Rendering -> the logical structure of a page: structure elements and marked content.

Tagged PDF (PDF/UA-1) needs every painted thing to be either content, marked with an id that
the structure tree points to, or an artifact (page furniture, ruled lines, box borders). Open
ReportLab has no tagging, so this module adds it from outside: stories give flowables a `tag`
(a structure `Element`); `TaggingFrame` wraps the drawing of each tagged flowable in a
`BDC ... EMC` marked-content sequence; flowables that draw several things (blanks, panels)
mark their own parts with `marked()` and `artifact()`. `fields.py` later writes the tree.
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


def _mc_role(role: str) -> str:
    # Marked content in a container role takes the role of what it holds.
    return {"LBody": "Span", "Table": "Span", "TR": "Span", "Document": "Span"}.get(role, role)


def tagger_of(canv) -> Tagger | None:
    return getattr(canv, "tags", None)


@contextlib.contextmanager
def marked(canv, element: Element | None):
    """Mark what is drawn inside as content of `element` (no-op when not tagging)."""
    tagger = tagger_of(canv)
    if tagger is None or element is None:
        yield
        return
    tagger.begin(canv, element)
    yield
    canv._code.append("EMC")


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


class TaggingFrame(Frame):
    """A frame that marks each tagged flowable's drawing as content of its element."""

    def add(self, flowable, canv, trySplit=0):
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
        canv._code.append("EMC")
        if element.role == "Figure":  # a figure's place on the page, for the Layout attribute
            x = self._x1 + self._leftExtraIndent
            element.attributes["BBox"] = (page_box(canv, x, self._y, x + flowable.width,
                                                   y_before))
            element.attributes["Page"] = canv.getPageNumber()
        return added

    def split(self, flowable, canv):
        pieces = super().split(flowable, canv)
        element = getattr(flowable, "tag", None)
        if element is not None:
            for piece in pieces:  # the parts of a split paragraph still belong to it
                piece.tag = element
        return pieces


def page_box(canv, x1, y1, x2, y2) -> tuple[float, float, float, float]:
    a = canv.absolutePosition(x1, y1)
    b = canv.absolutePosition(x2, y2)
    return (round(min(a[0], b[0]), 2), round(min(a[1], b[1]), 2),
            round(max(a[0], b[0]), 2), round(max(a[1], b[1]), 2))
