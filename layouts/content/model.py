"""Located YAML data -> validated, frozen model of the clinic, phrases, glossary and handouts.

Each model class is a frozen dataclass; its fields and their metadata are the schema: the
converter below reads them to check content, and `schema.py` reads them to write
`handouts/schema.json`. Every problem is collected, never raised, so one run reports all of them.
The model knows nothing of points, pages or fonts.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import re
import types
import typing
import unicodedata
from dataclasses import dataclass, field

from .dates import read_date
from .errors import Problems, did_you_mean
from .source import LEFT_OUT, Mapping, Mark, Sequence, Text

PAPERS = ("letter", "a4")
EDITIONS = ("standard", "large-print")
# Pictures the project draws itself, with the parts each can label; others come from files.
DRAWINGS = {"pancreas": ("liver", "stomach", "pancreas", "gallbladder", "duodenum", "spleen",
                         "bile_duct", "small_intestine")}
EASY_LIST_LENGTH = 7  # lists longer than this are hard to take in (DESIGN.md)
MOST_WARNING_SIGNS = 7  # page 1 shows at most this many (DESIGN.md)
# Names the output uses for itself (DESIGN.md part 2), so no set or topic may take them.
RESERVED_SETS = ("site", "filled")
RESERVED_TOPICS = ("packet", "index", "set")
PACKET_FIELDS = ("patient_name", "date_given")  # one field each for the whole packet
LABEL_LENGTH = 40     # a picture's labels sit in its margins: a word or two each
TEXT_LENGTH = 2000    # a longer paragraph is hard to read, and slow to lay out over pages
# Text kept in one piece on the page (a box, a label beside its line, a question with its
# lines) must fit a page even in large print.
PHRASE_LENGTH = 300
LABEL_TEXT = 200
ITEM_TEXT = 400
WEB_LENGTH = 300      # a QR code of a longer address is too fine to scan at its printed size

_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")
TOPIC_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}\Z")  # a file or folder name: set or topic
LANG_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?\Z")
_ASSET = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\Z")
_WEB = re.compile(r"https?://[^\s<>\"']+\Z")


def spec(doc: str, default=dataclasses.MISSING, **rules):
    """A model field with its help text and rules (min_items, long_list, pattern, choices...)."""
    if isinstance(default, tuple | list):
        return field(default=tuple(default), metadata={"doc": doc, **rules})
    if isinstance(default, dict):
        return field(default_factory=dict, metadata={"doc": doc, **rules})
    return field(default=default, metadata={"doc": doc, **rules})


def phrase(doc: str, default=dataclasses.MISSING):
    """A field of phrases.yaml: short words the layout prints, some where nothing can wrap."""
    return spec(doc, default, max_length=PHRASE_LENGTH)


def location(default=None):
    """Where the object was written, for problems found after validation (not in the schema)."""
    return field(default=default, compare=False, repr=False, metadata={"internal": True})


# ---- the clinic -------------------------------------------------------------------------------

@dataclass(frozen=True)
class WarningSigns:
    """The clinic's own advice on when to call right away, in one language."""

    signs: tuple[str, ...] = spec("The warning signs: when to call the clinic right away, "
                                  "day or night.", min_items=1, max_items=MOST_WARNING_SIGNS,
                                  max_length=ITEM_TEXT)
    last_reviewed: datetime.date = spec("The date a clinician last checked the signs, "
                                        "YYYY-MM-DD.")
    review_every_months: int = spec("How many months until the signs must be checked again.",
                                    minimum=1, maximum=60)
    mark: Mark | None = location()

    @property
    def next_review(self) -> datetime.date:
        return add_months(self.last_reviewed, self.review_every_months)


