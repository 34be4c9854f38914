"""Content folder -> validated model -> rendered PDFs, written all-or-nothing with a manifest.

The pipeline is `source -> model -> render -> write`. Everything is read and checked before
anything is written; with any content error the run writes nothing. PDFs are rendered in memory,
then each file is written under a temporary name and renamed over the old one, so a failed or
killed run leaves every earlier PDF as it was.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.platypus.doctemplate import LayoutError

from .content import model
from .content.assets import find_image
from .content.errors import Problem, Problems, did_you_mean
from .content.model import plain
from .content.source import Text, read_yaml
from .pdf.markup import describe, unprintable
from .write import terminate_cleanly, write_all

_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?\Z")
_SPECIAL_FILES = ("phrases", "glossary")


class UsageError(Exception):
    """The command was asked for something that does not exist (exit 2)."""


@dataclass(frozen=True)
class Options:
    src: Path = Path("handouts")
    out: Path = Path("build")
    topics: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    editions: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    check: bool = False
    strict: bool = False
    preview: bool = False     # also write a PNG contact sheet beside each PDF
    today: datetime.date | None = None   # for the review-date check; None means today
    fill: Path | None = None      # a patients CSV: write one filled packet per row instead
    flatten: bool = False
    jobs: int = 1                 # processes for rendering and filling
    shard: str | None = None      # "K/N"
    list_fields: bool = False     # only print the header line of a patients file


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    written: list[dict] = field(default_factory=list)
    exit_code: int = 0
    rows: int = 0                 # --fill: the patient rows that are good (in this shard)
    listing: str = ""             # --list-fields: the header line to print


# ---- find and load -------------------------------------------------------------------------------

def languages_in(src: Path) -> list[str]:
    return sorted(d.name for d in src.iterdir() if d.is_dir() and _LANG.match(d.name)
                  and any(d.glob("*.yaml")))


def load(src: Path, langs: tuple[str, ...], problems: Problems) -> model.Content | None:
    """Read and validate the clinic and every selected language; None if anything is wrong."""
    if not src.is_dir():
        raise UsageError(f"{src}: no such content folder; give the folder that holds clinic.yaml")
    present = languages_in(src)
    for lang in langs:
        if lang not in present:
            raise UsageError(f"--lang {lang}: there is no folder {src / lang} with handouts"
                             f"{did_you_mean(lang, present, 'languages here:')}")
    clinic_data = read_yaml(src / "clinic.yaml", problems)
    clinic = model.to_clinic(clinic_data, problems) if clinic_data is not None else None
    languages = {}
    for lang in langs or present:
        language = _load_language(src / lang, lang, problems)
        if language:
            languages[lang] = language
    if not present:
        problems.error(src, 0, 0, "no language folder (such as en/) with handouts was found")
    if clinic is None or any(lang not in languages for lang in langs or present):
        return None
    return model.Content(clinic, languages)


def _load_language(folder: Path, lang: str, problems: Problems) -> model.Language | None:
    known = (*_SPECIAL_FILES, *model.TOPICS)
    for extra in sorted(folder.glob("*.yaml")):
        if extra.stem not in known:
            files = [f"{k}.yaml" for k in known]
            problems.error(extra, 0, 0, f"'{extra.name}' is not a file this tool reads"
                           f"{did_you_mean(extra.name, files, 'the files are')}")
    loaded = {}
    for name in known:
        path = folder / f"{name}.yaml"
        if not path.exists():
            problems.error(path, 0, 0, f"{path.name} is missing; every language folder needs "
                           "phrases.yaml, glossary.yaml and the four handouts")
            continue
        data = read_yaml(path, problems)
        if data is None:
            continue
        if name == "phrases":
            loaded[name] = model.to_phrases(data, problems)
        elif name == "glossary":
            loaded[name] = model.to_glossary(data, problems)
        else:
            loaded[name] = model.to_handout(data, name, lang, problems)
    if any(loaded.get(name) is None for name in known):
        return None
    return model.Language(lang, loaded["phrases"], loaded["glossary"],
                          {topic: loaded[topic] for topic in model.TOPICS})


def check_printable(content: model.Content, problems: Problems) -> None:
    """Every character must be drawable by a bundled font, in a script we can lay out."""
    objects = [content.clinic]
    for language in content.languages.values():
        objects += [language.phrases, language.glossary, *language.handouts.values()]
    for obj in objects:
        for text in model.texts(obj):
            for char, why in unprintable(text):
                problems.at(_at_char(text, char), f"the character {describe(char)} cannot be "
                            f"printed: {why}; replace or remove it")


def _at_char(text: Text, char: str) -> Text:
    """Point at the character itself when it is on the value's first line."""
    index = text.index(char)
    if "\n" in text[:index] or not isinstance(text, Text):
        return text
    mark = dataclasses.replace(text.mark, col=text.mark.col + index + (1 if text.quoted else 0))
    return Text(text, mark, text.quoted)


