"""Model -> flowables -> PDF bytes: one handout, or several as one packet document.

The packet is one ReportLab document rather than finished PDFs joined together, so each font
is embedded once, field names stay unique and each handout still counts its own pages.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from functools import cache

from reportlab.platypus import KeepTogether, Paragraph, Spacer

from ..content import model
from ..content.model import plain
from .blanks import AnswerLines, ChoiceItem, FieldSpot, LabelledLine, TickBoxItem, WriteInLog
from .markup import to_markup
from .pages import (
    FurnishedCanvas,
    Furniture,
    StartHandout,
    StartOnOddPage,
    furniture_overflows,
    handout_doc_template,
)
from .panels import Figure, Panel, QrBlock
from .picture import pancreas_drawing
from .styles import BODY, HEADING_INK, TINT, WARNING_RULE, WARNING_TINT, Styles, styles_for
from .tags import Element, list_item

QUESTION_LINES = 3  # DESIGN.md: at least three full-width lines under each question
INTRO_PARAGRAPHS = 2  # paragraphs after a heading that stay with a following checklist or table


@dataclass(frozen=True)
class Job:
    """Everything needed to render one PDF."""

    handouts: tuple[model.Handout, ...]
    words: tuple[tuple[model.Term, ...], ...]   # words to know, per handout
    clinic: model.Clinic
    phrases: model.Phrases
    edition: str
    paper: str
    logo_path: str | None
    packet: bool = False
    notice: str = ""
    tagged: bool = True   # mark content for tagged PDF (off only to show it changes no ink)


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    field_spots: tuple[FieldSpot, ...]
    structure: Element | None    # the document's structure tree, when tagged


def format_date(date: datetime.date, phrases: model.Phrases) -> str:
    return phrases.date_format.format(day=date.day, month=phrases.months[date.month - 1],
                                      year=date.year)


def render(job: Job) -> Rendered:
    styles = styles_for(job.edition, job.paper)
    first = job.handouts[0]
    title = job.phrases.packet_title if job.packet else first.title
    buffer = io.BytesIO()
    doc = handout_doc_template(buffer, styles, title=plain(title), author=plain(job.clinic.name),
                               subject=plain(first.main_message if not job.packet else title),
                               lang=first.lang)
    root = Element("Document")
    story, furniture = [], []
    for index, (handout, words) in enumerate(zip(job.handouts, job.words)):
        furniture.append(_furniture(handout, job))
        section = root.child("Sect") if job.packet else root
        story += HandoutStory(handout, words, job, styles, section).flowables(index)
        if index < len(job.handouts) - 1:
            story.append(StartOnOddPage(
                doc, lambda h=handout, e=section: _notes_page(h, job, styles, e)))
    canvases = []

    def make_canvas(*args, **kwargs):
        canvases.append(FurnishedCanvas(*args, furniture=furniture, styles=styles,
                                        show_outline=job.packet, tagged=job.tagged, **kwargs))
        return canvases[-1]

    doc.build(story, canvasmaker=make_canvas)
    canvas = canvases[-1]
    return Rendered(buffer.getvalue(), len(canvas._kept_pages), tuple(canvas.field_spots),
                    root if job.tagged else None)


def overflows(job: Job) -> set[str]:
    """Header and footer texts of a job that do not fit their space (measured, not drawn)."""
    styles = styles_for(job.edition, job.paper)
    return {text for handout in job.handouts
            for text in furniture_overflows(_furniture(handout, job), styles)}


def tag(flowable, element: Element):
    """Mark a flowable's drawing as the content of a structure element."""
    flowable.tag = element
    return flowable


def _furniture(handout: model.Handout, job: Job) -> Furniture:
    p, clinic = job.phrases, job.clinic
    return Furniture(
        title=plain(handout.title),
        clinic_name=plain(clinic.name),
        logo_path=job.logo_path,
        phones=f"{plain(p.phone_label)} {clinic.phone}   ·   {plain(p.after_hours_label)} "
               f"{clinic.after_hours_phone}",
        review=f"{p.reviewed_label.format(date=format_date(handout.last_reviewed, p))}   ·   "
               f"{p.next_review_label.format(date=format_date(handout.next_review, p))}",
        page_label=p.page_label,
        notice=job.notice,
    )