@dataclass(frozen=True)
class ClinicLanguage:
    """What the clinic says in one language: warning signs, hours, help with language."""

    warning_signs: WarningSigns = spec("When to call right away, as the clinic advises.")
    emergency: str = spec("When to call the emergency number instead, in one sentence.",
                          max_length=ITEM_TEXT)
    hours: str = spec("When the clinic's phone is answered.", max_length=PHRASE_LENGTH)
    language_help: str = spec("One line offering free language help and other formats "
                              "(large print, another language), printed in every handout.",
                              max_length=ITEM_TEXT)
    name: str | None = spec("The clinic's name in this language, where it is translated.",
                            None, max_length=PHRASE_LENGTH)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Clinic:
    """The clinic printed on every handout (handouts/clinic.yaml, or the file --clinic names)."""

    name: str = spec("The clinic's name, printed on every first page; content can use it "
                     "as {clinic}.", max_length=PHRASE_LENGTH)
    phone: str = spec("The clinic's phone number, printed in every footer.",
                      max_length=LABEL_LENGTH)
    after_hours_phone: str = spec("The phone number for nights and weekends, in every footer.",
                                  max_length=LABEL_LENGTH)
    emergency_number: str = spec("The emergency number, such as 911.", max_length=LABEL_LENGTH)
    address: str = spec("The clinic's address.", max_length=PHRASE_LENGTH)
    logo: str = spec("A PNG or JPEG logo inside the assets folder, such as images/logo.png.",
                     pattern="asset")
    paper: str = spec("The paper size: letter or a4.", choices=PAPERS)
    languages: dict[str, ClinicLanguage] = spec(
        "What the clinic says in each language (warning signs, hours, language help), by "
        "language code such as en.", min_items=1, key_pattern="lang")
    web: str | None = spec("The web address where the handouts' web pages are published; each "
                           "handout's QR code points there.", None, pattern="web",
                           max_length=WEB_LENGTH)
    mark: Mark | None = location()

    def name_in(self, lang: str) -> str:
        """The clinic's name as printed in a language."""
        language = self.languages.get(lang)
        return language.name if language and language.name else self.name


# ---- words the layout prints --------------------------------------------------------------------

@dataclass(frozen=True)
class WebPhrases:
    """The words only the web pages print (the site's links, its menus), per language."""

    language_name: str = phrase("The language's name in itself, such as English or Español, for "
                                "links to pages in this language.")
    skip_link: str = phrase("Link that jumps over the menu to the handout, for keyboards and "
                            "screen readers.")
    site_title: str = phrase("Heading of the site's first page, which lists every set.")
    sets_heading: str = phrase("Heading over the sets of handouts in this language, on the "
                               "site's first page.")
    menu_label: str = phrase("Name of the menu of links at the top of each page, for screen "
                             "readers.")
    home_link: str = phrase("Link back to the site's first page.")
    languages_label: str = phrase("Words before the links to this page in other languages.")
    print_heading: str = phrase("Heading over the links to the printable PDFs.")
    standard_pdf: str = phrase("Link to the handout's PDF in regular print.")
    large_print_pdf: str = phrase("Link to the handout's PDF in large print.")
    packet_standard_pdf: str = phrase("Link to every handout of the set in one PDF, regular "
                                      "print.")
    packet_large_print_pdf: str = phrase("Link to every handout of the set in one PDF, large "
                                         "print.")
    write_in_pdf: str = phrase("Link to the PDF to type or write the answers in, under the "
                               "questions.")
    fill_in_pdf: str = phrase("Link to the PDF to fill in, under a part with blanks, boxes to "
                              "tick or a table.")
    mark: Mark | None = location()


@dataclass(frozen=True)
class Phrases:
    """The small words the layout prints, per language (handouts/<lang>/phrases.yaml)."""

    name_label: str = phrase("Label of the patient's name blank.")
    date_given_label: str = phrase("Label of the blank for the date the handout was given.")
    main_message_heading: str = phrase("Heading over the main message.")
    key_points_heading: str = phrase("Heading over the key points.")
    questions_heading: str = phrase("Heading over the questions to ask the care team.")
    questions_intro: str = phrase("One sentence on how to use the questions.")
    asked_label: str = phrase("Label of the box ticked once a question is asked.")
    call_heading: str = phrase("Heading over the warning signs.")
    call_intro: str = phrase("One sentence before the warning signs.")
    phone_label: str = phrase("Label before the clinic's phone number.")
    after_hours_label: str = phrase("Label before the after-hours phone number.")
    words_heading: str = phrase("Heading over the words to know.")
    say_label: str = phrase("Word before how to say a term.")
    sources_heading: str = phrase("Heading over the sources.")
    disclaimer: str = phrase("The line saying the handout does not replace the care team's advice.")
    reviewed_label: str = phrase("Footer text for the review date; {date} is filled in.")
    next_review_label: str = phrase("Footer text for the next review date; {date} is filled in.")
    page_label: str = phrase("Footer page number; {page} and {pages} are filled in.")
    date_label: str = phrase("Label of a date blank.")
    choose_one: str = phrase("Instruction over a choice: mark one.")
    contents_heading: str = phrase("Heading over the packet's list of handouts.")
    emergency_label: str = phrase("Label before the emergency number.")
    hours_label: str = phrase("Label before the clinic's phone hours.")
    address_label: str = phrase("Label before the clinic's address.")
    warning_credit: str = phrase("Line saying the warning signs are the clinic's advice; "
                                 "{clinic} is filled in.")
    notes_heading: str = phrase("Heading of a notes page.")
    notes_intro: str = phrase("One sentence on a notes page.")
    picture_alt_prefix: str = phrase("Word before a picture's description for screen readers.")
    months: tuple[str, ...] = spec("The twelve month names, January first.", min_items=12,
                                   max_items=12)
    date_format: str = phrase("How a date is written; {day}, {month} and {year} are filled in.")
    web: WebPhrases = spec("The words only the web pages print: their links and menus.")
    online_label: str | None = phrase("Words beside the QR code that leads to the clinic's "
                                    "web address, such as: Read this online.", None)
    translation_reviewed: bool = spec("false while a qualified translator has not yet checked "
                                      "this language's text; every page then says so.", True)
    translation_notice: str | None = phrase("The small print on every page while "
                                          "translation_reviewed is false.", None)
    mark: Mark | None = location()


