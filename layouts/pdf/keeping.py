"""A story of flowables -> the same story with what a page break must not part kept together.

DESIGN.md, "Pages that are composed": a heading keeps at least two lines of what follows; a list
never leaves one item alone at the top or bottom of a page; the closing never stands alone.
Paragraphs keep two lines on each side of a break by their style (`allowOrphans`,
`allowWidows`), questions and groups of blanks are kept together where they are made, and a log
splits only between rows (`blanks.WriteInLog`).

ReportLab's keepWithNext moves a heading and the whole of what follows it to the next page when
they do not fit together, which leaves half-empty pages behind a long paragraph. A heading here is
preceded instead by `RoomFor`, which asks only for the room of the heading and the first two
lines of what follows.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Paragraph
from reportlab.platypus.doctemplate import FrameBreak, NullActionFlowable

from .tags import carry_tag

INTRO_PARAGRAPHS = 2  # paragraphs after a heading that stay with a following checklist or table
LINES_KEPT = 2        # lines of what follows that a heading keeps on its page


ROOM_TO_SPARE = 4  # points


class RoomFor(Flowable):
    """Nothing on the page; moves to the next page (taking what follows with it) unless the
    heading(s) it comes before fit with two lines of what follows them."""

    def __init__(self, flowables: list):
        super().__init__()
        self.flowables = flowables
        self.width = self.height = 0

    def wrap(self, avail_width, avail_height):
        # A few points to spare: the frame's own arithmetic of spaces can differ slightly.
        need = room_needed(self.flowables, avail_width, avail_height,
                           getattr(self, "canv", None)) + ROOM_TO_SPARE
        frame = self._doctemplateAttr("frame")
        at_top = frame is not None and getattr(frame, "_atTop", False)
        # Taller than the space left, the frame moves it on; at the top of a page it gives way.
        self.height = need if need > avail_height and not at_top else 0
        return avail_width, self.height

    def split(self, avail_width, avail_height):
        return []

    def draw(self):
        pass


def room_needed(flowables: list, width: float, height: float, canv=None) -> float:
    """The height of leading headings and of the first two lines of what follows them, given
    that a paragraph that breaks keeps at least two lines on each side (what is kept
    together counts whole)."""
    need, lines, previous = 0.0, 0, None
    for flowable in flowables:
        full = height_of(flowable, canv, width, height)
        # Counting both spaces where the frame takes the larger errs on the safe side.
        need += flowable.getSpaceBefore() + (previous.getSpaceAfter() if previous else 0)
        previous = flowable
        if is_heading(flowable) or introduces(flowable, flowables):
            need += full
            continue
        if isinstance(flowable, Paragraph):
            count = max(1, len(flowable.blPara.lines))
            # Shorter than two lines a side, it cannot break: all of it stays.
            take = count if count < 2 * LINES_KEPT else LINES_KEPT
            need += full * take / count
            lines += take
        else:
            first = getattr(flowable, "first_part_height", None)
            need += first(width) if first else full
            lines = LINES_KEPT
        if lines >= LINES_KEPT:
            break
    return need


def height_of(flowable, canv, width: float, height: float) -> float:
    """How tall a flowable is at this width; what is kept together counts whole (its wrap says
    only that it does not fit)."""
    _, tall = flowable.wrapOn(canv, width, height) if canv else flowable.wrap(width, height)
    return flowable._H if isinstance(flowable, KeepTogether) else tall


def introduces(flowable, story: list) -> bool:
    """A paragraph right before a blank that splits into parts (a log, lines to write on)
    says what it is for: it stays with the blank's first part."""
    at = next((i for i, f in enumerate(story) if f is flowable), None)
    return (isinstance(flowable, Paragraph) and at is not None and at + 1 < len(story)
            and hasattr(story[at + 1], "first_part_height"))


def is_heading(flowable) -> bool:
    return bool(isinstance(flowable, Paragraph) and getattr(flowable.style, "keepWithNext", 0))


def _parts(flowable) -> list:
    return list(flowable._content) if isinstance(flowable, KeepTogether) else [flowable]