def _notes_page(handout: model.Handout, job: Job, styles: Styles, parent: Element) -> list:
    """A page of lines for notes, used where the packet would otherwise have a blank page."""
    e = styles.edition
    frame_height = styles.page_size[1] - e.top_margin - e.bottom_margin
    heading_space = styles.h2.leading + styles.h2.spaceAfter + styles.body.leading * 2
    lines = AnswerLines(int((frame_height - heading_space) // e.line_pitch) - 1, styles,
                        f"{handout.topic}.spare_notes", plain(job.phrases.notes_heading))
    lines.tag_parent = parent.child("Div")
    return [tag(Paragraph(to_markup(job.phrases.notes_heading), styles.h2), parent.child("H2")),
            tag(Paragraph(to_markup(job.phrases.notes_intro), styles.body), parent.child("P")),
            lines]


@cache
def _pancreas(width: float, labels: tuple, font_size: float):
    # Fitting the labels takes a search; the handout and the packet share the result.
    return pancreas_drawing(width, dict(labels), BODY, font_size, "#1a1a1a")


def attach_headings(story: list) -> list:
    """Put headings inside the KeepTogether that follows them, so no heading ends a page alone.

    ReportLab's keepWithNext does not reach into a following KeepTogether, so headings are
    joined to it here.
    """
    out, waiting = [], []
    for flowable in story:
        if isinstance(flowable, KeepTogether) and waiting:
            out.append(KeepTogether(waiting + list(flowable._content)))
            waiting = []
        elif getattr(flowable, "getKeepWithNext", lambda: False)():
            waiting.append(flowable)
        elif waiting and isinstance(flowable, Paragraph) and len(waiting) < INTRO_PARAGRAPHS + 1:
            waiting.append(flowable)  # a heading's short introduction stays with what it introduces
        else:
            out += waiting
            out.append(flowable)
            waiting = []
    return out + waiting


class HandoutStory:
    """Builds the flowables of one handout, and its structure elements in reading order."""

    def __init__(self, handout: model.Handout, words, job: Job, styles: Styles,
                 parent: Element):
        self.h, self.words, self.job, self.s = handout, words, job, styles
        self.p = job.phrases
        self.parent = parent   # the structure element new content goes into

    def field(self, name: str) -> str:
        return f"{self.h.topic}.{name}"

    def para(self, text: str, style=None, role: str = "P") -> Paragraph:
        return tag(Paragraph(to_markup(text), style or self.s.body), self.parent.child(role))

    def bullets(self, items) -> list:
        items_list = self.parent.child("L")
        return [list_item(Paragraph(to_markup(item), self.s.bullet, bulletText="•"), items_list)
                for item in items]

    def blank(self, flowable):
        """A blank's labels and fields go in an element of their own, made here in reading
        order, because the blank adds to it only when it is drawn."""
        flowable.tag_parent = self.parent.child("Div")
        return flowable

    def flowables(self, index: int) -> list:
        h, p, s = self.h, self.p, self.s
        story = [StartHandout(index, plain(h.title)), self.para(h.title, s.title, "H1")]
        story.append(self.blank(LabelledLine([
            (to_markup(p.name_label), self.field("patient_name"), plain(p.name_label)),
            (to_markup(p.date_given_label), self.field("date_given"), plain(p.date_given_label)),
        ], s)))
        story.append(Spacer(1, s.body.leading * 0.6))
        story.append(self.panel([self.para(p.main_message_heading, s.small),
                                 self.para(h.main_message, s.message)], TINT, HEADING_INK))
        story.append(self.para(p.key_points_heading, s.h2, "H2"))
        story += self.bullets(h.key_points)
        for section in h.sections:
            story.append(self.para(section.heading, s.h2, "H2"))
            for block in section.blocks:
                story += self.block(block)
        story += self.questions()
        story += self.call_right_away()
        story += self.words_to_know()
        story.append(self.para(p.sources_heading, s.h3, "H3"))
        story += self.bullets(h.sources)
        if self.job.clinic.web:
            story.append(self.online_version())
        story.append(Spacer(1, s.body.leading * 0.5))
        story.append(self.para(f"**{plain(p.disclaimer)}**"))
        return attach_headings(story)

    def online_version(self) -> QrBlock:
        """A QR code to the clinic's web address, with the address printed beside it."""
        web = self.job.clinic.web
        figure = self.parent.child("Figure", alt=f"QR code: {web}")
        lines = [f"<b>{to_markup(self.p.online_label)}</b>"] if self.p.online_label else []
        text = tag(Paragraph("<br/>".join([*lines, to_markup(web)]), self.s.body),
                   self.parent.child("P"))
        return QrBlock(web, text, self.s.edition.box * 4, self.s.edition.label_gap * 2, figure)

    def panel(self, content: list, background, rule) -> Panel:
        return Panel(content, background, rule, self.s.edition.label_gap * 1.5)

    def block(self, block) -> list:
        s = self.s
        if isinstance(block, model.Paragraph):
            return [self.para(block.text)]
        if isinstance(block, model.BulletList):
            return self.bullets(block.items)
        if isinstance(block, model.Picture):
            labels = {part: plain(getattr(block.labels, part)) for part in model.PICTURE_PARTS
                      if getattr(block.labels, part)}
            drawing = _pancreas(s.text_width, tuple(labels.items()), s.body.fontSize)
            figure = Figure(drawing, self.parent.child("Figure", alt=plain(block.alt)))
            return [KeepTogether([figure, self.para(f"**{plain(block.caption)}**"),
                                  self.para(block.how_to_use)])]
        if isinstance(block, model.Blanks):
            # A short group of blanks or boxes reads as one thing: keep it on one page.
            group = self.parent.child("Div")
            lines = [LabelledLine([(to_markup(item.label), self.field(f"{block.name}_{item.name}"),
                                    plain(item.label))], s, label_share=0.45)
                     for item in block.items]
            for line in lines:
                line.tag_parent = group
            return [KeepTogether(lines)]
        if isinstance(block, model.Checklist):
            group = self.parent.child("Div")
            date = to_markup(self.p.date_label) if block.dates else None
            items = [TickBoxItem(
                to_markup(item.label), s, self.field(f"{block.name}_{item.name}"),
                plain(item.label), date_label=date,
                date_field=self.field(f"{block.name}_{item.name}_date") if block.dates else None)
                for item in block.items]
            for item in items:
                item.tag_parent = group
            return [KeepTogether(items)]
        if isinstance(block, model.Choice):
            heading = [self.para(block.label, s.h3, "H3"), self.para(self.p.choose_one)]
            group = self.parent.child("Div")
            options = [ChoiceItem(f"<b>{to_markup(o.label)}</b>: {to_markup(o.meaning)}", s,
                                  self.field(block.name), plain(block.label), o.name)
                       for o in block.options]
            for option in options:
                option.tag_parent = group
            return [KeepTogether(heading + options)]
        if isinstance(block, model.Log):
            columns = [(to_markup(c.label), c.name, plain(c.label)) for c in block.columns]
            return [self.blank(WriteInLog(columns, block.rows, s, self.field(block.name)))]
        if isinstance(block, model.Notes):
            return [self.para(block.label, s.h3, "H3"),
                    self.blank(AnswerLines(block.lines, s, self.field(block.name),
                                           plain(block.label)))]
        raise TypeError(block)  # pragma: no cover - the model admits no other block

    def questions(self) -> list:
        s, p = self.s, self.p
        story = []
        for number, question in enumerate(self.h.questions, start=1):
            # A question and its lines are never split across pages (DESIGN.md); the heading and
            # its instructions stay with the first question.
            opening = [self.para(p.questions_heading, s.h2, "H2"),
                       self.para(p.questions_intro)] if number == 1 else []
            group = self.parent.child("Div")
            asked = TickBoxItem(to_markup(question), s, self.field(f"q{number}_asked"),
                                f"{plain(p.asked_label)}: {plain(question)}", style=s.bold)
            answer = AnswerLines(QUESTION_LINES, s, self.field(f"q{number}"), plain(question))
            asked.tag_parent = answer.tag_parent = group
            story.append(KeepTogether(opening + [asked, answer,
                                                 Spacer(1, s.body.fontSize * 0.6)]))
        return story

    def call_right_away(self) -> list:
        s, p, clinic = self.s, self.p, self.job.clinic
        phones = (f"<b>{to_markup(p.phone_label)}: {to_markup(clinic.phone)}</b><br/>"
                  f"<b>{to_markup(p.after_hours_label)}: {to_markup(clinic.after_hours_phone)}</b>")
        content = [self.para(p.call_heading, s.h2, "H2"), self.para(p.call_intro),
                   *self.bullets(self.h.call_right_away),
                   tag(Paragraph(phones, s.message), self.parent.child("P"))]
        return [Spacer(1, s.body.leading * 0.5),
                KeepTogether([self.panel(content, WARNING_TINT, WARNING_RULE)])]

    def words_to_know(self) -> list:
        if not self.words:
            return []
        s, p = self.s, self.p
        story = [self.para(p.words_heading, s.h2, "H2")]
        for term in self.words:
            story.append(KeepTogether([
                tag(Paragraph(f"<b>{to_markup(term.term)}</b> &nbsp;({to_markup(p.say_label)}: "
                              f"{to_markup(term.say)})", s.body), self.parent.child("P")),
                tag(Paragraph(to_markup(term.means), s.bullet), self.parent.child("P")),
            ]))
        return story


__all__ = ["Job", "Rendered", "render", "format_date"]
