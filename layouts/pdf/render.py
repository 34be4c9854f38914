"""Documents -> flowables -> PDF bytes: one handout, or several as one packet document.

The packet is one ReportLab document rather than finished PDFs joined together, so each font
is embedded once, field names stay unique and each handout still counts its own pages.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, Spacer

from .. import document as doc
from ..content.model import plain
from .blanks import AnswerLines, ChoiceItem, FieldSpot, LabelledLine, TickBoxItem, WriteInLog
from .images import picture_flowable
from .keeping import compose, float_figures, keep_closing
from .markup import to_markup
from .pages import (
    FurnishedCanvas,
    Furniture,
    StartHandout,
    StartOnOddPage,
    fit_footer,
    furniture_overflows,
    handout_doc_template,
)
from .panels import Contents, Figure, Panel, QrBlock
from .paragraph import Paragraph
from .picture import pancreas_drawing
from .replay import replayed
from .styles import BODY, HEADING_INK, INK_HEX, TINT, WARNING_RULE, WARNING_TINT, Styles, styles_for
from .tags import Element, as_drawn, list_item, undrawn

QUESTION_LINES = 3  # DESIGN.md: at least three full-width lines under each question
# A phone's camera reads the code, not an eye: large print keeps it this size, and its
# modules stay near 0.7 mm, which phones read at arm's length.
QR_SIZE = 26 * mm


@dataclass(frozen=True)
class Job:
    """Everything needed to render one PDF."""

    documents: tuple[doc.Document, ...]
    edition: str
    paper: str
    logo_path: str | None
    packet_title: str = ""           # set for a packet: its title (the set's title)
    words: doc.Words | None = None   # a packet's combined words to know, at its end
    cover: doc.Cover | None = None   # a packet's cover
    pictures: dict = field(default_factory=dict)   # a picture's file -> its checked Asset
    tagged: bool = True   # mark content for tagged PDF (off only to show it changes no ink)
    # A packet's handouts as printed alone, in its order: each is laid out once, for its own
    # PDF, and the packet draws those pages again (replay.py).
    parts: tuple[Job, ...] = ()

    @property
    def packet(self) -> bool:
        return bool(self.packet_title)

    @property
    def title(self) -> str:
        return self.packet_title or self.documents[0].title


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    field_spots: tuple[FieldSpot, ...]
    structure: Element | None    # the document's structure tree, when tagged
    found: dict = field(default_factory=dict)   # search results to keep (cache.take)


def render(job: Job) -> Rendered:
    """The job's PDF."""
    return render_all(job)[0]


def render_all(job: Job, wanted: tuple[bool, ...] | None = None) -> list[Rendered | None]:
    """The job's PDF and, for a packet, its parts' PDFs after it, in the order of `job.parts`
    (None for a part not `wanted`: the packet lays that one out itself, once either way)."""
    if job.packet:
        return _render_packet(job, wanted or (True,) * len(job.parts))
    document = job.documents[0]
    furniture = [_furniture(document, job)]
    styles = fit_footer(styles_for(job.edition, job.paper), furniture)
    root = Element("Document")
    pieces = HandoutStory(document, job, styles, root).pieces()
    story = [StartHandout(0, plain(document.title)), *pieces.alone()]
    return [_render_story(job, furniture, styles, story, root)[0]]


def _render_packet(job: Job, wanted: tuple[bool, ...]) -> list[Rendered | None]:
    furniture = [_furniture(document, job) for document in (job.cover, *job.documents)]
    styles = fit_footer(styles_for(job.edition, job.paper), furniture)
    root = Element("Document")
    section = root.child("Sect")   # the cover counts as handout 0, so the topics start at 1
    story = cover_story(job.cover, [d.title for d in job.documents], job, styles, section)
    story.append(StartOnOddPage(lambda e=section: _notes_page(
        job.cover.notes_page, "packet.spare_notes", styles, e)))
    parts = []
    last = len(job.parts) - 1
    for index, (part, want) in enumerate(zip(job.parts, wanted)):
        document = part.documents[0]
        part_furniture = [_furniture(document, part)]
        part_styles = fit_footer(styles_for(part.edition, part.paper), part_furniture)
        part_root = Element("Document")
        pieces = HandoutStory(document, part, part_styles, part_root).pieces(
            job.words if index == last else None)
        alone, inside = pieces.alone(), pieces.in_packet(index == last)
        # Up to the first flowable where the two stories part, the layouts are the same.
        parting = next((i for i, (a, b) in enumerate(zip(alone, inside)) if a is not b),
                       min(len(alone), len(inside)))
        rendered, drawn_again = None, None
        if want:
            undraw = undrawn(part_root)
            rendered, drawn_again = _render_story(
                part, part_furniture, part_styles,
                [StartHandout(0, plain(document.title)), *alone], part_root,
                stop_at=alone[parting] if parting < len(alone) else None)
            undraw()   # the same elements take what the packet draws
        parts.append(rendered)
        part_root.role = "Sect"
        root.children.append(part_root)
        story.append(StartHandout(index + 1, plain(document.title)))
        if drawn_again is not None and part_styles == styles:
            story += drawn_again + inside[parting:]
        else:   # not rendered alone, or with frames that differ: laid out here
            story += inside
        if index < last:
            story.append(StartOnOddPage(lambda d=document, e=part_root: _notes_page(
                d.notes_page, f"{d.topic}.spare_notes", styles, e)))
    packet, _ = _render_story(job, furniture, styles, story, root)
    return [packet, *parts]


