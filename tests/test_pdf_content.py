"""What a patient sees: the built PDFs' extracted text checked against the YAML content.

Covers, for both editions: every handout's title, section headings, main message, key points,
questions, the warning box (the clinic's, the set's and the topic's warning signs, the phones,
the emergency line and whose advice it is) on page 1, the sources with the clinic's name, clinic
name and both phones, then the review dates (once, in the closing); the phones and a correct
"Page N of M" in every page's footer; the label of every blank (care team, tests checklist, stage
and grade choices, log column headers, notes); the words-to-know list against the glossary terms
each handout's text uses; the packet (a cover listing the handouts with their page numbers,
bookmarks for the cover then each handout in order, each handout on an odd page, pages numbered
through the packet, spare pages filled with notes, one combined words-to-know list at its end,
one copy of each font); A4 output; and the form-field names the manifest records.
Expectations are read from the YAML with yaml.safe_load, never copied from the output.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pypdf
import pytest

from conftest import (
    ASSETS,
    SET,
    TOPICS,
    built_pdf,
    output,
    read_content,
    topic_file,
    warning_signs,
)

EDITIONS = ("standard", "large-print")
A4 = (595.28, 841.89)


# ---- content, read straight from the YAML --------------------------------------------------

@cache
def load(name: str) -> dict:
    """English content by name: clinic, phrases, glossary, set (the set's title) or a topic."""
    rel = {"clinic": "clinic.yaml", "phrases": "en/phrases.yaml",
           "glossary": "en/glossary.yaml", "set": f"{SET}/en/set.yaml"}.get(name)
    return read_content(rel or topic_file(name))


def clinic_en() -> dict:
    """What the clinic file says in English."""
    return load("clinic")["languages"]["en"]


def clinic_name() -> str:
    return clinic_en().get("name") or load("clinic")["name"]


def norm(text: str) -> str:
    """What a reader sees: our **bold** markers gone, all runs of white space one space."""
    return " ".join(text.replace("**", "").split())


def blocks(topic: str, kind: str) -> list:
    return [block[kind] for section in load(topic)["sections"] for block in section["blocks"]
            if kind in block]


def page_label_pattern() -> re.Pattern:
    label = re.escape(norm(load("phrases")["page_label"]))
    label = label.replace(re.escape("{page}"), r"(\d+)").replace(re.escape("{pages}"), r"(\d+)")
    return re.compile(label)


# ---- the PDFs ----------------------------------------------------------------------------------

@cache
def _reader(path: str) -> pypdf.PdfReader:
    return pypdf.PdfReader(path)


@cache
def _page_texts(path: str) -> tuple[str, ...]:
    return tuple(norm(page.extract_text()) for page in _reader(path).pages)


def pdf(built: Path, edition: str, name: str, paper: str = "letter") -> str:
    return str(built_pdf(built, "en", paper, edition, name))


def page_texts(built, edition, name, paper="letter") -> tuple[str, ...]:
    return _page_texts(pdf(built, edition, name, paper))


def whole_text(built, edition, name) -> str:
    return " ".join(page_texts(built, edition, name))


def page_labels(text: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in page_label_pattern().findall(text)]


def review_lines(topic: str) -> tuple[str, str]:
    """"Reviewed <date>" and "Next review <date>", from the handout's dates and the phrases."""
    phrases, data = load("phrases"), load(topic)
    year, month, day = map(int, str(data["last_reviewed"]).split("-"))
    later = month - 1 + int(data["review_every_months"])
    next_year, next_month = year + later // 12, later % 12 + 1

    def date(y, m, d):
        return phrases["date_format"].format(day=d, month=phrases["months"][m - 1], year=y)

    return (norm(phrases["reviewed_label"].format(date=date(year, month, day))),
            norm(phrases["next_review_label"].format(date=date(next_year, next_month, day))))


def phones() -> tuple[str, str]:
    clinic = load("clinic")
    return str(clinic["phone"]), str(clinic["after_hours_phone"])


# ---- text a patient reads ----------------------------------------------------------------------

@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_handout_text_is_all_there(built, edition, topic):
    data, phrases = load(topic), load("phrases")
    text = whole_text(built, edition, topic)
    expected = [data["title"], data["main_message"], *data["key_points"],
                *(section["heading"] for section in data["sections"]),
                *(question["ask"] for question in data["questions"]),
                phrases["call_heading"], *warning_signs(topic), phrases["key_points_heading"],
                phrases["questions_heading"], phrases["sources_heading"], phrases["disclaimer"],
                clinic_en()["emergency"], clinic_en()["language_help"],
                phrases["warning_credit"].format(clinic=clinic_name()),
                # {clinic} in the sources prints the clinic's name
                *(source.replace("{clinic}", clinic_name()) for source in data["sources"]),
                load("clinic")["name"], *phones()]
    assert any("{clinic}" in source for source in data["sources"])  # so the check means it
    missing = [item for item in expected if norm(str(item)) not in text]
    assert not missing
    assert "{clinic}" not in text


def warning_box(topic: str) -> list[str]:
    """What the warning box says, in reading order: heading, signs, phones, emergency, credit."""
    phrases = load("phrases")
    return [phrases["call_heading"], phrases["call_intro"], *warning_signs(topic),
            f"{phrases['phone_label']}: {phones()[0]}",
            f"{phrases['after_hours_label']}: {phones()[1]}", clinic_en()["emergency"],
            phrases["warning_credit"].format(clinic=clinic_name())]


def _in_order(text: str, items: list[str]) -> list[str]:
    """The items not found in text after the previous one (empty when all are there in order)."""
    at, out_of_order = 0, []
    for item in items:
        found = text.find(norm(item), at)
        if found < 0:
            out_of_order.append(item)
        else:
            at = found + len(norm(item))
    return out_of_order


@pytest.mark.parametrize("topic", TOPICS)
def test_page_one_reads_title_name_message_key_points_then_warning_box_then_sections(built,
                                                                                     topic):
    """Safety comes first: the warning box follows the key points, before the first section."""
    data, phrases = load(topic), load("phrases")
    text = whole_text(built, "standard", topic)
    read = [section["heading"] for section in data["sections"]
            if not any(kind in block for block in section["blocks"]
                       for kind in ("blanks", "checklist", "choice", "log", "notes"))]
    expected = [data["title"], phrases["name_label"], phrases["date_given_label"],
                phrases["main_message_heading"], data["main_message"],
                phrases["key_points_heading"], *data["key_points"], *warning_box(topic),
                read[0]]
    assert not _in_order(text, expected)


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_warning_signs_phones_and_emergency_line_are_on_page_one(built, lang, edition, topic):
    """DESIGN.md: page 1 (pages 1-2 in large print) says when to call right away."""
    clinic = read_content("clinic.yaml")
    local = clinic["languages"][lang]
    texts = _page_texts(str(built_pdf(built, lang, "letter", edition, topic)))
    first = " ".join(texts[:1 if edition == "standard" else 2])
    wanted = [*warning_signs(topic, lang), local["emergency"], clinic["phone"],
              clinic["after_hours_phone"]]
    assert all(norm(item) in first for item in wanted), [
        item for item in wanted if norm(item) not in first]


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_title_on_first_page_phones_in_every_footer_and_review_dates_in_the_closing(built,
                                                                                    edition,
                                                                                    topic):
    """DESIGN.md: the phones stand in every page's footer; the review date and the next one are
    in the closing (after the sources), once, not on every page."""
    texts = page_texts(built, edition, topic)
    assert norm(load(topic)["title"]) in texts[0]
    phone_label, after_hours_label = (norm(load("phrases")[k])
                                      for k in ("phone_label", "after_hours_label"))
    for number, text in enumerate(texts, start=1):
        for phone in phones():
            assert phone in text, f"page {number} lacks {phone}"
        assert phone_label in text and after_hours_label in text, f"page {number}"
    reviewed, next_review = review_lines(topic)
    for line in (reviewed, next_review):
        where = [number for number, text in enumerate(texts, start=1) if line in text]
        assert where == [len(texts)], f"{line!r} on pages {where}, not once on the last page"
    sources = [norm(s.replace("{clinic}", clinic_name())) for s in load(topic)["sources"]]
    assert not _in_order(texts[-1], [load("phrases")["sources_heading"], *sources, reviewed,
                                     next_review, load("phrases")["disclaimer"]])


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_every_page_is_numbered_page_n_of_m(built, edition, topic):
    texts = page_texts(built, edition, topic)
    for number, text in enumerate(texts, start=1):
        assert page_labels(text) == [(number, len(texts))], f"page {number}: {text[-200:]}"
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["files"]
                 if e["path"] == output("en", "letter", edition, topic))
    assert entry["pages"] == len(texts)


