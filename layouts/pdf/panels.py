"""Content that is more than text -> flowables: tinted panels, figures and the QR block.

Each draws its decoration (tint, rule) as an artifact and its content as marked content of the
structure elements it was given, so the tagged PDF reads like the page looks.
"""

from __future__ import annotations

import itertools
from functools import cache

from reportlab.graphics.barcode import qrencoder
from reportlab.platypus import Flowable

from .paragraph import Paragraph
from .styles import INK
from .tags import Element, artifact, label_of, marked, note_link, page_box

RULE_WIDTH = 4


class Panel(Flowable):
    """Flowables on a tinted background with a coloured rule at the left (main message, warning
    signs); splits between its flowables when it cannot fit a page."""

    def __init__(self, content: list, background, rule, padding: float):
        super().__init__()
        self.content, self.background, self.rule, self.padding = content, background, rule, padding

    def _inner_width(self, width: float) -> float:
        return width - 2 * self.padding - RULE_WIDTH

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        inner = self._inner_width(avail_width)
        self.sizes = []
        for index, flowable in enumerate(self.content):
            _, height = flowable.wrap(inner, avail_height)
            before = flowable.getSpaceBefore() if index else 0
            after = flowable.getSpaceAfter() if index < len(self.content) - 1 else 0
            self.sizes.append((before, height, after))
        self.height = sum(sum(size) for size in self.sizes) + 1.4 * self.padding
        return self.width, self.height

    def split(self, avail_width, avail_height):
        self.wrap(avail_width, avail_height)
        used, cut = 1.4 * self.padding, 0
        for before, height, after in self.sizes:
            if used + before + height > avail_height:
                break
            used += before + height + after
            cut += 1
        if cut == 0 or cut == len(self.content):
            return []
        return [Panel(self.content[:cut], self.background, self.rule, self.padding),
                Panel(self.content[cut:], self.background, self.rule, self.padding)]

    def draw(self):
        canv = self.canv
        with artifact(canv):
            canv.setFillColor(self.background)
            canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)
            canv.setFillColor(self.rule)
            canv.rect(0, 0, RULE_WIDTH, self.height, stroke=0, fill=1)
        y = self.height - 0.7 * self.padding
        for flowable, (before, height, after) in zip(self.content, self.sizes):
            y -= before + height
            with marked(canv, getattr(flowable, "tag", None), label_of(flowable)):
                flowable.drawOn(canv, RULE_WIDTH + self.padding, y)
            y -= after


class Figure(Flowable):
    """A picture (a vector drawing or an image) shown as a figure: its element carries the
    alternative text."""

    def __init__(self, drawing: Flowable, element: Element | None):
        super().__init__()
        self.drawing, self.tag = drawing, element

    def wrap(self, avail_width, avail_height):
        self.width, self.height = self.drawing.wrap(avail_width, avail_height)
        return self.width, self.height

    def draw(self):
        self.drawing.drawOn(self.canv, 0, 0)


QUIET_ZONE = 4  # modules of white around a QR code, so phones can find it


@cache
def qr_modules(address: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The QR code of an address: its size in modules and its dark runs (row, column, length).

    Encoding is the slow part and every handout of a build shows the same address, so it is
    done once; drawing is then one path of rectangles.
    """
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(address)
    code.make()
    runs = []
    for row, modules in enumerate(code.modules):
        column = 0
        for dark, group in itertools.groupby(bool(m) for m in modules):
            length = len(list(group))
            if dark:
                runs.append((row, column, length))
            column += length
    return code.getModuleCount(), tuple(runs)


def draw_qr(canv, address: str, x: float, y: float, size: float) -> None:
    count, runs = qr_modules(address)
    module = size / (count + 2 * QUIET_ZONE)
    path = canv.beginPath()
    for row, column, length in runs:
        path.rect(x + (column + QUIET_ZONE) * module,
                  y + size - (row + QUIET_ZONE + 1) * module, length * module, module)
    canv.setFillColor(INK)
    canv.drawPath(path, stroke=0, fill=1)


class QrBlock(Flowable):
    """A QR code with the address it leads to printed beside it. Both are links to the
    address: the text is a Link element (in the paragraph's element) that holds the two link
    annotations, over the code and over the text."""

    def __init__(self, address: str, text: Paragraph, size: float, gap: float,
                 figure: Element | None):
        super().__init__()
        self.address, self.text, self.size, self.gap, self.figure = (
            address, text, size, gap, figure)
        paragraph = getattr(text, "tag", None)
        self.link = paragraph.child("Link") if paragraph is not None else None

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        _, text_height = self.text.wrap(avail_width - self.size - self.gap, avail_height)
        self.height = max(self.size, text_height)
        return self.width, self.height

    def draw(self):
        canv = self.canv
        bottom = (self.height - self.size) / 2
        with marked(canv, self.figure):
            draw_qr(canv, self.address, 0, bottom, self.size)
        qr_box = page_box(canv, 0, bottom, self.size, bottom + self.size)
        if self.figure is not None:
            self.figure.attributes["BBox"] = qr_box
            self.figure.attributes["Page"] = canv.getPageNumber()
        x, y = self.size + self.gap, (self.height - self.text.height) / 2
        with marked(canv, self.link):
            self.text.drawOn(canv, x, y)
        text_width = max(self.text.getActualLineWidths0(), default=0)
        note_link(canv, self.link, page_box(canv, x, y, x + text_width, y + self.text.height),
                  self.address, self.address)
        note_link(canv, self.link, qr_box, self.address,
                  self.figure.alt if self.figure is not None else self.address)


class Contents(Flowable):
    """A packet's list of handouts, each with the page it starts on.

    The page numbers are not known while the cover is laid out, so each entry leaves a slot
    that the canvas fills when it saves (see pages.FurnishedCanvas); a dotted leader guides the
    eye from a title to its number.
    """

    def __init__(self, entries: list[tuple[str, int]], style, toc: Element | None,
                 number_width: float):
        super().__init__()
        self.entries, self.style, self.number_width = entries, style, number_width
        self.items = [toc.child("TOCI") if toc else None for _ in entries]

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        self.paras = []
        for markup, _ in self.entries:
            para = Paragraph(markup, self.style)
            para.wrap(avail_width - self.number_width * 1.5, avail_height)
            self.paras.append(para)
        self.gap = self.style.leading * 0.4
        self.height = sum(p.height for p in self.paras) + self.gap * (len(self.paras) - 1)
        return self.width, self.height

    def draw(self):
        from .pages import ContentsSlot

        canv, y = self.canv, self.height
        for para, (_, handout), item in zip(self.paras, self.entries, self.items):
            y -= para.height
            with marked(canv, item.child("P") if item else None):
                para.drawOn(canv, 0, y)
            baseline = y + self.style.leading - self.style.fontSize
            end = max(para.getActualLineWidths0()[-1:] or [0]) + self.style.fontSize * 0.4
            with artifact(canv):
                canv.setFillColor(INK)
                canv.setFont(self.style.fontName, self.style.fontSize)
                dot = canv.stringWidth(". ", self.style.fontName, self.style.fontSize)
                count = int((self.width - self.number_width - end) // dot)
                if count > 0:
                    canv.drawString(end, baseline, ". " * count)
            x, yy = canv.absolutePosition(self.width, baseline)
            canv.contents_slots.append(ContentsSlot(
                canv.getPageNumber(), handout, x, yy, self.style.fontName, self.style.fontSize,
                item.child("Reference") if item else None))
            y -= self.gap