# ---- glossary -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """A medical word, how to say it and what it means."""

    term: str = spec("The word or words, as written in the handouts.")
    say: str = spec("How to say it, such as PAN-kree-us.")
    means: str = spec("A plain definition in one or two sentences.")
    also: tuple[str, ...] = spec("Other forms to look for (plurals ending -s, -es, -ies are "
                                 "found anyway).", ())
    always: bool = spec("true to list the term even though it is an everyday word (such as "
                        "stage or grade), which words to know otherwise leave out.", False)
    say_lang: str | None = spec("The language of 'say' when it is not the handout's own, such "
                                "as en for the English term a Spanish reader will hear.", None,
                                pattern="lang")
    mark: Mark | None = location()


@dataclass(frozen=True)
class Glossary:
    """Words to know, one file per language (handouts/<lang>/glossary.yaml)."""

    terms: tuple[Term, ...] = spec("The words to know.", min_items=1)
    mark: Mark | None = location()


# ---- blocks of a section ------------------------------------------------------------------------

@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text."""

    text: str = spec("The text; **two stars** on each side make words bold.")
    mark: Mark | None = location()


@dataclass(frozen=True)
class BulletList:
    """A bulleted list."""

    items: tuple[str, ...] = spec("The items.", min_items=1, long_list=True)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Picture:
    """A picture with caption and alt text: an SVG, PNG or JPEG from the assets folder, or a
    drawing the project makes (pancreas)."""

    caption: str = spec("The caption printed under the picture.")
    alt: str = spec("A description of the picture for people who cannot see it.")
    how_to_use: str = spec("One line telling the patient how to use the picture.")
    file: str | None = spec("An SVG, PNG or JPEG inside the assets folder, such as "
                            "images/stages.svg.", None, pattern="asset")
    drawing: str | None = spec("A drawing the project makes instead of a file: pancreas.",
                               None, choices=tuple(DRAWINGS))
    labels: dict[str, str] = spec(
        "Words printed in the picture, by the id of the text they replace (for the pancreas "
        "drawing: liver, stomach, pancreas, gallbladder, duodenum, spleen, bile_duct, "
        "small_intestine).", {}, key_pattern="label", max_length=LABEL_LENGTH)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Blank:
    """One labelled line to write on."""

    name: str = spec("Short name of the blank: lower-case letters, digits and _.", pattern="name")
    label: str = spec("The label printed before the line.", max_length=LABEL_TEXT)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Blanks:
    """Labelled lines to write on, such as the care team's names and phones."""

    name: str = spec("Short name of the group.", pattern="name")
    items: tuple[Blank, ...] = spec("The blanks.", min_items=1, long_list=True)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Checklist:
    """Tick boxes, each optionally with a date line."""

    name: str = spec("Short name of the checklist.", pattern="name")
    items: tuple[Blank, ...] = spec("The items.", min_items=1, long_list=True)
    dates: bool = spec("true to give each item a date line.", False)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Option:
    """One choice of a choice block, with its plain meaning."""

    name: str = spec("Short name of the choice, such as 1 or not_known.", pattern="option")
    label: str = spec("The choice as printed, such as Stage 1.", max_length=100)
    meaning: str = spec("One line saying what the choice means.", max_length=PHRASE_LENGTH)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Choice:
    """Pick one of several options (stage, grade)."""

    name: str = spec("Short name of the choice.", pattern="name")
    label: str = spec("The question printed above the options.", max_length=LABEL_TEXT)
    options: tuple[Option, ...] = spec("The options; only one can be chosen.", min_items=2,
                                       long_list=True)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Column:
    """A column of a log."""

    name: str = spec("Short name of the column.", pattern="name")
    label: str = spec("The column heading.", max_length=LABEL_LENGTH)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Log:
    """A table filled in by hand (visits, medicines)."""

    name: str = spec("Short name of the log.", pattern="name")
    columns: tuple[Column, ...] = spec("The columns.", min_items=1, max_items=6)
    rows: int = spec("How many rows to write in.", minimum=1, maximum=40)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Notes:
    """Ruled lines for notes."""

    name: str = spec("Short name of the notes.", pattern="name")
    label: str = spec("The heading over the lines.", max_length=LABEL_TEXT)
    lines: int = spec("How many lines.", minimum=1, maximum=40)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Question:
    """A question to ask the care team, with lines for the answer."""

    name: str = spec("Short name of the question, the same in every language; it names the "
                     "answer's form field, so keep it when the words change.", pattern="name")
    ask: str = spec("The question as printed.", max_length=ITEM_TEXT)
    mark: Mark | None = location()


