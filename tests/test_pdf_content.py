"""What a patient sees: the built PDFs' extracted text checked against the YAML content.

Covers, for both editions: every handout's title, section headings, main message, key points,
questions, warning-sign heading and signs, clinic name and both phones; the phones and a correct
"Page N of M" in every page's footer; the label of every blank (care team, tests checklist,
stage and grade choices, log column headers, notes); the words-to-know list against the glossary
terms each handout's text uses; the packet (one bookmark per handout in order, each handout on
an odd page and numbered within itself, spare pages filled with notes, one copy of each font);
A4 output; and the form-field names the manifest records. Expectations are read from the YAML
with yaml.safe_load, never copied from the output.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pypdf
import pytest
import yaml

try:  # tests/ as a plain folder on sys.path, or as a package
    from conftest import built_pdf
except ImportError:  # pragma: no cover
    from tests.conftest import built_pdf

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "handouts"
TOPICS = ("diagnosis", "staging-and-grading", "treatments", "follow-up")  # DESIGN.md order
EDITIONS = ("standard", "large-print")
A4 = (595.28, 841.89)


# ---- content, read straight from the YAML --------------------------------------------------

@cache
def load(name: str) -> dict:
    path = CONTENT / (f"{name}.yaml" if name == "clinic" else f"en/{name}.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


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
                *(section["heading"] for section in data["sections"]), *data["questions"],
                phrases["call_heading"], *data["call_right_away"], phrases["key_points_heading"],
                phrases["questions_heading"], phrases["sources_heading"], phrases["disclaimer"],
                load("clinic")["name"], *phones()]
    missing = [item for item in expected if norm(str(item)) not in text]
    assert not missing


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_title_on_first_page_and_phones_and_review_dates_in_every_footer(built, edition, topic):
    texts = page_texts(built, edition, topic)
    assert norm(load(topic)["title"]) in texts[0]
    phone_label, after_hours_label = (norm(load("phrases")[k])
                                      for k in ("phone_label", "after_hours_label"))
    for number, text in enumerate(texts, start=1):
        for phone in phones():
            assert phone in text, f"page {number} lacks {phone}"
        assert phone_label in text and after_hours_label in text, f"page {number}"
        for line in review_lines(topic):
            assert line in text, f"page {number} lacks {line!r}"


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("topic", TOPICS)
def test_every_page_is_numbered_page_n_of_m(built, edition, topic):
    texts = page_texts(built, edition, topic)
    for number, text in enumerate(texts, start=1):
        assert page_labels(text) == [(number, len(texts))], f"page {number}: {text[-200:]}"
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["files"]
                 if e["path"] == f"en/letter/{edition}/{topic}.pdf")
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
              "treatments": ["Surgery", "Chemotherapy", "Medicine", "Dose", "How I felt"],
              "follow-up": ["Date of my next visit", "Tests", "Results", "Next visit"]}[topic]
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
    """The glossary terms the handout's text uses (a multi-word term wins over its parts)."""
    by_form = {}
    for term in load("glossary")["terms"]:
        for form in (term["term"], *term.get("also", [])):
            for variant in _forms(form):
                by_form.setdefault(variant.casefold(), term["term"])
    alternatives = "|".join(r"\s+".join(map(re.escape, f.split()))
                            for f in sorted(by_form, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)
    text = "\n".join(norm(t) for t in _staff_text(load(topic)))
    return frozenset(by_form[" ".join(m.group(0).casefold().split())]
                     for m in pattern.finditer(text))


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


# ---- the packet --------------------------------------------------------------------------------

def _outline(reader):
    flat = []
    for item in reader.outline:
        if isinstance(item, list):  # nested entries would be children, not handouts
            continue
        flat.append((item.title, reader.get_destination_page_number(item)))
    return flat


@pytest.mark.parametrize("edition", EDITIONS)
def test_packet_has_one_bookmark_per_handout_in_order(built, edition):
    reader = _reader(pdf(built, edition, "packet"))
    outline = _outline(reader)
    assert [norm(title) for title, _ in outline] == [norm(load(t)["title"]) for t in TOPICS]
    starts = [page for _, page in outline]
    assert starts == sorted(starts) and starts[0] == 0


@pytest.mark.parametrize("edition", EDITIONS)
def test_packet_handouts_start_on_odd_pages_and_count_their_own_pages(built, edition):
    reader = _reader(pdf(built, edition, "packet"))
    texts = page_texts(built, edition, "packet")
    starts = [page for _, page in _outline(reader)] + [len(texts)]
    phrases = load("phrases")
    for index, topic in enumerate(TOPICS):
        first, end = starts[index], starts[index + 1]
        span = end - first
        # the page where the handout's title stands with its "Page 1 of" footer
        assert norm(load(topic)["title"]) in texts[first]
        assert page_labels(texts[first]) == [(1, span)]
        assert (first + 1) % 2 == 1, f"{topic} starts on page {first + 1}"
        for offset in range(span):
            assert page_labels(texts[first + offset]) == [(offset + 1, span)], (
                f"{topic}: packet page {first + offset + 1}")
        # the same pages as the handout on its own, plus a notes page to even it out
        alone = len(page_texts(built, edition, topic))
        last = index == len(TOPICS) - 1
        assert span == alone + (0 if last else alone % 2)
        if span > alone:
            spare = texts[end - 1]
            assert norm(phrases["notes_heading"]) in spare
            assert norm(phrases["notes_intro"]) in spare


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
    entries = manifest["files"]
    assert {(e["paper"], e["edition"]) for e in entries} == {
        (p, ed) for p in ("letter", "a4") for ed in EDITIONS}
    name_pattern = re.compile(r"^([a-z-]+)\.[a-z0-9_]+$")
    for entry in entries:
        fields = entry["fields"]
        assert fields and len(fields) == len(set(fields)), entry["path"]
        prefixes = {name_pattern.match(f).group(1) if name_pattern.match(f) else f
                    for f in fields}
        if entry["topic"] == "packet":
            assert prefixes == set(TOPICS), entry["path"]
            continue
        topic = entry["topic"]
        assert prefixes == {topic}, (entry["path"], prefixes)
        wanted = {f"{topic}.patient_name", f"{topic}.date_given"}
        wanted |= {f"{topic}.q{n}" for n in range(1, len(load(topic)["questions"]) + 1)}
        wanted |= {f"{topic}.{choice['name']}" for choice in blocks(topic, "choice")}
        wanted |= {f"{topic}.{notes['name']}" for notes in blocks(topic, "notes")}
        assert wanted <= set(fields), (entry["path"], sorted(wanted - set(fields)))
    all_fields = {f for e in entries for f in e["fields"]}
    assert {"staging-and-grading.stage", "treatments.q3",
            "diagnosis.patient_name"} <= all_fields
    # the packet holds every handout's fields, still under their own names
    for paper in ("letter", "a4"):
        for edition in EDITIONS:
            group = [e for e in entries if e["paper"] == paper and e["edition"] == edition]
            packet = next(e for e in group if e["topic"] == "packet")
            singles = {f for e in group if e["topic"] != "packet" for f in e["fields"]}
            assert singles <= set(packet["fields"])
