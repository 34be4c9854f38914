"""Content folder -> every PDF of the selected sets, written all-or-nothing with a manifest.

A straight list of stages: find and load the content, check it, plan the outputs, render them,
write them. Everything is read and checked before anything is written; with any content error
the run writes nothing. Writing, locking and signals live in write.py.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
from dataclasses import dataclass
from pathlib import Path

from reportlab.platypus.doctemplate import LayoutError

from . import cache
from . import document as doc
from .content import library, model
from .content.assets import find_asset
from .content.errors import Problems, did_you_mean
from .content.library import UsageError
from .content.model import plain
from .content.source import Text, column_after
from .options import FORMATS, Options
from .outcome import Outcome
from .pdf.markup import describe, unprintable
from .state import file_digest, input_key, is_up_to_date, read_state
from .unchanged import RunInputs, changed_sets, record_bytes, run_digest
from .write import (
    keep_state,
    terminate_cleanly,
    write_all,
)

__all__ = ["FORMATS", "Options", "Outcome", "UsageError", "build"]

@dataclass(frozen=True)
class Planned:
    """One PDF the run will make: where it goes, what the manifest says of it, how to render."""

    path: str
    meta: dict
    job: object   # a pdf.render.Job


def build(options: Options, inputs: RunInputs | None = None) -> Outcome:
    """`inputs`: the run's run_digest when the caller has taken it already."""
    _check_preview(options)
    # Taken before anything is read: a file saved during the run makes the next run a full one.
    inputs = inputs or run_digest(options)
    # Only some sets' topics changed since the last run: those sets are all there is to do.
    narrowed = changed_sets(options, inputs)
    if narrowed:
        options = dataclasses.replace(options, sets=narrowed.sets)
    problems = Problems()
    cache.use(options.out)   # what a search or a check found, kept for the next run
    # A fill's --set and --lang are only defaults: a row may choose any set and language.
    selection = library.Selection() if options.fill or options.list_fields else options.selection
    content = library.load(options.src, options.clinic_file, selection, problems)
    logo, planned, pictures, web = None, [], {}, None
    if content:
        _check_topics(content, options)
        check_printable(content, problems)
        check_reviews(content, options.today or datetime.date.today(), problems)
        # The reading level is measured on the documents, which need sound phrases: with
        # errors already found, it waits for the next run.
        reading = {} if problems.errors else check_reading(content, options.src, problems)
        logo = find_asset(content.clinic.logo, options.assets, problems, kinds=("png", "jpeg"),
                          logo=True)
        pictures = check_pictures(content, options.assets, problems)
        if not content.clinic.web:
            problems.at(content.clinic, "the clinic file has no 'web' address, so no handout "
                        "prints a QR code to its web page; add web: with the address where "
                        "the site/ folder is published", "warning")
    if content and not problems.errors and not (options.fill or options.list_fields):
        planned = plan(content, options, logo, reading, pictures)
        web = plan_site(content, options, logo, reading, pictures, planned)
        planned += web.pdfs if web else []
        check_overflows(content.clinic, [p.job for p in planned], problems)
    found = problems.sorted()
    if narrowed:
        found = sorted({*found, *narrowed.problems})
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
    seen: dict = {}
    keys = {p.path: input_key(p.job, _assets_drawn(p.job, options), seen) for p in planned}
    recorded = {} if options.force else read_state(options.out)
    kept = {p.path: recorded[p.path] for p in planned
            if is_up_to_date(options.out, p.path, keys[p.path], recorded, options.preview)}
    to_make = [p for p in planned if p.path not in kept]
    if narrowed:
        kept = {**narrowed.kept, **kept}
    # A PDF the site offers shares its job with the printed one, and is rendered once.
    jobs = list({id(p.job): p.job for p in to_make}.values())
    try:
        results = dict(zip(map(id, jobs), _make_pdfs(jobs, options.jobs)))
    except LayoutError as e:
        # The model's length limits should prevent this; if a block still cannot fit a page,
        # say so against the handouts instead of showing a traceback.
        return _too_tall(outcome, jobs, e)
    pages = {p.path: results[id(p.job)].pages for p in to_make}
    pages.update((path, record["entry"].get("pages", 0)) for path, record in kept.items())
    if _check_lengths(planned, pages, outcome, options.strict):
        return outcome
    made = [(p.path, p.meta, results[id(p.job)], keys[p.path]) for p in to_make]
    # What the renders' searches found (the workers' and this process's), kept with the outputs.
    found = {path: data for result in results.values() for path, data in result.found.items()}
    if web:
        made, kept = web.add_pages(made, kept, options.out, recorded)
    found.update(cache.take())   # the web pages' drawings are made in this process
    # A next run with nothing changed replays this one (unchanged.py).
    record = (lambda entries: record_bytes(inputs, outcome.problems, entries, options.out)
              ) if inputs else None
    outcome.written = write_all(options.out, made, kept, options.preview, found, record)
    return outcome