# The YAML key of a block -> its model; a block with one field takes that field's value directly.
BLOCK_TYPES = {
    "paragraph": Paragraph,
    "list": BulletList,
    "picture": Picture,
    "blanks": Blanks,
    "checklist": Checklist,
    "choice": Choice,
    "log": Log,
    "notes": Notes,
}
Block = Paragraph | BulletList | Picture | Blanks | Checklist | Choice | Log | Notes


@dataclass(frozen=True)
class Section:
    """A heading and its blocks."""

    heading: str = spec("An informative heading, in sentence case.")
    blocks: tuple[Block, ...] = spec("The blocks: paragraph, list, picture, blanks, checklist, "
                                     "choice, log or notes.", min_items=1)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Handout:
    """One topic handout (handouts/<set>/<lang>/<topic>.yaml)."""

    title: str = spec("The handout's title.", max_length=PHRASE_LENGTH)
    main_message: str = spec("The one thing the patient should remember.",
                             max_length=ITEM_TEXT)
    key_points: tuple[str, ...] = spec("A short summary for the first page.", min_items=1,
                                       max_items=5)
    last_reviewed: datetime.date = spec("The date a clinician last checked the text, "
                                        "YYYY-MM-DD.")
    review_every_months: int = spec("How many months until the text must be checked again.",
                                    minimum=1, maximum=60)
    sections: tuple[Section, ...] = spec("The sections.", min_items=1)
    questions: tuple[Question, ...] = spec("Questions to ask the care team.", min_items=1,
                                           long_list=True)
    sources: tuple[str, ...] = spec("Where the facts come from, in plain words; {clinic} "
                                    "prints the clinic's name.", min_items=1)
    warning_signs: tuple[str, ...] = spec(
        "Warning signs of this topic only, added to the clinic's (such as a surgery wound).",
        (), max_length=ITEM_TEXT)
    topic: str = location("")
    lang: str = location("")
    mark: Mark | None = location()
    value_marks: dict | None = location()  # where each top-level value was typed

    @property
    def next_review(self) -> datetime.date:
        return add_months(self.last_reviewed, self.review_every_months)


def add_months(date: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or that month's last day when it is shorter."""
    month = date.month - 1 + months
    year, month = date.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class SetTopics:
    """A set's topics in order, the same for every language (handouts/<set>/set.yaml)."""

    topics: tuple[str, ...] = spec("The set's topics in the order of its packet; each is a file "
                                   "<topic>.yaml in every language folder of the set.",
                                   min_items=1, pattern="topic")
    mark: Mark | None = location()


@dataclass(frozen=True)
class SetLanguage:
    """A set's title and own warning signs in one language (handouts/<set>/<lang>/set.yaml)."""

    title: str = spec("The set's title, printed on its packet's cover.",
                      max_length=PHRASE_LENGTH)
    warning_signs: tuple[str, ...] = spec(
        "Warning signs of this set only, added to the clinic's on every handout of the set.",
        (), max_length=ITEM_TEXT)
    mark: Mark | None = location()


@dataclass(frozen=True)
class Language:
    """The words one language folder holds, shared by every set (handouts/<lang>/)."""

    code: str
    phrases: Phrases
    glossary: Glossary


@dataclass(frozen=True)
class SetEdition:
    """One set in one language: its title, its extra glossary and the topics written so far."""

    lang: str
    info: SetLanguage
    handouts: dict[str, Handout]   # topic -> handout, in the set's order; may lack some
    glossary: Glossary             # the language's glossary with the set's own terms added
    complete: bool                 # every topic of the set is there (so it gets a packet)


@dataclass(frozen=True)
class HandoutSet:
    """A set of handouts on one condition, in every language it is written in."""

    name: str
    topics: tuple[str, ...]
    languages: dict[str, SetEdition]


@dataclass(frozen=True)
class Content:
    """All content of a run: the clinic, the languages and the sets."""

    clinic: Clinic
    languages: dict[str, Language]
    sets: dict[str, HandoutSet]


# ---- conversion ---------------------------------------------------------------------------------

_INVALID = object()
_OPTION = re.compile(r"[a-z0-9][a-z0-9_]{0,39}\Z")
_PATTERNS = {
    "name": (_NAME, "use lower-case letters, digits and _, starting with a letter "
                    "(such as care_team)"),
    "option": (_OPTION, "use lower-case letters, digits and _ (such as 1 or not_known)"),
    "asset": (_ASSET, "give a path inside the assets folder, such as images/logo.png "
                      "(no '..', no leading '/', no web address)"),
    "web": (_WEB, "give a full web address starting with https://"),
    "topic": (TOPIC_NAME, "use lower-case letters, digits and -, such as follow-up"),
    "lang": (LANG_CODE, "use a language code such as en or es"),
    "label": (re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,59}\Z"), "use the id the text has in the "
              "picture: letters, digits, _, - and ."),
}