def check_reviews(content: model.Content, today: datetime.date, problems: Problems) -> None:
    """A handout past its next review date gets a warning (an error under --strict)."""
    for language in content.languages.values():
        for handout in language.handouts.values():
            if today >= handout.next_review:
                mark = handout.value_marks["last_reviewed"]
                problems.warning(mark.path, mark.line, mark.col,
                                 f"this handout was due for review on "
                                 f"{handout.next_review.isoformat()}; have a clinician check it, "
                                 "then change last_reviewed to the date they did")


def check_reading(content: model.Content, src: Path, problems: Problems) -> dict:
    """Reading-level warnings for every handout; returns (lang, topic) -> figures."""
    from .content.readability import allowed_words, check_handout

    figures = {}
    for lang, language in content.languages.items():
        allowed = allowed_words(src / lang)
        for topic, handout in language.handouts.items():
            figures[lang, topic] = check_handout(handout, language.glossary, allowed, problems)
    return figures


# ---- render and write ----------------------------------------------------------------------------

def build(options: Options) -> Outcome:
    problems = Problems()
    # A fill's --lang is only the default: a row may choose any language.
    content = load(options.src, () if options.fill else options.langs, problems)
    logo, planned = None, []
    if content:
        check_printable(content, problems)
        check_reviews(content, options.today or datetime.date.today(), problems)
        reading = check_reading(content, options.src, problems)
        logo = find_image(content.clinic.logo, problems)
    if content and not problems.errors and not (options.fill or options.list_fields):
        planned = plan(content, options, logo, reading)
        check_overflows(content.clinic, [job for _, _, job in planned], problems)
    found = problems.sorted()
    if options.strict:  # warnings become errors, and say so
        found = [dataclasses.replace(p, severity="error") for p in found]
    outcome = Outcome(found)
    failed = problems.errors or (options.strict and problems.warnings)
    if failed or content is None:
        outcome.exit_code = 1
        return outcome
    if options.fill or options.list_fields:  # with --check, fill checks the file only
        return _fill(options, content, logo, outcome)
    if options.check:
        return outcome
    try:
        results = _make_pdfs([job for _, _, job in planned], options.jobs)
    except LayoutError as e:
        # The model's length limits should prevent this; if a block still cannot fit a page,
        # say so against the handouts instead of showing a traceback.
        return _too_tall(outcome, [job for _, _, job in planned], e)
    files = [(path, meta, result) for (path, meta, _), result in zip(planned, results)]
    outcome.written = write_all(options.out, files, options.preview)
    return outcome


def _too_tall(outcome: Outcome, jobs: list, error: Exception) -> Outcome:
    problems = Problems()
    for handout in dict.fromkeys(h for job in jobs for h in job.handouts):
        problems.at(handout, "something in this handout is too tall to fit on one page, even "
                    "split over pages; shorten its longest label, question or paragraph "
                    f"(the layout said: {str(error).splitlines()[0][:120]})")
    outcome.problems = sorted([*outcome.problems, *problems.sorted()])
    outcome.exit_code = 1
    return outcome


def plan(content: model.Content, options: Options, logo, reading: dict) -> list:
    """Every PDF the run will make: (relative path, manifest metadata, render job)."""
    from .content.terms import terms_used
    from .pdf.render import Job

    planned = []
    for lang, language in content.languages.items():
        topics = [t for t in model.TOPICS if not options.topics or t in options.topics]
        handouts = tuple(language.handouts[t] for t in topics)
        words = tuple(tuple(terms_used(h, language.glossary)) for h in handouts)
        for paper in options.papers or (content.clinic.paper,):
            for edition in options.editions or model.EDITIONS:
                base = dict(lang=lang, paper=paper, edition=edition)
                common = dict(clinic=content.clinic, phrases=language.phrases, edition=edition,
                              paper=paper, logo_path=str(logo.path) if logo else None,
                              notice=_notice(language.phrases))
                for handout, used in zip(handouts, words):
                    planned.append((f"{lang}/{paper}/{edition}/{handout.topic}.pdf",
                                    dict(topic=handout.topic, **base,
                                         reading_level=reading[lang, handout.topic]),
                                    Job((handout,), (used,), **common)))
                planned.append((f"{lang}/{paper}/{edition}/packet.pdf",
                                dict(topic="packet", **base),
                                Job(handouts, words, packet=True, **common)))
    return planned