def _assets_drawn(job, options: Options) -> list[Path]:
    """The files a render job draws from the assets folder: the logo and file pictures."""
    files = [Path(job.logo_path)] if job.logo_path else []
    for document in job.documents:
        for block in (*document.read, *document.write):
            blocks = block.blocks if isinstance(block, doc.Section) else (block,)
            files += [options.assets / b.picture.file for b in blocks
                      if isinstance(b, doc.Figure) and b.picture.file]
    return files


# ---- checks -------------------------------------------------------------------------------------

def _check_preview(options: Options) -> None:
    """--preview needs an optional extra: say so before any work, not after rendering."""
    if options.preview and not options.check and not options.fill:
        from .pdf.preview import missing

        if missing():
            raise UsageError(missing())


def _check_topics(content: model.Content, options: Options) -> None:
    known = sorted({t for s in content.sets.values() for t in s.topics})
    for topic in options.topics:
        if topic not in known:
            raise UsageError(f"--topic {topic}: no set here has that topic"
                             f"{did_you_mean(topic, known, 'the topics are:')}")


def _content_objects(content: model.Content):
    yield content.clinic
    for language in content.languages.values():
        yield from (language.phrases, language.glossary)
    for handout_set in content.sets.values():
        for edition in handout_set.languages.values():
            yield edition.info
            yield from edition.handouts.values()


def check_printable(content: model.Content, problems: Problems) -> None:
    """Every character must be drawable by a bundled font, in a script we can lay out."""
    for obj in _content_objects(content):
        for text in model.texts(obj):
            for char, why in unprintable(text):
                problems.at(_at_char(text, char), f"the character {describe(char)} cannot be "
                            f"printed: {why}; replace or remove it")


def _at_char(text: Text, char: str) -> Text:
    """Point at the character itself when it is on the value's first line."""
    index = text.index(char)
    if "\n" in text[:index] or not isinstance(text, Text):
        return text
    before = text[:index]
    mark = dataclasses.replace(text.mark, col=text.mark.col + column_after(before) - 1
                               + (1 if text.quoted else 0))
    return Text(text, mark, text.quoted)


def check_reviews(content: model.Content, today: datetime.date, problems: Problems) -> None:
    """Text past its next review date gets a warning (an error under --strict); a review date
    after today is an error: the review has not happened yet."""
    advice = ("have a clinician check it, then change last_reviewed to the date they did")

    def future(reviewed: datetime.date) -> str:
        return (f"last_reviewed is {reviewed.isoformat()}, after today ({today.isoformat()}), "
                "and a review cannot have happened yet; write the date the clinician checked "
                "the text (check the year)")

    for handout_set in content.sets.values():
        for edition in handout_set.languages.values():
            for handout in edition.handouts.values():
                if handout.last_reviewed > today:
                    mark = handout.value_marks["last_reviewed"]
                    problems.error(mark.path, mark.line, mark.col, future(handout.last_reviewed))
                elif today >= handout.next_review:
                    mark = handout.value_marks["last_reviewed"]
                    problems.warning(mark.path, mark.line, mark.col,
                                     f"this handout was due for review on "
                                     f"{handout.next_review.isoformat()}; {advice}")
    for lang, local in content.clinic.languages.items():
        signs = local.warning_signs
        if signs.last_reviewed > today:
            problems.at(signs, f"the warning signs in '{lang}': {future(signs.last_reviewed)}")
        elif lang in content.languages and today >= signs.next_review:
            problems.at(signs, f"the warning signs in '{lang}' were due for review on "
                        f"{signs.next_review.isoformat()}; {advice}", "warning")