def _text_with_colon(data) -> str | None:
    """The start of a one-line text that YAML read as `name: value` because of its ': '."""
    if isinstance(data, Mapping) and len(data) == 1:
        (key, value), = data.items()
        if isinstance(value, Text) and not value.quoted and (
                value.mark.line == data.key_marks[key].line):
            return f"{key}: ..." if value else f"{key}:"
    return None


def _kind(value) -> str:
    if isinstance(value, Mapping):
        return "a group of named values"
    if isinstance(value, Sequence):
        return "a list"
    return "text"


class _Converter:
    """Turns located data into model objects, reporting every problem to `problems`."""

    def __init__(self, problems: Problems):
        self.problems = problems

    def error(self, at, message: str) -> None:
        self.problems.at(at, message)

    def warn(self, at, message: str) -> None:
        self.problems.at(at, message, "warning")

    def obj(self, cls, data, what: str):
        if not isinstance(data, Mapping):
            self.error(data, f"{what} should be a group of named values (lines of "
                       f"'name: value'), not {_kind(data)}")
            return _INVALID
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
        for key in data:
            if key not in fields:
                hint = did_you_mean(key, fields) or f"; the names here are {', '.join(fields)}"
                self.problems.error(data.key_marks[key].path, data.key_marks[key].line,
                                    data.key_marks[key].col, f"unknown name '{key}'{hint}")
        values, ok = {}, True
        for name, f in fields.items():
            if name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    self.error(data, f"'{name}' is missing from {what}; add it: "
                               f"{f.metadata['doc'][0].lower()}{f.metadata['doc'][1:]}")
                    ok = False
                continue
            value = self.value(data[name], hints[name], f.metadata, f"'{name}'")
            if value is _INVALID:
                ok = False
            else:
                values[name] = value
        internal = {f.name for f in dataclasses.fields(cls)}
        if "mark" in internal:
            values["mark"] = data.mark
        if "value_marks" in internal:
            values["value_marks"] = {key: value.mark for key, value in data.items()}
        return cls(**values) if ok else _INVALID

    def value(self, data, hint, meta, what: str):
        origin = typing.get_origin(hint)
        if origin in (typing.Union, types.UnionType):
            if hint == Block:
                return self.block(data)
            hint = next(a for a in typing.get_args(hint) if a is not type(None))
            return self.value(data, hint, meta, what)
        if origin is tuple:
            return self.items(data, typing.get_args(hint)[0], meta, what)
        if origin is dict:
            return self.named(data, typing.get_args(hint)[1], meta, what)
        if dataclasses.is_dataclass(hint):
            return self.obj(hint, data, what)
        if not isinstance(data, Text):
            typed = _text_with_colon(data) if hint is str else None
            self.error(data, f"{what} has ': ' in it, so YAML reads it as a name and a value, "
                       f"not as text; put the whole text in double quotes, like \"{typed}\""
                       if typed else f"{what} should be {self.expected(hint)}, not {_kind(data)}")
            return _INVALID
        if hint is str:
            return self.text(data, meta, what)
        if hint is int:
            return self.number(data, meta, what)
        if hint is bool:
            if data.lower() in ("true", "false"):
                return data.lower() == "true"
            self.error(data, f"{what} should be true or false, not '{data}'")
            return _INVALID
        if hint is datetime.date:
            try:
                return read_date(data)
            except ValueError as e:
                self.error(data, f"{what} should be a date written YYYY-MM-DD (year, month, "
                           f"day), not '{data}': {e}")
                return _INVALID
        raise TypeError(hint)  # pragma: no cover - a model field of a type not handled here

    @staticmethod
    def expected(hint) -> str:
        return {int: "a whole number", bool: "true or false", datetime.date:
                "a date (YYYY-MM-DD)"}.get(hint, "text")

    def text(self, data: Text, meta, what: str):
        if data.comment and not ("pattern" in meta or "choices" in meta):  # free text only
            where = data.comment
            self.problems.warning(where.path, where.line, where.col, LEFT_OUT)
        value = unicodedata.normalize("NFC", data).strip()
        if not value:
            self.error(data, f"{what} is empty; write the text, or remove the line")
            return _INVALID
        if len(value) > meta.get("max_length", TEXT_LENGTH):
            limit = meta.get("max_length", TEXT_LENGTH)
            advice = ("a word or two" if limit < 100 else "a shorter address"
                      if meta.get("pattern") == "web" else
                      "split it into shorter paragraphs or items")
            self.error(data, f"{what} is {len(value)} characters long; keep it to {limit} or "
                       f"fewer ({advice})")
            return _INVALID
        if "choices" in meta and value not in meta["choices"]:
            choices = meta["choices"]
            self.error(data, f"'{value}' is not a choice for {what}"
                       f"{did_you_mean(value, choices) or '; choose ' + ' or '.join(choices)}")
            return _INVALID
        if "pattern" in meta:
            pattern, advice = _PATTERNS[meta["pattern"]]
            if not pattern.match(value):
                self.error(data, f"'{value}' cannot be used as {what}: {advice}")
                return _INVALID
        elif value.count("**") % 2:
            self.error(data, f"{what} has '**' without its partner; bold text needs '**' on "
                       "both sides, like **this**")
            return _INVALID
        return Text(value, data.mark, data.quoted)

    def number(self, data: Text, meta, what: str):
        if not data.strip().isdigit() or len(data.strip()) > 6:
            self.error(data, f"{what} should be a whole number, not '{data}'")
            return _INVALID
        number = int(data)
        low, high = meta.get("minimum", 0), meta.get("maximum", 10**6)
        if not low <= number <= high:
            self.error(data, f"{what} should be from {low} to {high}, not {number}")
            return _INVALID
        return number

    def items(self, data, item_hint, meta, what: str):
        if not isinstance(data, Sequence):
            if isinstance(data, Text) and not data.strip():
                self.error(data, f"{what} is empty; add its items, each on a line starting "
                           "with '- '")
            else:
                self.error(data, f"{what} should be a list (lines starting with '- '), "
                           f"not {_kind(data)}")
            return _INVALID
        if len(data) < meta.get("min_items", 0):
            self.error(data, f"{what} needs at least {meta['min_items']} item(s), "
                       f"it has {len(data)}")
            return _INVALID
        if len(data) > meta.get("max_items", 10**9):
            self.error(data, f"{what} can have at most {meta['max_items']} items, it has "
                       f"{len(data)}; remove some")
            return _INVALID
        if meta.get("long_list") and len(data) > EASY_LIST_LENGTH:
            self.warn(data, f"{what} has {len(data)} items; lists of {EASY_LIST_LENGTH} or fewer "
                      "are easier to take in, so split it into two")
        item_meta = {k: v for k, v in meta.items() if k in ("pattern", "choices", "max_length")}
        values = [self.value(item, item_hint, item_meta, f"an item of {what}") for item in data]
        return _INVALID if _INVALID in values else tuple(values)

    def named(self, data, value_hint, meta, what: str):
        """A group of values by name (language codes, label ids), each checked by its pattern."""
        if not isinstance(data, Mapping):
            self.error(data, f"{what} should be a group of named values (lines of "
                       f"'name: value'), not {_kind(data)}")
            return _INVALID
        if len(data) < meta.get("min_items", 0):
            self.error(data, f"{what} needs at least {meta['min_items']} entry")
            return _INVALID
        pattern, advice = _PATTERNS[meta["key_pattern"]]
        item_meta = {k: v for k, v in meta.items() if k in ("choices", "max_length")}
        values, ok = {}, True
        for key, value in data.items():
            if not pattern.match(key):
                mark = data.key_marks[key]
                self.problems.error(mark.path, mark.line, mark.col,
                                    f"'{key}' cannot be used as a name in {what}: {advice}")
                ok = False
                continue
            converted = self.value(value, value_hint, item_meta, f"'{key}' in {what}")
            ok = ok and converted is not _INVALID
            values[Text(key, data.key_marks[key])] = converted
        return values if ok else _INVALID

    def block(self, data):
        if not isinstance(data, Mapping) or len(data) != 1:
            self.error(data, "a block is one of: " + ", ".join(BLOCK_TYPES) +
                       "; write it as '- paragraph: text' or '- list:' followed by items")
            return _INVALID
        (kind, value), = data.items()
        cls = BLOCK_TYPES.get(kind)
        if cls is None:
            mark = data.key_marks[kind]
            self.problems.error(mark.path, mark.line, mark.col, f"unknown block type '{kind}'"
                                f"{did_you_mean(kind, BLOCK_TYPES, 'use one of')}")
            return _INVALID
        fields = [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]
        if len(fields) == 1:  # `paragraph: text`, `list: [...]`
            value = self.value(value, typing.get_type_hints(cls)[fields[0].name],
                               fields[0].metadata, f"this {kind}")
            return _INVALID if value is _INVALID else cls(value, mark=data.mark)
        return self.obj(cls, value, f"this {kind}")