def blank_labels(topic: str) -> list[str]:
    """Every label printed beside or above a blank, from the YAML."""
    phrases = load("phrases")
    labels = [phrases["name_label"], phrases["date_given_label"], phrases["questions_intro"]]
    for group in blocks(topic, "blanks"):
        labels += [item["label"] for item in group["items"]]
    for checklist in blocks(topic, "checklist"):
        labels += [item["label"] for item in checklist["items"]]
        if checklist.get("dates"):
            labels.append(phrases["date_label"])
    for choice in blocks(topic, "choice"):
        labels += [choice["label"], phrases["choose_one"]]
        labels += [f"{o['label']}: {o['meaning']}" for o in choice["options"]]
    for log in blocks(topic, "log"):
        labels += [column["label"] for column in log["columns"]]
    for notes in blocks(topic, "notes"):
        labels.append(notes["label"])
    return labels


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_every_blank_has_its_label(built, edition, topic):
    labels = blank_labels(topic)
    # the blanks DESIGN.md names for each topic are in the content we check against
    wanted = {"diagnosis": ["My doctor", "My nurse", "Biopsy", "CT scan", "MRI", "ERCP"],
              "staging-and-grading": ["Stage 1: ", "Grade 3: ", "Not known yet: "],
              "treatments": ["Surgery", "Chemo", "Medicine", "dose", "How I felt"],
              "follow-up": ["Date of my next visit", "Tests I had", "What they showed",
                            "Date of next visit", "Things to remember"]}[topic]
    assert all(any(w in label for label in labels) for w in wanted)
    text = whole_text(built, edition, topic)
    missing = [label for label in labels if norm(label) not in text]
    assert not missing