def check_pictures(content: model.Content, assets: Path, problems: Problems) -> dict:
    """Every picture file the handouts show, found in the assets folder and checked (an SVG is
    untrusted input); returns file -> Asset for the renderer."""
    found, sound = {}, set()
    for handout_set in content.sets.values():
        for edition in handout_set.languages.values():
            for handout in edition.handouts.values():
                for block in _pictures(handout):
                    asset = find_asset(block.file, assets, problems)
                    if asset is None:
                        continue
                    if asset.kind == "svg":
                        _check_svg_once(asset, block, sound, problems)
                    elif block.labels:
                        problems.at(next(iter(block.labels)), "a PNG or JPEG picture has no "
                                    "text to replace; write its words in the caption, or use "
                                    "an SVG picture")
                    found[str(block.file)] = asset
    return found


def _pictures(handout: model.Handout):
    """The handout's pictures drawn from a file."""
    for section in handout.sections:
        for block in section.blocks:
            if isinstance(block, model.Picture) and block.file:
                yield block


def _check_svg_once(asset, block: model.Picture, sound: set, problems: Problems) -> None:
    """Check an SVG picture with its words. A library repeats a picture with the same words in
    many sets, and runs check the same again: a file and words found sound are sound again
    (kept between runs, by the file's bytes), while a problem is found, and reported, at each
    place every time."""
    key = (file_digest(asset.path),
           tuple(sorted((str(k), str(v)) for k, v in block.labels.items())))
    if key in sound:
        return
    found_here = Problems()

    def check() -> bool:
        from .pdf.svg import check_svg

        check_svg(asset, block.labels, found_here, block.file)
        return not len(found_here)

    if cache.remembered("svg-sound", list(key), check, bool):
        sound.add(key)
        return
    if not len(found_here):   # found wanting by an earlier run: found again, to say where
        check()
    problems.extend(found_here)


def check_reading(content: model.Content, src: Path, problems: Problems) -> dict:
    """Reading-level warnings for every handout, measured on the document the PDF and the web
    page print; returns (set, lang, topic) -> figures."""
    from .readability import allowed_words, check_document

    figures = {}
    for handout_set in content.sets.values():
        for lang, edition in handout_set.languages.items():
            allowed = allowed_words(src / lang, problems)
            for topic in edition.handouts:
                document = _document(content, handout_set.name, lang, topic)
                figures[handout_set.name, lang, topic] = check_document(
                    document, edition.glossary, allowed, problems)
    return figures


# ---- plan and render ----------------------------------------------------------------------------