def to_clinic(data, problems: Problems) -> Clinic | None:
    return _none(_Converter(problems).obj(Clinic, data, "the clinic file"))


def to_set_topics(data, problems: Problems) -> SetTopics | None:
    topics = _none(_Converter(problems).obj(SetTopics, data, "the set file"))
    if topics:
        seen = set()
        for topic in topics.topics:
            if topic in RESERVED_TOPICS:
                problems.at(topic, f"'{topic}' is a name the output uses for itself; call the "
                            "topic something else (names taken: " + ", ".join(RESERVED_TOPICS)
                            + ")")
            elif topic in seen:
                problems.at(topic, f"'{topic}' is listed twice; list each topic once")
            seen.add(topic)
    return topics


def to_set_language(data, problems: Problems) -> SetLanguage | None:
    return _none(_Converter(problems).obj(SetLanguage, data, "the set's title file"))


def to_phrases(data, problems: Problems) -> Phrases | None:
    phrases = _none(_Converter(problems).obj(Phrases, data, "the phrases file"))
    if phrases:
        _check_placeholders(phrases, problems)
        if not phrases.translation_reviewed and not phrases.translation_notice:
            problems.at(phrases, "translation_reviewed is false, so add translation_notice: the "
                        "line printed on every page saying the translation is not yet checked")
    return phrases