# ---- words to know -----------------------------------------------------------------------------

def _staff_text(data, key=None):
    """Every piece of text a handout's YAML gives, except names, sources and alt text."""
    if key in ("name", "sources", "alt", "last_reviewed", "review_every_months"):
        return
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _staff_text(v, k)
    elif isinstance(data, list):
        for item in data:
            yield from _staff_text(item, key)


def _forms(form: str) -> list[str]:
    """A term and its regular plurals."""
    out = [form, form + "s"]
    if re.search(r"(s|x|z|ch|sh)$", form):
        out.append(form + "es")
    if re.search(r"[^aeiou]y$", form):
        out.append(form[:-1] + "ies")
    return out


@cache
def expected_words(topic: str) -> frozenset[str]:
    """The glossary terms the handout's text uses, its warning box included (a multi-word term
    wins over its parts)."""
    by_form = {}
    for term in load("glossary")["terms"]:
        for form in (term["term"], *term.get("also", [])):
            for variant in _forms(form):
                by_form.setdefault(variant.casefold(), term["term"])
    alternatives = "|".join(r"\s+".join(map(re.escape, f.split()))
                            for f in sorted(by_form, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)
    printed = [*_staff_text(load(topic)), *warning_signs(topic)]
    text = "\n".join(norm(t) for t in printed)
    always = {t["term"] for t in load("glossary")["terms"] if t.get("always")}
    # Everyday words (each word on the familiar-word list) are left out unless marked always.
    return frozenset(term for term in (by_form[" ".join(m.group(0).casefold().split())]
                                       for m in pattern.finditer(text))
                     if term in always or not _everyday(term))


def _everyday(term: str) -> bool:
    familiar = set((ASSETS / "wordlists" / "dale-chall-en.txt").read_text(
        encoding="utf-8").split())
    words = re.split(r"[\s-]+", term.lower())
    return all(w in familiar or w.removesuffix("s") in familiar for w in words)


def listed_words(text: str) -> set[str]:
    """The glossary terms whose entry, "<term> (Say: <say>)", the text holds."""
    say = norm(load("phrases")["say_label"])
    return {term["term"] for term in load("glossary")["terms"]
            if norm(f"{term['term']} ({say}: {term['say']})") in text}


def test_expected_words_make_sense():
    """Guards the expectation itself, so the next test is not vacuous."""
    diagnosis = expected_words("diagnosis")
    assert "biopsy" in diagnosis
    assert "octreotide" not in diagnosis and "octreotide" in expected_words("treatments")
    glossary = {t["term"] for t in load("glossary")["terms"]}
    assert all(expected_words(topic) < glossary for topic in TOPICS)


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_words_to_know_lists_exactly_the_terms_the_handout_uses(built, edition, topic):
    text = whole_text(built, edition, topic)
    assert norm(load("phrases")["words_heading"]) in text
    listed = listed_words(text)
    expected = expected_words(topic)
    assert listed == expected, (f"missing {sorted(expected - listed)}, "
                                f"not used but listed {sorted(listed - expected)}")
    # each entry comes with its plain definition
    means = {t["term"]: t["means"] for t in load("glossary")["terms"]}
    assert all(norm(means[term]) in text for term in listed)


@pytest.mark.parametrize("edition", EDITIONS)
def test_packet_has_one_combined_words_to_know_list_at_its_end(built, edition):
    """Every handout's words, each once, in one list after the last handout's write part."""
    texts = page_texts(built, edition, "packet")
    whole = " ".join(texts)
    heading = norm(load("phrases")["words_heading"])
    assert whole.count(heading) == 1
    expected = frozenset().union(*(expected_words(topic) for topic in TOPICS))
    listed = listed_words(whole)
    assert listed == expected, (f"missing {sorted(expected - listed)}, "
                                f"not used but listed {sorted(listed - expected)}")
    # the list comes after every handout's questions and blanks, before the last closing
    last = load(TOPICS[-1])
    assert not _in_order(whole, [*(q["ask"] for q in last["questions"]), heading,
                                 load("phrases")["sources_heading"]])
    start = next(page for page, text in enumerate(texts) if heading in text)
    outline = _outline(_reader(pdf(built, edition, "packet")))
    assert start >= outline[-1][1]  # inside the last handout's pages
    # each entry appears once
    say = norm(load("phrases")["say_label"])
    for term in load("glossary")["terms"]:
        entry = norm(f"{term['term']} ({say}: {term['say']})")
        assert whole.count(entry) == (1 if term["term"] in expected else 0), term["term"]


# ---- the packet --------------------------------------------------------------------------------

def test_the_set_lists_the_topics_in_design_order():
    """The tests' TOPICS is DESIGN.md's order, and the set's own file says the same."""
    assert load("set")["title"]
    assert read_content(f"{SET}/set.yaml")["topics"] == list(TOPICS) == [
        "diagnosis", "staging-and-grading", "treatments", "follow-up"]


def _outline(reader):
    flat = []
    for item in reader.outline:
        if isinstance(item, list):  # nested entries would be children, not handouts
            continue
        flat.append((item.title, reader.get_destination_page_number(item)))
    return flat


@pytest.mark.parametrize("edition", EDITIONS)
def test_packet_bookmarks_the_cover_then_each_handout_in_order(built, edition):
    reader = _reader(pdf(built, edition, "packet"))
    outline = _outline(reader)
    assert [norm(title) for title, _ in outline] == [
        norm(load("set")["title"]), *(norm(load(t)["title"]) for t in TOPICS)]
    starts = [page for _, page in outline]
    assert starts == sorted(set(starts)) and starts[0] == 0


@pytest.mark.parametrize("edition", EDITIONS)
def test_packet_cover_lists_the_handouts_with_their_page_numbers(built, edition):
    """DESIGN.md: the packet opens with a cover (the set's title, the name and date blanks, the
    handouts with the page each starts on), then a notes page so the first handout is on page 3."""
    reader = _reader(pdf(built, edition, "packet"))
    texts = page_texts(built, edition, "packet")
    phrases = load("phrases")
    cover = texts[0]
    assert not _in_order(cover, [load("set")["title"], phrases["name_label"],
                                 phrases["date_given_label"], phrases["contents_heading"],
                                 *(load(t)["title"] for t in TOPICS)])
    starts = [page for _, page in _outline(reader)][1:]
    # the page numbers stand in a column of their own, read after the titles, in order
    assert " ".join(str(start + 1) for start in starts) in cover, cover
    # the help in one's language is said once for the whole packet, here
    assert norm(clinic_en()["language_help"]) in cover
    assert starts[0] == 2
    spare = texts[1]
    assert norm(phrases["notes_heading"]) in spare and norm(phrases["notes_intro"]) in spare


@pytest.mark.parametrize("edition", EDITIONS)
def test_packet_handouts_start_on_odd_pages_and_pages_are_numbered_through(built, edition):
    reader = _reader(pdf(built, edition, "packet"))
    texts = page_texts(built, edition, "packet")
    # every page is numbered through the whole packet: "Page 12 of 40"
    for number, text in enumerate(texts, start=1):
        assert page_labels(text) == [(number, len(texts))], f"packet page {number}"
    starts = [page for _, page in _outline(reader)][1:] + [len(texts)]  # [0] is the cover
    phrases = load("phrases")
    for index, topic in enumerate(TOPICS):
        first, end = starts[index], starts[index + 1]
        span = end - first
        # the page where the handout's title stands
        assert norm(load(topic)["title"]) in texts[first]
        assert (first + 1) % 2 == 1, f"{topic} starts on page {first + 1}"
        # the handout's own pages, less its words to know (the packet lists them all once at
        # its end), plus a notes page to even it out
        spare = texts[end - 1]
        notes_page = (norm(phrases["notes_heading"]) in spare
                      and norm(phrases["notes_intro"]) in spare)
        pages = span - 1 if notes_page else span
        last = index == len(TOPICS) - 1
        assert span == pages + (0 if last else pages % 2)
        # (less the help in one's language, which the packet says once, on its cover)
        alone = body(page_texts(built, edition, topic), topic)
        help_line = body([norm(clinic_en()["language_help"])], topic)
        assert alone.count(help_line) == 1
        assert body(texts[first:first + pages], topic) == \
            " ".join(alone.replace(help_line, " ").split())
        if not last:  # the last one holds the packet's list of words
            assert pages <= len(page_texts(built, edition, topic))


def body(texts, topic: str) -> str:
    """What a handout's pages say, without headers, footers and any words-to-know list."""
    text = " ".join(page_label_pattern().sub(" ", t) for t in texts)
    for phrase in (load(topic)["title"], load("clinic")["name"], *review_lines(topic),
                   *phones(), load("phrases")["phone_label"],
                   load("phrases")["after_hours_label"]):
        text = text.replace(norm(str(phrase)), " ")
    heading, sources = (norm(load("phrases")[k]) for k in ("words_heading", "sources_heading"))
    if heading in text:
        text = text[:text.index(heading)] + text[text.index(sources):]
    text = " ".join(text.replace("·", " ").split())  # the footers' separators
    # a log that breaks across pages repeats its header row (DESIGN.md), so where a handout's
    # pages break may add a copy of it: count the header row once wherever it repeats
    for log in blocks(topic, "log"):
        header = norm(" ".join(column["label"] for column in log["columns"]))
        while f"{header} {header}" in text:
            text = text.replace(f"{header} {header}", header)
    return text


@pytest.mark.parametrize("edition", EDITIONS)
def test_packet_has_no_empty_page(built, edition):
    """Every page holds something besides its header and footer."""
    furniture = [norm(load(t)["title"]) for t in TOPICS] + [norm(load("clinic")["name"])]
    furniture += [line for t in TOPICS for line in review_lines(t)]
    for number, text in enumerate(page_texts(built, edition, "packet"), start=1):
        rest = page_label_pattern().sub("", text)
        for phrase in (*furniture, *phones(), load("phrases")["phone_label"],
                       load("phrases")["after_hours_label"]):
            rest = rest.replace(norm(str(phrase)), "")
        assert re.search(r"[^\W\d_]{3}", rest), f"packet page {number} is empty: {text!r}"


def _font_files(reader):
    """(distinct embedded font-file streams, distinct font names) over all pages."""
    streams, names = set(), set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font")
        for font in (fonts.get_object().values() if fonts is not None else ()):
            font = font.get_object()
            names.add(str(font.get("/BaseFont")))
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None:
                continue
            descriptor = descriptor.get_object()
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                ref = descriptor.raw_get(key) if key in descriptor else None
                if ref is not None:
                    streams.add(getattr(ref, "idnum", id(ref)))
    return streams, names


@pytest.mark.parametrize("edition", EDITIONS)
def test_packet_embeds_each_font_once(built, edition):
    streams, names = _font_files(_reader(pdf(built, edition, "packet")))
    assert streams, "no embedded fonts found"
    assert len(streams) <= len(names)
    # joining four finished PDFs would carry four copies of each; one document carries one
    alone = [_font_files(_reader(pdf(built, edition, t)))[0] for t in TOPICS]
    assert len(streams) < sum(len(s) for s in alone)


# ---- paper and manifest ------------------------------------------------------------------------

@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("name", (*TOPICS, "packet"))
def test_paper_a4_gives_a4_pages(built, edition, name):
    reader = _reader(pdf(built, edition, name, paper="a4"))
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - A4[0]) <= 1
        assert abs(float(page.mediabox.height) - A4[1]) <= 1
    if name != "packet":
        assert norm(load(name)["title"]) in page_texts(built, edition, name, "a4")[0]