def keep_list_ends(story: list) -> list:
    """The first two and the last two items of each list kept together (a list of three or
    fewer items entirely), so no item is left alone at the foot or head of a page. Items know
    their list by the `list_id` their maker gave them."""
    out, run = [], []

    def flush():
        if len(run) <= 3:
            out.append(KeepTogether(list(run)) if len(run) > 1 else run[0])
        else:
            out.extend([KeepTogether(run[:2]), *run[2:-2], KeepTogether(run[-2:])])
        run.clear()

    for flowable in story:
        list_id = getattr(flowable, "list_id", None)
        if run and list_id is not getattr(run[0], "list_id", None):
            flush()
        if list_id is not None:
            run.append(flowable)
        else:
            out.append(flowable)
    if run:
        flush()
    return out


def keep_headings(story: list) -> list:
    """Each heading kept with what follows it: inside a following KeepTogether (with up to
    INTRO_PARAGRAPHS paragraphs that introduce it), or else after a `RoomFor` that keeps it
    with two lines of what follows."""
    out, waiting = [], []
    for flowable in story:
        if (isinstance(flowable, KeepTogether) and _list_head(flowable) and waiting
                and _leads_in(waiting[-1])):
            # A list's first items keep only the paragraph that leads into them; the heading
            # and any paragraph before it keep two lines (a whole long introduction moved
            # with the list would leave half a page empty).
            kept = KeepTogether([waiting[-1], *_parts(flowable)])
            out += [*_with_room(waiting[:-1], then=kept), kept]
            waiting = []
        # A figure that floats is not held to its heading: RoomFor keeps the heading with
        # two lines, and the figure may move on while the text fills the page.
        elif isinstance(flowable, KeepTogether) and waiting and not getattr(flowable, "floats",
                                                                            False):
            out.append(KeepTogether(waiting + _parts(flowable)))
            waiting = []
        elif is_heading(flowable):
            if waiting and not all(map(is_heading, waiting)):
                # A new section after a short one: each heading needs its own room check.
                out += _with_room(waiting)
                waiting = []
            waiting.append(flowable)
        elif waiting and isinstance(flowable, Paragraph) and len(waiting) < INTRO_PARAGRAPHS + 1:
            waiting.append(flowable)  # a heading's short introduction stays with what it introduces
        elif waiting:
            out += _with_room(waiting + [flowable])
            waiting = []
        elif (isinstance(flowable, KeepTogether) and _list_head(flowable) and out
              and _leads_in(out[-1])):
            out[-1] = KeepTogether([out[-1], *_parts(flowable)])  # the lead-in stays with it
        else:
            out.append(flowable)
    return out + (_with_room(waiting) if waiting else [])


def _list_head(flowable: KeepTogether) -> bool:
    """Items of a list kept together by keep_list_ends (its first or its last two)."""
    parts = _parts(flowable)
    return bool(parts) and getattr(parts[0], "list_id", None) is not None


def _leads_in(flowable) -> bool:
    """A paragraph of running text (not a heading, not a list item): before a list's
    first items, it is what leads into them."""
    return (isinstance(flowable, Paragraph) and not is_heading(flowable)
            and getattr(flowable, "list_id", None) is None)


def _with_room(flowables: list, then=None) -> list:
    """RoomFor, then the flowables; `then`, what follows them, counts in the room asked."""
    for flowable in flowables:
        if is_heading(flowable):
            flowable.keepWithNext = 0  # RoomFor keeps it with what follows, without a jump
    return [RoomFor(flowables + ([then] if then is not None else [])), *flowables]


def keep_intros(story: list) -> list:
    """Each paragraph that introduces a blank kept with the blank's first part (when no
    heading before it already does that)."""
    out = []
    for at, flowable in enumerate(story):
        after_heading = at > 0 and is_heading(story[at - 1])
        if introduces(flowable, story) and not after_heading:
            out.append(RoomFor([flowable, story[at + 1]]))
        out.append(flowable)
    return out


def compose(story: list) -> list:
    return keep_intros(keep_headings(keep_list_ends(story)))