def to_glossary(data, problems: Problems) -> Glossary | None:
    glossary = _none(_Converter(problems).obj(Glossary, data, "the glossary"))
    if glossary:
        seen: dict[str, Term] = {}
        for term in glossary.terms:
            for form in (term.term, *term.also):
                key = form.casefold()
                if key in seen and seen[key] is not term:
                    problems.at(form, f"'{form}' is already listed (line "
                                f"{seen[key].mark.line}); keep it in one entry")
                seen.setdefault(key, term)
    return glossary


def to_handout(data, topic: str, lang: str, problems: Problems) -> Handout | None:
    handout = _none(_Converter(problems).obj(Handout, data, "the handout"))
    if handout:
        handout = dataclasses.replace(handout, topic=topic, lang=lang)
        _check_field_names(handout, problems)
        _check_pictures(handout, problems)
        _check_headings(handout, problems)
    return handout


HEADING_LENGTH = 80  # characters: longer reads as a sentence, not a signpost


def _check_headings(handout: Handout, problems: Problems) -> None:
    for section in handout.sections:
        length = len(plain(section.heading))
        if length > HEADING_LENGTH:
            problems.at(section.heading, f"this heading is {length} characters long; a heading "
                        f"is read at a glance, so keep it to {HEADING_LENGTH} or fewer and move "
                        "the rest into the text below it", "warning")


def _check_pictures(handout: Handout, problems: Problems) -> None:
    for section in handout.sections:
        for block in section.blocks:
            if not isinstance(block, Picture):
                continue
            if (block.file is None) == (block.drawing is None):
                problems.at(block, "a picture needs either 'file' (an image in the assets "
                            "folder) or 'drawing' (pancreas), and not both")
            elif block.drawing:
                parts = DRAWINGS[block.drawing]
                for label in block.labels:
                    if label not in parts:
                        problems.at(label, f"the {block.drawing} drawing has no part "
                                    f"'{label}'{did_you_mean(label, parts, 'its parts are')}")


def _none(value):
    return None if value is _INVALID else value


# The placeholders the layout fills in each phrase; every other phrase takes none.
_PLACEHOLDERS = {"reviewed_label": {"date"}, "next_review_label": {"date"},
                 "page_label": {"page", "pages"}, "date_format": {"day", "month", "year"},
                 "warning_credit": {"clinic"}}