def plan(content: model.Content, options: Options, logo, reading: dict,
         pictures: dict) -> list[Planned]:
    """Every PDF the run will make, in a stable order."""
    from .pdf.render import Job

    planned = []
    if "pdf" not in options.output_formats:
        return planned
    logo_path = str(logo.path) if logo else None
    for name, handout_set in content.sets.items():
        topics = [t for t in handout_set.topics if not options.topics or t in options.topics]
        for lang, edition in handout_set.languages.items():
            present = [t for t in topics if t in edition.handouts]
            alone = {t: _document(content, name, lang, t,
                                  tuple(_words(content, handout_set, lang, t)))
                     for t in present}
            # The packet is made only when this run builds every topic of the set.
            packet = edition.complete and len(present) == len(handout_set.topics)
            for paper in options.papers or (content.clinic.paper,):
                for edition_name in options.editions or model.EDITIONS:
                    base = dict(set=name, lang=lang, paper=paper, edition=edition_name,
                                format="pdf")
                    folder = f"{name}/{lang}/{paper}/{edition_name}"
                    jobs = {topic: Job((alone[topic],), edition_name, paper, logo_path,
                                       pictures=pictures) for topic in present}
                    planned += [Planned(f"{folder}/{topic}.pdf",
                                        dict(topic=topic, **base,
                                             reading_level=reading[name, lang, topic]), job)
                                for topic, job in jobs.items()]
                    if packet:
                        planned.append(Planned(
                            f"{folder}/packet.pdf", dict(topic="packet", **base),
                            packet_job(content, name, lang, edition_name, paper, logo_path,
                                       pictures, tuple(jobs.values()))))
    return planned


def plan_site(content: model.Content, options: Options, logo, reading: dict, pictures: dict,
              planned: list[Planned]):
    """The web site, when the run makes it: its pages, and the PDFs they offer (the clinic's
    paper, both editions) as outputs of their own that share the printed PDFs' render jobs."""
    if "html" not in options.output_formats:
        return None
    from .html.site import Site

    offered = plan(content, dataclasses.replace(options, papers=(content.clinic.paper,),
                                                editions=(), formats=("pdf",)), logo, reading,
                   pictures)
    return Site(content, options.selection, logo, pictures, planned, offered)


def packet_job(content: model.Content, set_name: str, lang: str, edition: str, paper: str,
               logo_path: str | None, pictures: dict, parts: tuple = ()):
    """The render job of a set's packet: every topic, then one combined words to know.
    `parts`: the jobs of its topics printed alone, when the run has made them already."""
    from .pdf.render import Job

    handout_set = content.sets[set_name]
    set_edition = handout_set.languages[lang]
    parts = parts or tuple(
        Job((_document(content, set_name, lang, topic,
                       tuple(_words(content, handout_set, lang, topic))),),
            edition, paper, logo_path, pictures=pictures) for topic in handout_set.topics)
    documents = tuple(_document(content, set_name, lang, topic)
                      for topic in handout_set.topics)
    phrases = content.languages[lang].phrases
    words = _once(content, ("packet words", set_name, lang), lambda: doc.Words(
        phrases.words_heading, phrases.say_label, _combined_words(
            _words(content, handout_set, lang, topic) for topic in handout_set.topics)))
    return Job(documents, edition, paper, logo_path, packet_title=set_edition.info.title,
               words=words, cover=doc.cover(content, set_name, lang), pictures=pictures,
               parts=parts)


_memo: tuple = (None, {})


def _once(content: model.Content, key: tuple, compute):
    """compute() once per run: a library asks for the same handout's words and document for
    every edition and paper. The results belong to this run's content (held here, so they
    can never be taken for another run's)."""
    global _memo
    if _memo[0] is not content:
        _memo = (content, {})
    found = _memo[1]
    if key not in found:
        found[key] = compute()
    return found[key]


def _document(content: model.Content, set_name: str, lang: str, topic: str, words=None):
    """The handout's document: with its own words to know (printed alone), or without them
    (in its packet, and for the reading level)."""
    return _once(content, ("document", set_name, lang, topic, words is None),
                 lambda: doc.document(content, set_name, lang, topic, words))


def _words(content: model.Content, handout_set: model.HandoutSet, lang: str,
           topic: str) -> list[model.Term]:
    """A handout's words to know: the glossary terms in everything it prints, the warning
    signs of page 1 included."""
    from .content.terms import terms_used

    def words():
        edition = handout_set.languages[lang]
        handout = edition.handouts[topic]
        return terms_used(handout, edition.glossary,
                          library.warning_signs(content, handout_set, lang, handout))

    return _once(content, ("words", handout_set.name, lang, topic), words)