def float_figures(story: list) -> list:
    """Each figure (a KeepTogether marked `floats`) made a `Float` over what follows it."""
    out: list = []
    for flowable in reversed(story):
        out = [Float(flowable, out)] if getattr(flowable, "floats", False) else [flowable, *out]
    return out


class Float(Flowable):
    """A figure kept with its caption and, after it, the rest of the read. A figure that does
    not fit the rest of its page goes to the top of the next one, and the text after it fills
    this page first, as a book's figures do: otherwise a page that just misses a picture is
    left half empty (in large print, often half a page). The text that moves up is what fits
    here, never another figure."""

    def __init__(self, figure: KeepTogether, after: list):
        super().__init__()
        self.figure, self.after = figure, after

    def wrap(self, avail_width, avail_height):
        return avail_width, 0xFFFFFF   # always split, as KeepTogether does

    def split(self, avail_width, avail_height):
        lead = NullActionFlowable()   # the parts go back in the story, as KeepTogether's do
        frame = self._doctemplateAttr("frame")
        at_top = frame is not None and getattr(frame, "_atTop", False)
        if at_top or height_of(self.figure, self.canv, avail_width,
                               avail_height) <= avail_height:
            return [lead, self.figure, *self.after]
        filled, rest = _fill(self.after, avail_width, avail_height, self.canv)
        if not filled:
            return [lead, FrameBreak(), self.figure, *self.after]
        return [lead, *filled, FrameBreak(), self.figure, *rest]


def _fill(flowables: list, width: float, height: float, canv) -> tuple[list, list]:
    """The flowables from the start that fit `height` (the last of them split where a
    paragraph may break), and the rest. It stops before another figure and wherever a
    heading asks for more room than is left (RoomFor)."""
    taken: list = []
    used = 0.0
    for at, flowable in enumerate(flowables):
        if isinstance(flowable, Float):
            return taken, flowables[at:]
        # Both spaces counted where the frame takes the larger: errs on the safe side.
        space = (taken[-1].getSpaceAfter() + flowable.getSpaceBefore()) if taken else 0.0
        room = height - used - space - ROOM_TO_SPARE
        tall = height_of(flowable, canv, width, room)
        if tall <= room:
            taken.append(flowable)
            used += space + tall
            continue
        if isinstance(flowable, Paragraph) and not is_heading(flowable):
            parts = carry_tag(flowable, flowable.split(width, room))
            if len(parts) == 2:
                return [*taken, parts[0]], [parts[1], *flowables[at + 1:]]
        # A heading never ends the page: it goes with what it heads.
        while taken and (is_heading(taken[-1]) or isinstance(taken[-1], RoomFor)):
            at -= 1
            taken.pop()
        return taken, flowables[at:]
    return taken, []


TAKEN_ALONG = 6  # flowables before the closing that may go with it to its page
# A page at least a third full (DESIGN.md), planned from heights that count the space around
# each flowable: ink fills a little less, so a plan aims a little higher.
FULL_ENOUGH = 0.36


def keep_closing(story: list, closing: list, notes=None) -> list:
    """The closing kept together and with the end of what comes before it, so it never stands
    alone on a page. `notes(height)` gives lines for notes of at most that height: they fill
    the page above a closing that cannot go with anything before it."""
    kept = [f for part in closing for f in _parts(part) if not isinstance(f, RoomFor)]
    start = len(story)
    while (start > 0 and len(story) - start < TAKEN_ALONG
           and not isinstance(story[start - 1], RoomFor)
           and not getattr(story[start - 1], "_ZEROSIZE", False)):
        start -= 1
    while start > 0 and is_heading(story[start - 1]):  # a heading goes with what it heads
        start -= 1
    if not kept or start == len(story):
        return story + kept
    return [*story[:start], WithClosing(story[start:], KeepTogether(kept), notes)]