def _check_placeholders(phrases: Phrases, problems: Problems) -> None:
    for f in dataclasses.fields(phrases):
        text = getattr(phrases, f.name)
        if not isinstance(text, str):
            continue
        allowed = _PLACEHOLDERS.get(f.name, set())
        found = set(re.findall(r"\{([^{}]*)\}", text))
        for unknown in sorted(found - allowed):
            fills = " and ".join("{" + a + "}" for a in sorted(allowed))
            problems.at(text, f"'{{{unknown}}}' is not filled in here; "
                        + (f"use {fills}" if allowed else "remove it (only the words as "
                           "written are printed here)"))
        if text.count("{") != text.count("}"):
            problems.at(text, "a '{' or '}' has no partner")
        elif allowed and ("{{" in text or "}}" in text):  # format() prints {{date}} as {date}
            problems.at(text, "'{{' and '}}' print as '{' and '}'; write a placeholder with one "
                        "brace on each side, such as {" + min(allowed) + "}")


def field_name(topic: str, name: str) -> str:
    """The full name of a form field: `<topic>.<name>`, or `packet.<name>` for the patient's
    name and the date given, which every handout of a packet shares."""
    return f"packet.{name}" if name in PACKET_FIELDS else f"{topic}.{name}"


def asked_field(question: Question) -> str:
    """The short name of a question's tick box; the answer's field is the question's name."""
    return f"{question.name}_asked"


def checklist_fields(block: Checklist, item: Blank) -> tuple[str, str | None]:
    """The short names of a checklist item's tick box and of its date line, if it has one."""
    box = f"{block.name}_{item.name}"
    return box, (f"{box}_date" if block.dates else None)


def log_field(block: Log, row: int, column: Column) -> str:
    return f"{block.name}_{row}_{column.name}"


def field_names(handout: Handout) -> list[tuple[str, object]]:
    """Every blank's short field name (without the topic) and the model object it belongs to.

    Every name comes from a name written in the content, never from a position, so moving,
    adding or removing a question or blank never moves a saved answer to another one.
    """
    names: list[tuple[str, object]] = [(name, handout) for name in PACKET_FIELDS]
    for section in handout.sections:
        for block in section.blocks:
            if isinstance(block, Blanks):
                names += [(f"{block.name}_{item.name}", item) for item in block.items]
            elif isinstance(block, Checklist):
                for item in block.items:
                    names += [(name, item) for name in checklist_fields(block, item) if name]
            elif isinstance(block, Choice | Notes):
                names.append((block.name, block))
            elif isinstance(block, Log):
                names += [(log_field(block, row, col), block)
                          for row in range(1, block.rows + 1) for col in block.columns]
    for question in handout.questions:
        names += [(question.name, question), (asked_field(question), question)]
    return names


def _check_field_names(handout: Handout, problems: Problems) -> None:
    seen: dict[str, object] = {}
    for name, owner in field_names(handout):
        if name in seen and owner is not handout:
            problems.at(owner, f"the name '{name}' is used twice in this handout; give each "
                        "question and blank its own name")
        seen.setdefault(name, owner)
    asked: dict[str, Question] = {}
    for question in handout.questions:
        key = " ".join(plain(question.ask).casefold().split())
        if key in asked:
            problems.at(question.ask, f"this question is already asked (line "
                        f"{asked[key].mark.line}); remove one of them")
        asked.setdefault(key, question)


def check_same_fields(handouts: list[Handout], problems: Problems) -> None:
    """A topic's questions and blanks have the same names in every language, so a patients file
    or a saved answer means the same blank whatever the language (compared with the first)."""
    first, *others = handouts
    expected = {name for name, _ in field_names(first)}
    for other in others:
        owners = dict(field_names(other))
        names = set(owners)
        missing, extra = sorted(expected - names), sorted(names - expected)
        if missing or extra:
            said = []
            if missing:
                said.append("it lacks " + ", ".join(missing))
            if extra:
                said.append("it has " + ", ".join(extra) + " which the others lack")
            # Point at the first name that differs, where there is one to point at.
            owner = owners[extra[0]] if extra else other
            at = owner.name if isinstance(getattr(owner, "name", None), Text) else owner
            problems.at(at, f"the questions and blanks must have the same names in every "
                        f"language (compared with {first.lang}/{first.topic}.yaml): "
                        + "; ".join(said) + "; use the same 'name' for the same question")


BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
SPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """The text as a reader sees it: no stars, spaces folded."""
    return SPACE.sub(" ", BOLD.sub(r"\1", text)).strip()


def texts(obj):
    """Every piece of staff text in a model object, in reading order (for checks, glossary)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, tuple):
        for item in obj:
            yield from texts(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from texts(item)
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            if not f.metadata.get("internal") and f.name not in ("name", "file", "drawing"):
                yield from texts(getattr(obj, f.name))