def _combined_words(lists) -> tuple[model.Term, ...]:
    """One alphabetical list of every handout's words to know, each term once."""
    from .content.terms import alphabetical

    terms = {id(term): term for words in lists for term in words}
    return tuple(sorted(terms.values(), key=lambda t: alphabetical(t.term)))


def check_overflows(clinic: model.Clinic, jobs: list, problems: Problems) -> None:
    """Clinic text too long for its place in the header or footer is worth a warning."""
    from .pdf.render import overflows

    overflowed = set().union(*(overflows(job) for job in jobs))
    names = [clinic.name, *(local.name for local in clinic.languages.values() if local.name)]
    places = [*((name, "name") for name in names), (clinic.phone, "phone"),
              (clinic.after_hours_phone, "after-hours phone")]
    for value, what in places:
        if any(plain(value) in text for text in overflowed):
            problems.at(value, f"the clinic's {what} does not fit its space in the page header "
                        "or footer, where text is never made smaller; shorten it", "warning")


# A handout longer than this is too much to take in at once (shipped: at most 10 and 15).
MOST_PAGES = {"standard": 12, "large-print": 20}


def _check_lengths(planned: list[Planned], pages: dict[str, int], outcome: Outcome,
                   strict: bool) -> bool:
    """Warn about a handout that runs too long; True when that fails the run (--strict)."""
    problems = Problems()
    for p in planned:
        most = MOST_PAGES[p.meta["edition"]]
        if p.meta["topic"] != "packet" and pages[p.path] > most:
            problems.at(p.job.documents[0].handout, f"this handout runs to {pages[p.path]} pages "
                        f"in the {p.meta['edition']} edition on {p.meta['paper']} paper; more "
                        f"than {most} is too much to take in at once, so shorten it or split it "
                        "into two topics", "warning")
    found = problems.sorted()
    if strict:
        found = [dataclasses.replace(p, severity="error") for p in found]
    outcome.problems = sorted([*outcome.problems, *found])
    if strict and found:
        outcome.exit_code = 1
    return bool(strict and found)


def _too_tall(outcome: Outcome, jobs: list, error: Exception) -> Outcome:
    problems = Problems()
    handouts = {id(d.handout): d.handout for job in jobs for d in job.documents}
    for handout in handouts.values():
        problems.at(handout, "something in this handout is too tall to fit on one page, even "
                    "split over pages; shorten its longest label, question or paragraph "
                    f"(the layout said: {str(error).splitlines()[0][:120]})")
    outcome.problems = sorted([*outcome.problems, *problems.sorted()])
    outcome.exit_code = 1
    return outcome


def _make_pdfs(jobs: list, processes: int) -> list:
    """Render every job, on several cores when there are several; results keep the jobs' order.

    A packet is rendered with its topics, whose layouts it draws again (pdf/replay.py), and
    each PDF is rendered whole in one process, so the bytes do not depend on how the work was
    shared out.
    """
    wanted = {id(job) for job in jobs}
    in_packets = {id(part) for job in jobs for part in job.parts}
    units = [(job, tuple(id(part) in wanted for part in job.parts))
             for job in jobs if id(job) not in in_packets]
    if processes <= 1 or len(units) <= 1:
        made = [_make_unit(unit) for unit in units]
    else:
        from .workers import run_in_workers

        # Largest first, so a packet does not start last.
        order = sorted(range(len(units)), key=lambda i: -len(units[i][0].documents))
        with terminate_cleanly():
            done = dict(zip(order, run_in_workers(_make_unit, [units[i] for i in order],
                                                  min(processes, len(units)))))
        made = [done[i] for i in range(len(units))]
    results = {id(part): rendered for (job, _), renders in zip(units, made)
               for part, rendered in zip((job, *job.parts), renders)}
    return [results[id(job)] for job in jobs]


