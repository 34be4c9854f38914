"""A handout of the model -> a neutral document: its blocks in reading order, blanks named.

The PDF writer, the web writer and the reading-level check all walk this one thing, so a web
page and its printed handout can never say different things. Every word a writer prints is
resolved here (phrases, the clinic's name, warning signs, field names), and nothing here knows
points, pages or HTML. Text values keep their location in the content (see source.Text), so a
check made on the document still points at the line staff typed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .content import model
from .content.library import warning_signs
from .content.source import Text

# ---- blocks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A blank's form field: its full name (`<topic>.<name>`) and the tooltip that says what it
    is for."""

    name: str
    tooltip: str


@dataclass(frozen=True)
class Heading:
    text: str
    level: int          # 1 the title, 2 a section, 3 a part of one


@dataclass(frozen=True)
class Para:
    text: str
    role: str = "body"  # body, lead (the main message), label (small print above a box), strong
    call: str = ""      # a phone number in the text that a screen offers to dial


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    summary: bool = False   # a list to take in at a glance (key points, warning signs)


@dataclass(frozen=True)
class Box:
    """Content set apart on a tint: the main message, or the warning signs."""

    kind: str           # "message" or "warning"
    blocks: tuple


@dataclass(frozen=True)
class Phone:
    label: str
    number: str


@dataclass(frozen=True)
class Phones:
    """Phone numbers to call, each on its own line."""

    phones: tuple[Phone, ...]


@dataclass(frozen=True)
class Figure:
    picture: model.Picture
    alt: str


@dataclass(frozen=True)
class NameAndDate:
    """The patient's name and the date the handout was given, under the title."""

    name: Field
    name_label: str
    date: Field
    date_label: str


@dataclass(frozen=True)
class LabelledBlanks:
    """A line to write on per item, each after its label (a name, a phone)."""

    items: tuple[tuple[str, Field], ...]   # (label, field)


@dataclass(frozen=True)
class TickBoxes:
    """A box to tick per item, each with an optional date line."""

    items: tuple[tuple[str, Field, Field | None], ...]   # (label, box, date or None)
    date_label: str


@dataclass(frozen=True)
class Choice:
    """Pick one option: a circle per option, each with its plain meaning."""

    label: str
    instruction: str
    field: Field
    options: tuple[tuple[str, str, str], ...]   # (value, label, meaning)


@dataclass(frozen=True)
class Log:
    """A table to fill in by hand."""

    field: Field        # the log's own name; a cell is `<field>_<row>_<column>`
    columns: tuple[tuple[str, str], ...]   # (name, heading)
    rows: int

    def cell(self, row: int, column: str) -> str:
        return f"{self.field.name}_{row}_{column}"


@dataclass(frozen=True)
class Notes:
    label: str
    field: Field
    lines: int


@dataclass(frozen=True)
class Question:
    """A question with a box to tick once asked and lines for the answer."""

    text: str
    asked: Field
    answer: Field


@dataclass(frozen=True)
class Questions:
    heading: str
    intro: str
    asked_label: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Words:
    """Words to know: each term, how to say it and what it means."""

    heading: str
    say_label: str
    terms: tuple[model.Term, ...]


@dataclass(frozen=True)
class Online:
    """Where the web page of this handout is, for the QR code and the printed address."""

    label: str
    address: str


@dataclass(frozen=True)
class Section:
    """A heading and the blocks under it: the unit the reading level is measured on."""

    heading: Heading
    blocks: tuple
    at: str | None = None   # where a problem with it is reported, when not at its heading


# ---- the document -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PageText:
    """What every page's header and footer say."""

    clinic_name: str
    title: str
    phones: tuple[Phone, ...]
    review: str          # "Reviewed ... · Next review ..."
    page_label: str      # "Page {page} of {pages}"
    notice: str          # small print while a translation is unchecked; "" when none


@dataclass(frozen=True)
class Document:
    """One handout, ready for any writer: page 1 and the read, then the write part, then the
    closing."""

    set_name: str
    topic: str
    lang: str
    title: str
    summary: str                 # the main message, for the PDF's metadata and the web page
    read: tuple                  # page 1 and the sections to read
    write: tuple                 # questions, the topic's own blanks, notes
    words: Words | None          # words to know (None when the packet lists them at the end)
    closing: tuple               # sources, review dates, web address, disclaimer
    notices: tuple               # the language help: a packet says it once, on its cover
    page_text: PageText
    notes_page: tuple[str, str]  # heading and one line for a spare page of notes
    handout: model.Handout