def check_overflows(clinic: model.Clinic, jobs: list, problems: Problems) -> None:
    """Clinic text too long for its place in the header or footer is worth a warning."""
    from .pdf.render import overflows

    overflowed = set().union(*(overflows(job) for job in jobs))
    for value, what in ((clinic.name, "name"), (clinic.phone, "phone"),
                        (clinic.after_hours_phone, "after-hours phone")):
        if any(value in text for text in overflowed):
            problems.at(value, f"the clinic's {what} does not fit its space in the page header "
                        "or footer and would be printed much smaller; shorten it", "warning")


def _notice(phrases: model.Phrases) -> str:
    """Small print for every page while a translation is not yet checked."""
    return "" if phrases.translation_reviewed else phrases.translation_notice or ""


def _make_pdfs(jobs: list, processes: int) -> list:
    """Render every job, on several cores when there are several; results keep the jobs' order.

    Each PDF is rendered whole in one process, so the bytes do not depend on how the work was
    shared out.
    """
    if processes <= 1 or len(jobs) <= 1:
        return [_make_pdf(job) for job in jobs]
    from .workers import run_in_workers

    # Largest jobs first, so a packet does not start last.
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].handouts))
    with terminate_cleanly():
        done = dict(zip(order, run_in_workers(_make_pdf, [jobs[i] for i in order],
                                              min(processes, len(jobs)))))
    return [done[i] for i in range(len(jobs))]


def _make_pdf(job):
    """Render one PDF and lay its form fields over the blanks."""
    # ReportLab and pypdf are only imported when there is work for them.
    from .pdf.fields import add_fields
    from .pdf.render import render

    rendered = render(job)
    title = job.phrases.packet_title if job.packet else job.handouts[0].title
    # The structure tree is written into the PDF here; it is not needed afterwards.
    return dataclasses.replace(rendered, structure=None, pdf=add_fields(
        rendered.pdf, rendered.field_spots, job.edition, rendered.structure, plain(title),
        job.handouts[0].lang))


def _fill(options: Options, content: model.Content, logo, outcome: Outcome) -> Outcome:
    """Fill a blank packet per patient row, in the language, edition and paper the row chooses
    (the run's options by default); with --check, only check the patients file."""
    from .content.terms import terms_used
    from .fill.batch import Packets, Shard, field_header, fill_patients
    from .pdf.render import Job

    for name, chosen in (("--lang", options.langs), ("--edition", options.editions),
                         ("--paper", options.papers)):
        if len(chosen) > 1:
            raise UsageError(f"--fill takes one {name}, the choice for every row that does "
                             "not make its own")
    try:
        shard = Shard.parse(options.shard) if options.shard else None
    except ValueError as e:
        raise UsageError(str(e)) from None
    langs = tuple(content.languages)
    for lang in options.langs:
        if lang not in langs:
            raise UsageError(f"--lang {lang}: there is no such language in the content; "
                             f"the languages are {', '.join(langs)}")

    def render(choice):
        language = content.languages[choice.lang]
        handouts = tuple(language.handouts[t] for t in model.TOPICS
                         if not options.topics or t in options.topics)
        words = tuple(tuple(terms_used(h, language.glossary)) for h in handouts)
        return _make_pdf(Job(handouts, words, content.clinic, language.phrases, choice.edition,
                             choice.paper, str(logo.path) if logo else None, packet=True,
                             notice=_notice(language.phrases)))

    only = lambda chosen, fallback: chosen[0] if chosen else fallback  # noqa: E731
    packets = Packets(render, sets=("",),
                      options={"lang": langs, "edition": model.EDITIONS, "paper": model.PAPERS},
                      defaults={"set": "", "lang": only(options.langs, langs[0] if len(langs) == 1
                                                        else None),
                                "edition": only(options.editions, "standard"),
                                "paper": only(options.papers, content.clinic.paper)})
    if options.list_fields:
        outcome.listing = field_header(packets)
        return outcome
    problems = Problems()
    filled = fill_patients(options.fill, packets, problems, None if options.check else options.out,
                           options.flatten, options.jobs, shard)
    outcome.problems = sorted([*outcome.problems, *problems.sorted()])
    outcome.rows, outcome.written = filled.rows, filled.written
    outcome.exit_code = 1 if problems.errors else 0
    return outcome