def _make_unit(unit: tuple) -> list:
    """A job's PDF with its form fields, then those of its parts that are `wanted` (None for
    the others: up to date, or not in this run)."""
    # ReportLab and pypdf are only imported when there is work for them.
    from .pdf.fields import add_fields
    from .pdf.render import render_all

    job, wanted = unit
    renders = render_all(job, wanted)
    made = [dataclasses.replace(rendered, structure=None, found={}, pdf=add_fields(
        rendered.pdf, rendered.field_spots, made_for.edition, rendered.structure,
        plain(made_for.title), made_for.documents[0].lang)) if want else None
        for made_for, rendered, want in zip((job, *job.parts), renders, (True, *wanted))]
    # What the renders' searches found, kept with the first result.
    made[0] = dataclasses.replace(made[0], found=cache.take())
    return made


def _make_pdf(job):
    """Render one PDF and lay its form fields over the blanks."""
    return _make_unit((job, tuple(False for _ in job.parts)))[0]


def _fill(options: Options, content: model.Content, logo, outcome: Outcome) -> Outcome:
    """Fill a blank packet per patient row, in the set, language, edition and paper the row
    chooses (the run's options by default); with --check, only check the patients file."""
    from .fill.batch import Packets, Shard, field_header, fill_patients

    for name, chosen in (("--set", options.sets), ("--lang", options.langs),
                         ("--edition", options.editions), ("--paper", options.papers)):
        if len(chosen) > 1:
            raise UsageError(f"--fill takes one {name}, the choice for every row that does "
                             "not make its own")
    try:
        shard = Shard.parse(options.shard) if options.shard else None
    except ValueError as e:
        raise UsageError(str(e)) from None
    # Only sets with a complete packet in some language can be filled.
    sets = tuple(name for name, s in content.sets.items()
                 if any(e.complete for e in s.languages.values()))
    langs = tuple(content.languages)
    pictures = check_pictures(content, options.assets, Problems())
    logo_path = str(logo.path) if logo else None

    def render(choice):
        job = packet_job(content, choice.set, choice.lang, choice.edition, choice.paper,
                         logo_path, pictures)
        # The blank packet is the same until its inputs change: kept between fills.
        return cache.remembered("blank-packet", input_key(job, _assets_drawn(job, options)),
                                lambda: _blank_record(_make_pdf(job)), _blank_packet)

    only = lambda chosen, fallback: chosen[0] if chosen else fallback  # noqa: E731
    packets = Packets(render, sets=sets,
                      options={"lang": langs, "edition": model.EDITIONS, "paper": model.PAPERS},
                      defaults={"set": only(options.sets, sets[0] if len(sets) == 1 else None),
                                "lang": only(options.langs, langs[0] if len(langs) == 1
                                             else None),
                                "edition": only(options.editions, "standard"),
                                "paper": only(options.papers, content.clinic.paper)})
    if options.list_fields:
        outcome.listing = field_header(packets)
        return outcome
    problems = Problems()
    filled = fill_patients(options.fill, packets, problems,
                           None if options.check else options.out, options.flatten,
                           options.jobs, shard)
    outcome.problems = sorted([*outcome.problems, *problems.sorted()])
    outcome.rows, outcome.written = filled.rows, filled.written
    if not options.check:
        keep_state(options.out, cache.take())
    outcome.exit_code = 1 if problems.errors else 0
    return outcome


def _blank_record(rendered) -> dict:
    """A rendered blank packet as JSON data, to keep: its bytes and where its fields are."""
    return {"pdf": base64.b64encode(rendered.pdf).decode("ascii"), "pages": rendered.pages,
            "spots": [dataclasses.astuple(spot) for spot in rendered.field_spots]}


def _blank_packet(record: dict):
    from .pdf.blanks import FieldSpot
    from .pdf.render import Rendered

    spots = tuple(FieldSpot(name, kind, page, tuple(rect), tooltip, value, pitch)
                  for name, kind, page, rect, tooltip, value, pitch in record["spots"])
    return Rendered(base64.b64decode(record["pdf"], validate=True), int(record["pages"]),
                    spots, None)