def _render_story(job: Job, furniture: list[Furniture], styles: Styles, story: list,
                  root: Element, stop_at=None) -> tuple[Rendered, list | None]:
    """The PDF of a story; with `stop_at`, also the story that draws its pages again up to
    where that flowable came up (None if it never did)."""
    first = job.documents[0]
    buffer = io.BytesIO()
    template = handout_doc_template(buffer, styles, title=plain(job.title),
                                    author=plain(first.page_text.clinic_name),
                                    subject=plain(job.title if job.packet else first.summary),
                                    lang=first.lang, stop_at=stop_at)
    canvases = []

    def make_canvas(*args, **kwargs):
        canvases.append(FurnishedCanvas(*args, furniture=furniture, styles=styles,
                                        through=job.packet, tagged=job.tagged,
                                        record=stop_at is not None, **kwargs))
        return canvases[-1]

    # ReportLab marks flowables as it lays them out (one that did not fit, a heading kept
    # with the next); what it marks it can undo, as its multiBuild does, so the packet can
    # lay out the same flowables again.
    undo: list = []
    if stop_at is not None:
        template._multiBuildEdits = undo.append
    template.build(story, canvasmaker=make_canvas)
    for action, *args in undo:
        action(*args)
    canvas = canvases[-1]
    rendered = Rendered(buffer.getvalue(), len(canvas._kept_pages), tuple(canvas.field_spots),
                        as_drawn(root) if job.tagged else None)
    stopped = template.stopped
    return rendered, replayed(canvas.placed, stopped) if stopped else None


def overflows(job: Job) -> set[str]:
    """Header and footer texts of a job that do not fit their space (measured, not drawn)."""
    styles = styles_for(job.edition, job.paper)
    return {text for document in job.documents
            for text in furniture_overflows(_furniture(document, job), styles)}


def tag(flowable, element: Element):
    """Mark a flowable's drawing as the content of a structure element."""
    flowable.tag = element
    return flowable


def cover_story(cover: doc.Cover, titles: list[str], job: Job, styles: Styles,
                parent: Element) -> list:
    """The packet's cover: its title, the patient's blanks and the list of handouts."""
    s = styles
    blanks = HandoutStory(None, job, styles, parent)
    story = [StartHandout(0, plain(cover.title)),
             tag(Paragraph(to_markup(cover.title), s.title), parent.child("H1")),
             *blanks.name_and_date(cover.name_and_date),
             Spacer(1, s.body.leading),
             tag(Paragraph(to_markup(cover.contents_heading), s.h2), parent.child("H2")),
             Contents([(to_markup(title), index) for index, title in enumerate(titles, 1)],
                      s.body, parent.child("TOC"), s.body.fontSize * 3),
             Spacer(1, s.body.leading)]
    for block in cover.closing:
        story += blanks.block(block)
    return compose(story)


def _furniture(document, job: Job) -> Furniture:
    text = document.page_text
    return Furniture(
        title=plain(text.title),
        clinic_name=plain(text.clinic_name),
        logo_path=job.logo_path,
        phones=tuple(f"{plain(phone.label)} {phone.number}" for phone in text.phones),
        page_label=text.page_label,
        notice=text.notice,
    )