@dataclass(frozen=True)
class Cover:
    """The first page of a packet: its title, the patient's blanks and its contents."""

    title: str
    lang: str
    name_and_date: NameAndDate
    contents_heading: str
    contents: tuple[str, ...]    # the handouts' titles, in the packet's order
    closing: tuple               # the language help, said once for the packet
    page_text: PageText
    notes_page: tuple[str, str]


def cover(content: model.Content, set_name: str, lang: str) -> Cover:
    """The cover of a set's packet in one language."""
    handout_set = content.sets[set_name]
    edition = handout_set.languages[lang]
    p = content.languages[lang].phrases
    clinic = content.clinic
    name = (model.field_name("", "patient_name"), model.field_name("", "date_given"))
    blanks = NameAndDate(Field(name[0], model.plain(p.name_label)), p.name_label,
                         Field(name[1], model.plain(p.date_given_label)), p.date_given_label)
    notice = "" if p.translation_reviewed else p.translation_notice or ""
    page_text = PageText(clinic.name_in(lang), edition.info.title,
                         (Phone(p.phone_label, clinic.phone),
                          Phone(p.after_hours_label, clinic.after_hours_phone)),
                         "", p.page_label, notice)
    return Cover(edition.info.title, lang, blanks, p.contents_heading,
                 tuple(edition.handouts[topic].title for topic in handout_set.topics),
                 notices(content, lang), page_text,
                 (p.notes_heading, p.notes_intro))


def notices(content: model.Content, lang: str) -> tuple:
    """What every handout ends with and a packet says once, on its cover: where to get help
    in one's language and this handout in large print."""
    return (Para(content.clinic.languages[lang].language_help),)


def warning_box(content: model.Content, set_name: str, lang: str, signs) -> Box:
    """When to call right away: the signs, the clinic's phones, when to call the emergency
    number instead, and whose advice this is."""
    p, clinic = content.languages[lang].phrases, content.clinic
    phones = Phones((Phone(p.phone_label, clinic.phone),
                     Phone(p.after_hours_label, clinic.after_hours_phone)))
    return Box("warning", (Heading(p.call_heading, 2), Para(p.call_intro),
                           Bullets(tuple(signs), summary=True),
                           phones, Para(clinic.languages[lang].emergency, "strong",
                                        call=clinic.emergency_number),
                           Para(p.warning_credit.format(clinic=clinic.name_in(lang)), "label")))


def format_date(date: datetime.date, phrases: model.Phrases) -> str:
    return phrases.date_format.format(day=date.day, month=phrases.months[date.month - 1],
                                      year=date.year)


def with_clinic(text: str, clinic_name: str) -> str:
    """Content's `{clinic}` printed as the clinic's name; the location stays."""
    if "{clinic}" not in text:
        return text
    filled = text.replace("{clinic}", clinic_name)
    return Text(filled, text.mark, text.quoted) if isinstance(text, Text) else filled


def web_address(clinic: model.Clinic, set_name: str, lang: str, topic: str) -> str | None:
    """The address of a handout's web page once `site/` is published at the clinic's `web`."""
    if not clinic.web:
        return None
    return f"{clinic.web.rstrip('/')}/{set_name}/{lang}/{topic}.html"


def document(content: model.Content, set_name: str, lang: str, topic: str,
             words: tuple[model.Term, ...] | None) -> Document:
    """The document of one handout; `words` None leaves words to know out (the packet has one
    list at its end)."""
    handout_set = content.sets[set_name]
    handout = handout_set.languages[lang].handouts[topic]
    return _Builder(content, handout_set, lang, handout).document(words)