class WithClosing(Flowable):
    """The last few flowables of a handout, then its closing. Where they do not all fit, as
    many go on this page as leave the rest to fit the next page with the closing, and at least
    one goes with it: a whole flowable, or the end of one that splits (a paragraph's last
    lines, a log's last rows, the last answer lines)."""

    def __init__(self, before: list, closing: KeepTogether, notes=None):
        super().__init__()
        self.before, self.closing, self.notes = before, closing, notes

    def wrap(self, avail_width, avail_height):
        return avail_width, 0xFFFFFF   # always split, as KeepTogether does

    def split(self, avail_width, avail_height):
        frame = self._doctemplateAttr("frame")
        at_top = frame is not None and getattr(frame, "_atTop", False)
        heights = [self._height(f, avail_width, avail_height) + f.getSpaceBefore()
                   + f.getSpaceAfter() for f in self.before]
        if at_top and heights:  # the frame drops the space before what opens a page
            heights[0] -= self.before[0].getSpaceBefore()
        closing = self._height(self.closing, avail_width, avail_height)
        # Led by an action, the parts go back in the story to be placed (and split) as any
        # other flowable, as KeepTogether's do.
        lead = NullActionFlowable()
        if sum(heights) + closing <= avail_height:
            return [lead, *self._flat(self.before), *self.closing._content]
        page = getattr(frame, "_height", avail_height) if frame is not None else avail_height
        fitting = self._fitting(heights, avail_height)
        planned = self._planned(fitting, heights, closing, avail_height, page)
        placed = planned if planned is not None else (fitting[0] if fitting else 0)
        if placed:  # the rest starts the next page
            return [lead, *self._flat(self.before[:placed]), FrameBreak(),
                    WithClosing(self.before[placed:], self.closing, self.notes)]
        # Or split the first that is neither a heading nor an introduction, leaving at least
        # its end for the next page, with the closing.
        at = next((i for i, f in enumerate(self.before)
                   if not is_heading(f) and not introduces(f, self.before)), None)
        room = avail_height - sum(heights[:at or 0])
        if planned is None and at is not None and room > 0 and not isinstance(
                self.before[at], KeepTogether | WithClosing):
            parts = carry_tag(self.before[at],
                              self.before[at].splitOn(self.canv, avail_width,
                                                      min(room, heights[at] - 0.01)))
            if len(parts) >= 2:
                return [lead, *self._flat(self.before[:at]), *parts[:-1],
                        WithClosing([parts[-1], *self.before[at + 1:]], self.closing,
                                    self.notes)]
        if at_top:  # nothing to take along: the closing follows as it can
            if self.notes and sum(heights) <= avail_height:
                # All of it fits here but not with the closing, which would stand alone on
                # the next page: lines for notes fill that page above the closing.
                filler = self.notes(page - closing - ROOM_TO_SPARE)
                if filler:
                    return [lead, *self._flat(self.before), FrameBreak(), *filler,
                            *self.closing._content]
            return [lead, *self._flat(self.before), self.closing]
        return []      # to the next page, all together

    def _fitting(self, heights: list[float], room: float) -> list[int]:
        """How many may go on this page, most first: as many as fit, keeping one for the
        closing and never leaving a heading or what introduces a blank last."""
        fits, used = 0, 0.0
        for height in heights[:-1]:
            if used + height > room:
                break
            used, fits = used + height, fits + 1
        return [k for k in range(fits, 0, -1) if not is_heading(self.before[k - 1])
                and not introduces(self.before[k - 1], self.before)]

    def _planned(self, fitting: list[int], heights: list[float], closing: float, room: float,
                 page: float) -> int | None:
        """The most to place here (none, when this page is full enough without them) such
        that this page, and any page between it and the closing's, is at least a third full
        and the closing's page holds the rest; None when no choice does."""
        def with_closing(rest):
            return bool(rest) and sum(rest) + closing <= page

        def laid_out(rest):  # on the next page with the closing, or over two pages
            return with_closing(rest) or any(
                page * FULL_ENOUGH <= sum(rest[:j]) <= page and with_closing(rest[j:])
                for j in range(1, len(rest)))

        for k in [*fitting, *([0] if room < page else [])]:
            if (page - room + sum(heights[:k])) / page >= FULL_ENOUGH and laid_out(heights[k:]):
                return k
        return None

    def _flat(self, flowables: list) -> list:
        return [f for flowable in flowables for f in _parts(flowable)]

    def _height(self, flowable, avail_width, avail_height) -> float:
        return height_of(flowable, self.canv, avail_width, avail_height)