def _notes_page(words: tuple[str, str], field: str, styles: Styles, parent: Element) -> list:
    """A page of lines for notes, used where the packet would otherwise have a blank page."""
    e = styles.edition
    frame_height = styles.page_size[1] - e.later_top_margin - e.bottom_margin  # never a first
    heading_space = styles.h2.leading + styles.h2.spaceAfter + styles.body.leading * 2
    heading, intro = words
    # Structure elements are made in reading order: the heading, its line, then the lines.
    story = [tag(Paragraph(to_markup(heading), styles.h2), parent.child("H2")),
             tag(Paragraph(to_markup(intro), styles.body), parent.child("P"))]
    lines = AnswerLines(int((frame_height - heading_space) // e.line_pitch) - 1, styles,
                        field, plain(heading))
    lines.tag_parent = parent.child("Div")
    return [*story, lines]


def _lines_above_closing(tooltip: str, field: str, styles: Styles, parent: Element,
                         height: float) -> list:
    """Lines to write on, `height` of them, above a closing that would otherwise stand alone.
    No heading: in a packet a page of notes may follow, and two "My notes" in a row read as
    a mistake. Fewer than three lines are not worth it: then nothing."""
    count = int(height // styles.edition.line_pitch) - 1
    if count < QUESTION_LINES:
        return []
    lines = AnswerLines(count, styles, field, tooltip)
    lines.tag_parent = parent.child("Div")
    return [lines, Spacer(1, styles.body.leading)]


def _address_lines(address: str, width: float, style) -> list[str]:
    """A web address in lines that break only after a "/": a break at one of its hyphens
    would read as a hyphen added by the line break, and be typed wrongly."""
    parts = [part + "/" for part in address.split("/")]
    parts[-1] = parts[-1][:-1]
    lines = [""]
    for part in parts:
        if lines[-1] and stringWidth(lines[-1] + part, style.fontName, style.fontSize) > width:
            lines.append("")
        lines[-1] += part
    return lines


@cache
def _pancreas(width: float, labels: tuple, font_size: float):
    # Fitting the labels takes a search; the handout and the packet share the result.
    return pancreas_drawing(width, dict(labels), BODY, font_size, INK_HEX)


@dataclass(frozen=True)
class Pieces:
    """One handout's flowables, made once for its own PDF and for its packet."""

    body: list       # the read and the write part
    words: list      # its own words to know, printed alone
    combined: list   # the packet's words to know, when the packet ends with this handout
    closing: list    # sources, review dates, the QR code, "does not replace your care team"
    notices: list    # the language help: a packet says it once, on its cover
    notes: object    # lines for notes above a closing that would stand alone (or None)

    def alone(self) -> list:
        return keep_closing(self.body + self.words,
                            compose(self.closing + self.notices), self.notes)

    def in_packet(self, last: bool) -> list:
        return keep_closing(self.body + (self.combined if last else []),
                            compose(self.closing), self.notes)


class HandoutStory:
    """Builds the flowables of one document, and its structure elements in reading order."""

    def __init__(self, document: doc.Document, job: Job, styles: Styles, parent: Element):
        self.d, self.job, self.s = document, job, styles
        self.parent = parent   # the structure element new content goes into
        self.in_box = False
        self.fine_print = False  # the closing: sources, dates and help in the small size

    def para(self, text: str, style=None, role: str = "P") -> Paragraph:
        return tag(Paragraph(to_markup(text), style or self.s.body), self.parent.child(role))

    def bullets(self, items, summary: bool = False) -> list:
        items_list = self.parent.child("L")
        # A summary's items sit closer, so page 1 holds the key points and the warning signs.
        style = (self.s.fine_bullet if self.fine_print else
                 self.s.bullet_tight if summary else self.s.bullet)
        flowables = [list_item(Paragraph(to_markup(item), style, bulletText="•"), items_list)
                     for item in items]
        for flowable in flowables:  # so the list's ends can be kept together (keeping.py)
            flowable.list_id = items_list
        return flowables

    def blank(self, flowable):
        """A blank's labels and fields go in an element of their own, made here in reading
        order, because the blank adds to it only when it is drawn."""
        flowable.tag_parent = self.parent.child("Div")
        return flowable

    def pieces(self, packet_words: doc.Words | None = None) -> Pieces:
        """The handout's flowables for its own PDF and for its packet (`packet_words`: the
        packet's words to know, when it ends with this handout). Structure elements are made
        in reading order; those of what a PDF does not draw are left out of its tree."""
        d = self.d
        read = []
        for block in d.read:
            read += self.block(block)
        write = []
        for block in d.write:
            write += self.block(block)
        words = compose(self.words_to_know(d.words)) if d.words else []
        combined = compose(self.words_to_know(packet_words)) if packet_words else []
        # Where the closing cannot share a page with what comes before it, the room above it
        # takes lines for notes (keeping.WithClosing); their elements go before the closing's.
        notes_at = self.parent.child("Div")
        ends_with_notes = bool(d.write) and isinstance(d.write[-1], doc.Section) and any(
            isinstance(block, doc.Notes) for block in d.write[-1].blocks)
        notes = None if ends_with_notes else (lambda height: _lines_above_closing(
            plain(d.notes_page[0]), f"{d.topic}.closing_notes", self.s, notes_at, height))
        # The closing in small print, so it fits beside the last thing to write on.
        self.fine_print = True
        closing = [f for block in d.closing for f in self.block(block)]
        notices = [f for block in d.notices for f in self.block(block)]
        self.fine_print = False
        return Pieces(float_figures(compose(read)) + compose(write), words, combined, closing,
                      notices, notes)

    def panel(self, content: list, background, rule) -> Panel:
        return Panel(content, background, rule, self.s.edition.label_gap * 1.25)

    def block(self, block) -> list:
        s = self.s
        if isinstance(block, doc.Heading):
            style, role = {1: (s.title, "H1"), 2: (s.h2, "H2"), 3: (s.h3, "H3")}[block.level]
            if self.in_box:  # a box's own heading: same rank, smaller type, less air around
                style = s.h3
            return [self.para(block.text, style, role)]
        if isinstance(block, doc.Para):
            style = {"body": s.fine if self.fine_print else s.body, "lead": s.message,
                     "label": s.small,
                     "strong": s.bold}[block.role]
            if block.role == "strong":
                return [self.para(f"**{plain(block.text)}**")]
            return [self.para(block.text, style)]
        if isinstance(block, doc.Bullets):
            return self.bullets(block.items, block.summary)
        if isinstance(block, doc.Section):
            story = self.block(block.heading)
            for inner in block.blocks:
                story += self.block(inner)
            return story
        if isinstance(block, doc.Box):
            return self.box(block)
        if isinstance(block, doc.Phones):
            # On one line when they fit, else one phone a line: a phone never breaks.
            phones = " &nbsp;· ".join(
                "<b>" + f"{to_markup(phone.label)}: {to_markup(phone.number)}".replace(
                    " ", "&nbsp;") + "</b>" for phone in block.phones)
            return [tag(Paragraph(phones, s.message), self.parent.child("P"))]
        if isinstance(block, doc.Figure):
            return [self.figure(block)]
        if isinstance(block, doc.NameAndDate):
            # A little air, so the date's line does not sit on the main message's box.
            return [*self.name_and_date(block), Spacer(1, s.body.leading * 0.3)]
        if isinstance(block, doc.LabelledBlanks):
            # A short group of blanks or boxes reads as one thing: keep it on one page.
            group = self.parent.child("Div")
            lines = [LabelledLine([(to_markup(label), field.name, field.tooltip)], s,
                                  label_share=0.45) for label, field in block.items]
            for line in lines:
                line.tag_parent = group
            return [KeepTogether(lines)]
        if isinstance(block, doc.TickBoxes):
            group = self.parent.child("Div")
            items = [TickBoxItem(
                to_markup(label), s, box.name, box.tooltip,
                date_label=to_markup(block.date_label) if date else None,
                date_field=date.name if date else None)
                for label, box, date in block.items]
            for item in items:
                item.tag_parent = group
            return [KeepTogether(items)]
        if isinstance(block, doc.Choice):
            heading = [self.para(block.label, s.h3, "H3"), self.para(block.instruction)]
            group = self.parent.child("Div")
            options = [ChoiceItem(f"<b>{to_markup(label)}</b>: {to_markup(meaning)}", s,
                                  block.field.name, plain(block.label), value)
                       for value, label, meaning in block.options]
            for option in options:
                option.tag_parent = group
            return [KeepTogether(heading + options)]
        if isinstance(block, doc.Log):
            columns = [(to_markup(label), name, plain(label)) for name, label in block.columns]
            log = self.blank(WriteInLog(columns, block.rows, s, block.field.name))
            # Its table is made with the story, not when first laid out: a packet lays out
            # again a log its handout has laid out, and its parts must share the tree's table.
            log.table = log.tag_parent.child("Table")
            return [log]
        if isinstance(block, doc.Notes):
            return [self.para(block.label, s.h3, "H3"),
                    self.blank(AnswerLines(block.lines, s, block.field.name,
                                           block.field.tooltip))]
        if isinstance(block, doc.Questions):
            return self.questions(block)
        if isinstance(block, doc.Words):
            return self.words_to_know(block)
        if isinstance(block, doc.Online):
            return [self.online_version(block)]
        raise TypeError(block)  # pragma: no cover - the document admits no other block

    def name_and_date(self, block: doc.NameAndDate) -> list:
        """One thing a line, each line long enough for handwriting (DESIGN.md: a name at
        least 90 mm, a date at least 50 mm), labels in one column so the lines start
        together."""
        group = self.parent.child("Div")
        labels = ((block.name_label, block.name), (block.date_label, block.date))
        widest = max(stringWidth(plain(label), self.s.bold.fontName, self.s.bold.fontSize)
                     for label, _ in labels)
        share = min(0.45, (widest + self.s.bold.fontSize) / self.s.text_width)
        lines = [LabelledLine([(to_markup(label), field.name, field.tooltip)], self.s,
                              label_share=share) for label, field in labels]
        for line in lines:
            line.tag_parent = group
        return lines

    def box(self, box: doc.Box) -> list:
        self.in_box = True
        content = [f for inner in box.blocks for f in self.block(inner)]
        self.in_box = False
        if box.kind == "message":
            return [self.panel(content, TINT, HEADING_INK)]
        return [KeepTogether([self.panel(content, WARNING_TINT, WARNING_RULE)])]

    def figure(self, block: doc.Figure):
        s, picture = self.s, block.picture
        labels = {str(part): plain(text) for part, text in picture.labels.items()}
        if picture.drawing:
            drawing = _pancreas(s.text_width, tuple(sorted(labels.items())), s.body.fontSize)
        else:
            drawing = picture_flowable(self.job.pictures[picture.file], labels, s.text_width)
        figure = Figure(drawing, self.parent.child("Figure", alt=plain(picture.alt)))
        kept = KeepTogether([figure, self.para(f"**{plain(picture.caption)}**"),
                             self.para(picture.how_to_use)])
        kept.floats = True   # keeping.Float: the text after it may fill this page first
        return kept

    def online_version(self, online: doc.Online) -> QrBlock:
        """A QR code to the handout's web page, with the address printed beside it."""
        figure = self.parent.child("Figure", alt=f"QR code: {online.address}")
        style = self.s.fine if self.fine_print else self.s.body
        gap = self.s.edition.label_gap * 2
        lines = [f"<b>{to_markup(online.label)}</b>"] if online.label else []
        address = _address_lines(online.address, self.s.text_width - QR_SIZE - gap, style)
        text = tag(Paragraph("<br/>".join([*lines, *map(to_markup, address)]), style),
                   self.parent.child("P"))
        return QrBlock(online.address, text, QR_SIZE, gap, figure)

    def questions(self, block: doc.Questions) -> list:
        s = self.s
        story = []
        for number, question in enumerate(block.questions, start=1):
            # A question and its lines are never split across pages (DESIGN.md); the heading and
            # its instructions stay with the first question.
            opening = [self.para(block.heading, s.h2, "H2"),
                       self.para(block.intro)] if number == 1 else []
            group = self.parent.child("Div")
            # The box is labelled as done ("I asked this: ..."), so it cannot be read as "ask
            # this one".
            asked = TickBoxItem(f"{to_markup(block.asked_label)}: "
                                f"<b>{to_markup(question.text)}</b>", s, question.asked.name,
                                question.asked.tooltip)
            answer = AnswerLines(QUESTION_LINES, s, question.answer.name,
                                 question.answer.tooltip)
            asked.tag_parent = answer.tag_parent = group
            story.append(KeepTogether(opening + [asked, answer,
                                                 Spacer(1, s.body.fontSize * 0.6)]))
        if len(story) > 2:  # the last question never stands alone on the last page of them
            story[-2:] = [KeepTogether([*story[-2]._content, *story[-1]._content])]
        return story

    def words_to_know(self, words: doc.Words) -> list:
        if not words.terms:
            return []
        s = self.s
        story = [self.para(words.heading, s.h2, "H2")]
        for term in words.terms:
            story.append(KeepTogether([
                tag(Paragraph(f"<b>{to_markup(term.term)}</b> &nbsp;({to_markup(words.say_label)}: "
                              f"{to_markup(term.say)})", s.body), self.parent.child("P")),
                tag(Paragraph(to_markup(term.means), s.bullet), self.parent.child("P")),
            ]))
        return story


__all__ = ["Job", "Rendered", "render"]