class _Builder:
    def __init__(self, content: model.Content, handout_set: model.HandoutSet, lang: str,
                 handout: model.Handout):
        self.content, self.set, self.lang, self.h = content, handout_set, lang, handout
        self.p = content.languages[lang].phrases
        self.clinic = content.clinic
        self.clinic_name = content.clinic.name_in(lang)

    def text(self, text: str) -> str:
        return with_clinic(text, self.clinic_name)

    def field(self, name: str, tooltip: str) -> Field:
        return Field(model.field_name(self.h.topic, name), model.plain(tooltip))

    def document(self, words) -> Document:
        h, p = self.h, self.p
        read = (Heading(h.title, 1),
                NameAndDate(self.field("patient_name", p.name_label), p.name_label,
                            self.field("date_given", p.date_given_label), p.date_given_label),
                Box("message", (Para(p.main_message_heading, "label"),
                                Para(h.main_message, "lead"))),
                Section(Heading(p.key_points_heading, 2), (Bullets(h.key_points, summary=True),),
                        at=h.key_points[0]),
                self.warning_box(),
                *(self.section(s) for s in h.sections if not _has_blanks(s)))
        # Sections with something to write in follow the questions, so the read comes first
        # and stays short (DESIGN.md: the read, then the write part).
        write = (self.questions(), *(self.section(s) for s in h.sections if _has_blanks(s)))
        glossary = (Words(p.words_heading, p.say_label, tuple(words))
                    if words else None)
        return Document(self.set.name, h.topic, self.lang, h.title, h.main_message, read,
                        write, glossary, self.closing(), notices(self.content, self.lang),
                        self.page_text(),
                        (p.notes_heading, p.notes_intro), h)

    def warning_box(self) -> Box:
        return warning_box(self.content, self.set.name, self.lang,
                           warning_signs(self.content, self.set, self.lang, self.h))

    def section(self, section: model.Section) -> Section:
        return Section(Heading(section.heading, 2),
                       tuple(b for block in section.blocks for b in self.block(block)))

    def block(self, block) -> list:
        p = self.p
        if isinstance(block, model.Paragraph):
            return [Para(self.text(block.text))]
        if isinstance(block, model.BulletList):
            return [Bullets(tuple(self.text(item) for item in block.items))]
        if isinstance(block, model.Picture):
            return [Figure(block, f"{p.picture_alt_prefix} {model.plain(block.alt)}")]
        if isinstance(block, model.Blanks):
            return [LabelledBlanks(tuple(
                (item.label, self.field(f"{block.name}_{item.name}", item.label))
                for item in block.items))]
        if isinstance(block, model.Checklist):
            items = []
            for item in block.items:
                box, date = model.checklist_fields(block, item)
                items.append((item.label, self.field(box, item.label),
                              self.field(date, f"{p.date_label}: {item.label}") if date else None))
            return [TickBoxes(tuple(items), p.date_label)]
        if isinstance(block, model.Choice):
            return [Choice(block.label, p.choose_one, self.field(block.name, block.label),
                           tuple((o.name, o.label, o.meaning) for o in block.options))]
        if isinstance(block, model.Log):
            return [Log(self.field(block.name, block.name),
                        tuple((c.name, c.label) for c in block.columns), block.rows)]
        if isinstance(block, model.Notes):
            return [Notes(block.label, self.field(block.name, block.label), block.lines)]
        raise TypeError(block)  # pragma: no cover - the model admits no other block

    def questions(self) -> Questions:
        p = self.p
        return Questions(p.questions_heading, p.questions_intro, p.asked_label, tuple(
            Question(q.ask, self.field(model.asked_field(q), f"{p.asked_label}: {q.ask}"),
                     self.field(q.name, q.ask))
            for q in self.h.questions))

    def closing(self) -> tuple:
        p = self.p
        out = [Section(Heading(p.sources_heading, 3),
                       (Bullets(tuple(self.text(s) for s in self.h.sources)),
                        Para(self.page_text().review)))]
        address = web_address(self.clinic, self.set.name, self.lang, self.h.topic)
        if address:
            out.append(Online(p.online_label or "", address))
        out.append(Para(p.disclaimer, "strong"))
        return tuple(out)

    def page_text(self) -> PageText:
        p, h = self.p, self.h
        review = (f"{p.reviewed_label.format(date=format_date(h.last_reviewed, p))}   ·   "
                  f"{p.next_review_label.format(date=format_date(h.next_review, p))}")
        notice = "" if p.translation_reviewed else p.translation_notice or ""
        return PageText(self.clinic_name, h.title,
                        (Phone(p.phone_label, self.clinic.phone),
                         Phone(p.after_hours_label, self.clinic.after_hours_phone)),
                        review, p.page_label, notice)


_BLANKS = (model.Blanks, model.Checklist, model.Choice, model.Log, model.Notes)


def _has_blanks(section: model.Section) -> bool:
    return any(isinstance(block, _BLANKS) for block in section.blocks)


def texts(blocks) -> list[str]:
    """The running text of blocks, in reading order: what the reading level is measured on
    (headings, labels and field names are left out)."""
    out = []
    for block in blocks:
        if isinstance(block, Para) and block.role != "label":
            out.append(block.text)
        elif isinstance(block, Bullets):
            out += block.items
        elif isinstance(block, Figure):
            out += [block.picture.caption, block.picture.how_to_use]
        elif isinstance(block, Box | Section):
            out += texts(block.blocks)
        elif isinstance(block, Questions):
            out += [q.text for q in block.questions]
    return out


def sections(doc: Document) -> list[Section]:
    """The sections of the read, each measured on its own."""
    return [block for block in doc.read if isinstance(block, Section)]
