"""A handout's own layout -> the same pages drawn again inside its packet.

A packet's handout differs from the handout printed alone only at its end (the packet lists the
words to know once, at its end, and says the language help once, on its cover), and its pages
have the same frames. So the handout is laid out once, for its own PDF, which records where it
drew each flowable (`tags.Placed`) and where the layout stood when the packet's story parts
from its own (`pages.Stop`). The packet draws those pages again, flowable by flowable, so each
font is still embedded once, field names stay unique and the structure tree is whole, and lays
out only what comes after that point.
"""

from __future__ import annotations

from reportlab.platypus import PageBreak
from reportlab.platypus.flowables import Flowable

from .pages import StartHandout, Stop
from .tags import Placed, draw_again


class Replay(Flowable):
    """What a handout drew on one of its pages, drawn again where it was. On the page where the
    layout stopped, it takes the frame's height down to where the handout's frame stood, so
    what follows goes on exactly as it did there."""

    def __init__(self, placed: list[Placed], stop: Stop | None = None):
        super().__init__()
        self.placed, self.stop = placed, stop

    def wrap(self, avail_width, avail_height):
        if self.stop is None:   # a whole page: a page break follows
            return avail_width, 0
        # The frame draws a flowable at its top minus its height, then takes off the space
        # after it: the handout's frame stood at stop.y after that.
        return avail_width, self._frame._y - self.stop.y - self.stop.space_after

    def getSpaceAfter(self):
        return self.stop.space_after if self.stop else 0

    def drawOn(self, canvas, x, y, _sW=0):
        for placed in self.placed:   # each where its own frame drew it, not relative to this
            draw_again(canvas, placed)


def replayed(placed: list[Placed], stop: Stop) -> list:
    """The story that draws a handout's pages again up to `stop`: a Replay a page, page breaks
    between them. The handout's own start is left out: the packet numbers its handouts."""
    pages: list[list[Placed]] = [[] for _ in range(stop.page)]
    for item in placed[:stop.placed]:
        if not isinstance(item.flowable, StartHandout):
            pages[item.page - 1].append(item)
    story: list = []
    for number, items in enumerate(pages, start=1):
        if number < stop.page:
            story += [Replay(items), PageBreak()]
        else:
            story.append(Replay(items, stop))
    return story