def test_manifest_records_form_field_names(built):
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    # the web pages and the site's assets are listed too, without paper or edition (and the
    # site's PDFs are the same files again, under site/)
    assert all(e["paper"] is None and e["edition"] is None
               for e in manifest["files"] if e["format"] != "pdf")
    entries = [e for e in manifest["files"] if e["format"] == "pdf"]
    assert {(e["paper"], e["edition"]) for e in entries} == {
        (p, ed) for p in ("letter", "a4") for ed in EDITIONS}
    name_pattern = re.compile(r"^([a-z-]+)\.[a-z0-9_]+$")
    for entry in entries:
        fields = entry["fields"]
        assert fields and len(fields) == len(set(fields)), entry["path"]
        prefixes = {name_pattern.match(f).group(1) if name_pattern.match(f) else f
                    for f in fields}
        # the patient's name and the date given are one field for the whole packet
        assert {"packet.patient_name", "packet.date_given"} <= set(fields), entry["path"]
        if entry["topic"] == "packet":
            assert prefixes == {*TOPICS, "packet"}, entry["path"]
            continue
        topic = entry["topic"]
        assert prefixes == {topic, "packet"}, (entry["path"], prefixes)
        wanted = {f"{topic}.{question['name']}{end}" for question in load(topic)["questions"]
                  for end in ("", "_asked")}
        wanted |= {f"{topic}.{choice['name']}" for choice in blocks(topic, "choice")}
        wanted |= {f"{topic}.{notes['name']}" for notes in blocks(topic, "notes")}
        assert wanted <= set(fields), (entry["path"], sorted(wanted - set(fields)))
    all_fields = {f for e in entries for f in e["fields"]}
    third = load("treatments")["questions"][2]["name"]
    assert {"staging-and-grading.stage", f"treatments.{third}", f"treatments.{third}_asked",
            "packet.patient_name"} <= all_fields
    assert not any(re.fullmatch(r"[a-z-]+\.q\d+(_asked)?", f) for f in all_fields)
    # the packet holds every handout's fields, still under their own names
    for paper in ("letter", "a4"):
        for edition in EDITIONS:
            group = [e for e in entries if e["paper"] == paper and e["edition"] == edition
                     and e["lang"] == "en" and not e["path"].startswith("site/")]
            packet = next(e for e in group if e["topic"] == "packet")
            singles = {f for e in group if e["topic"] != "packet" for f in e["fields"]}
            assert singles <= set(packet["fields"])
