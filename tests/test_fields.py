"""Form fields of the built PDFs, read back with pypdf and measured from the PDFs' own ink.

For every language in handouts/, both editions (standard, large-print) on Letter paper, every
handout and the packet from the session `built` output: an /AcroForm whose fully qualified
field names are `<topic>.<field>` (a question's field named by its `name` in the YAML) or
`packet.patient_name` and `packet.date_given` (one field with a widget on the cover and in each
handout of a packet), unique, the same in a second build in another process and in the
manifest; field types (multi-line and single-line text, check boxes, one radio group each for
stage and grade with the YAML's options as export values); a tooltip on every field equal to
its question or label; every widget rectangle lying on its printed line, box or circle (as
drawn by the page's content stream); tab order equal to reading order, and pdfium's Tab key
walking the fields in that order; blank widgets that print nothing (empty appearances, no
borders or backgrounds, identical pixels with and without form drawing in pdfium); clicks in
pdfium choosing one stage at a time and ticking boxes; embedded form fonts; and document
metadata (title, author, subject, /Lang, DisplayDocTitle). Expectations come from DESIGN.md,
issue 3 and the YAML, never from the code.
"""

from __future__ import annotations

import ctypes
import io
import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest
from pypdf.generic import BooleanObject, ContentStream, StreamObject

from conftest import (
    HANDOUTS,
    SET,
    TOPICS,
    built_pdf,
    full_name,
    languages,
    output,
    read_content,
    run_cli,
    topic_file,
)
from pdf_measure import PageDrawing, measure_page

FILES = (*TOPICS, "packet")
EDITIONS = ("standard", "large-print")
PAPER = "letter"
LANGS = tuple(languages())
PACKET_FIELDS = ("patient_name", "date_given")  # DESIGN.md: packet.<name>, one for the packet

# Field flags (ISO 32000-1, tables 226, 228, 229), counted from bit 1.
MULTILINE = 1 << 12    # bit 13
RADIO = 1 << 15        # bit 16
PUSHBUTTON = 1 << 16   # bit 17
DRAWING = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "Tj", "TJ", "'", '"',
            "BI", "EI", "re", "m", "l", "c"}
ROW_TOLERANCE = 2.0    # points: widgets whose bottoms differ by this much share a row


# ---- the YAML: what fields there should be ------------------------------------------------------

def plain(text: str) -> str:
    """Staff text as a reader sees it: no **bold** stars, spaces folded, NFC."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", str(text), flags=re.S)
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())


@cache
def load_yaml(lang: str, name: str) -> dict:
    """phrases, glossary, set (the set's title) or a topic, in one language."""
    rel = {"phrases": f"{lang}/phrases.yaml", "glossary": f"{lang}/glossary.yaml",
           "set": f"{SET}/{lang}/set.yaml"}.get(name)
    return read_content(rel or topic_file(name, lang))


@cache
def clinic_name(lang: str) -> str:
    """The clinic's name as printed in a language (translated where the clinic file says)."""
    clinic = read_content("clinic.yaml")
    return plain(clinic["languages"][lang].get("name") or clinic["name"])


def blocks(lang: str, topic: str):
    for section in load_yaml(lang, topic)["sections"]:
        for block in section.get("blocks") or ():
            if isinstance(block, dict) and len(block) == 1:
                kind, body = next(iter(block.items()))
                if isinstance(body, dict):
                    yield kind, body


@cache
def expected_fields(lang: str, topic: str) -> dict[str, tuple[str, str, bool, tuple]]:
    """Short field name -> (kind, tooltip text, tooltip must equal it (else contain it), options).

    Log cells are listed under a pattern key `re:<regex>`. The topic `packet` holds the
    patient's name and the date given.
    """
    phrases = load_yaml(lang, "phrases")
    if topic == "packet":
        # The packet's cover is followed by a notes page (so handout 1 starts on page 3).
        return {"patient_name": ("text", plain(phrases["name_label"]), True, ()),
                "date_given": ("text", plain(phrases["date_given_label"]), True, ()),
                "spare_notes": ("multiline", plain(phrases["notes_heading"]), False, ())}
    found: dict[str, tuple[str, str, bool, tuple]] = {}
    for kind, body in blocks(lang, topic):
        name = body.get("name")
        if kind == "checklist":
            for item in body["items"]:
                found[f"{name}_{item['name']}"] = ("checkbox", plain(item["label"]), True, ())
                if body.get("dates"):
                    found[f"{name}_{item['name']}_date"] = ("text", plain(item["label"]), False,
                                                            ())
        elif kind == "blanks":
            for item in body["items"]:
                found[f"{name}_{item['name']}"] = ("text", plain(item["label"]), True, ())
        elif kind == "log":
            for column in body["columns"]:
                found[rf"re:{re.escape(name)}_(\d+)_{re.escape(column['name'])}"] = (
                    "text", plain(column["label"]), False, ())
        elif kind == "choice":
            found[name] = ("radio", plain(body["label"]), True,
                           tuple(str(option["name"]) for option in body["options"]))
        elif kind == "notes":
            found[name] = ("multiline", plain(body["label"]), True, ())
    for question in load_yaml(lang, topic)["questions"]:
        found[question["name"]] = ("multiline", plain(question["ask"]), True, ())
        found[f"{question['name']}_asked"] = ("checkbox", plain(question["ask"]), False, ())
    # The packet's spare page (so the next handout starts on an odd page) is a notes page,
    # and lines to write on fill the page of a closing that would otherwise stand alone.
    found["spare_notes"] = ("multiline", plain(phrases["notes_heading"]), False, ())
    found["closing_notes"] = ("multiline", plain(phrases["notes_heading"]), True, ())
    return found


def expectation(lang: str, topic: str, short: str):
    """The expectation for a field's short name, allowing `<name>_<n>` for a split answer."""
    table = expected_fields(lang, topic)
    if short in table:
        return table[short]
    for key, value in table.items():
        if key.startswith("re:") and re.fullmatch(key[3:], short):
            return value
    split = re.fullmatch(r"(.+)_(\d+)", short)
    if split and table.get(split.group(1), ("",))[0] == "multiline":
        return table[split.group(1)]
    return None


# ---- the PDFs ----------------------------------------------------------------------------------

def pdf_path(built: Path, lang: str, edition: str, name: str) -> Path:
    return built_pdf(built, lang, PAPER, edition, name)


@cache
def reader(path: Path) -> pypdf.PdfReader:
    return pypdf.PdfReader(path)


def inherited(node, key: str, default=None):
    while node is not None:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return default


@cache
def terminal_fields(path: Path) -> tuple[tuple[str, object, tuple], ...]:
    """(fully qualified name, field dictionary, widget dictionaries) for every terminal field,
    walked from /AcroForm /Fields (so duplicates are seen, unlike a dict of names)."""
    root = reader(path).trailer["/Root"]
    assert "/AcroForm" in root, f"{path}: no /AcroForm"
    found = []

    def walk(ref, prefix: str) -> None:
        node = ref.get_object()
        name = f"{prefix}.{node['/T']}" if prefix else str(node["/T"])
        kids = [k.get_object() for k in node.get("/Kids", ())]
        if kids and all("/T" in kid for kid in kids):
            for kid_ref in node["/Kids"]:
                walk(kid_ref, name)
        else:
            assert not any("/T" in kid for kid in kids), f"{name}: mixed field and widget kids"
            found.append((name, node, tuple(kids) if kids else (node,)))

    for ref in root["/AcroForm"]["/Fields"]:
        walk(ref, "")
    return tuple(found)


def names(path: Path) -> list[str]:
    return [name for name, _, _ in terminal_fields(path)]


def page_widgets(path: Path) -> list[tuple[int, list]]:
    """(page number from 1, widget annotations in /Annots order) for each page."""
    result = []
    for number, page in enumerate(reader(path).pages, start=1):
        annots = [a.get_object() for a in page.get("/Annots", ())]
        result.append((number, [a for a in annots if a.get("/Subtype") == "/Widget"]))
    return result


def rect(widget) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)




@cache
def drawing(path: Path, number: int) -> PageDrawing:
    return measure_page(reader(path).pages[number - 1], reader(path))


def kind_of(node) -> str:
    field_type = inherited(node, "/FT")
    flags = int(inherited(node, "/Ff", 0))
    if field_type == "/Tx":
        return "multiline" if flags & MULTILINE else "text"
    if field_type == "/Btn":
        if flags & PUSHBUTTON:
            return "pushbutton"
        return "radio" if flags & RADIO else "checkbox"
    return str(field_type)


CASES = [pytest.param(lang, edition, id=f"{lang}-{edition}") for lang in LANGS
         for edition in EDITIONS]


# ---- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, edition", CASES)
def test_every_pdf_has_a_form_with_unique_topic_qualified_names(built, lang, edition):
    for name in FILES:
        path = pdf_path(built, lang, edition, name)
        found = names(path)
        assert found, f"{path}: the form has no fields"
        duplicates = sorted({n for n in found if found.count(n) > 1})
        assert not duplicates, f"{path}: field names used twice: {duplicates}"
        topics = (*(TOPICS if name == "packet" else (name,)), "packet")
        for field_name in found:
            match = re.fullmatch(r"([a-z-]+)\.([a-z0-9_]+)", field_name)
            assert match and match.group(1) in topics, f"{path}: field name {field_name!r}"
            assert not re.fullmatch(r"q\d+(_asked)?", match.group(2)), (
                f"{path}: {field_name} is named by position, not by the question's name")
        assert {f"packet.{short}" for short in PACKET_FIELDS} <= set(found), path
        # pypdf's own reading agrees with the walk: every terminal field, under the same name.
        read = reader(path).get_fields()
        assert set(found) <= set(read), f"{path}: {set(found) - set(read)}"
        assert set(read) - set(found) <= set(topics), f"{path}: {set(read) - set(found)}"


@pytest.mark.parametrize("lang, edition", CASES)
def test_the_packet_holds_every_handouts_fields(built, lang, edition):
    packet = set(names(pdf_path(built, lang, edition, "packet")))
    for topic in TOPICS:
        alone = set(names(pdf_path(built, lang, edition, topic)))
        missing = sorted(alone - packet)
        assert not missing, f"{topic}: fields missing from the packet: {missing}"
        assert any(n.startswith(f"{topic}.") for n in packet)


def test_names_match_the_manifest_and_a_second_build_in_another_process(built, tmp_path):
    manifest = {entry["path"]: entry for entry in
                json.loads((built / "manifest.json").read_text(encoding="utf-8"))["files"]}
    for lang in LANGS:
        for edition in EDITIONS:
            for name in FILES:
                entry = manifest[output(lang, PAPER, edition, name)]
                assert entry["fields"] == sorted(names(pdf_path(built, lang, edition, name)))
    lang = "en" if "en" in LANGS else LANGS[0]
    result = run_cli("--src", HANDOUTS, "--out", tmp_path, "--lang", lang, "--paper", PAPER,
                     "--edition", "standard", "--edition", "large-print", "--format", "pdf",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    again = {entry["path"]: entry for entry in
             json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["files"]}
    assert len(again) == len(EDITIONS) * len(FILES)
    for path, entry in again.items():
        assert entry["fields"] == manifest[path]["fields"], path
        assert sorted(names(tmp_path / path)) == manifest[path]["fields"], path


# ---- types, export values, tooltips --------------------------------------------------------------

@pytest.mark.parametrize("lang, edition", CASES)
def test_field_types_follow_the_blanks_in_the_yaml(built, lang, edition):
    for name in FILES:
        path = pdf_path(built, lang, edition, name)
        seen = set()
        for field_name, node, widgets in terminal_fields(path):
            topic, short = field_name.split(".", 1)
            expected = expectation(lang, topic, short)
            assert expected, f"{path}: {field_name} matches no blank in {lang}/{topic}"
            kind, _, _, options = expected
            seen.add((topic, short))
            assert kind_of(node) == kind, f"{path}: {field_name} is {kind_of(node)}, not {kind}"
            if kind == "radio":
                flags = int(inherited(node, "/Ff", 0))
                assert flags & RADIO and not flags & PUSHBUTTON, field_name
                states = []
                for widget in widgets:
                    assert "/T" not in widget
                    on = set(widget["/AP"]["/N"]) - {"/Off"}
                    assert len(on) == 1, f"{field_name}: a widget with states {on}"
                    states.append(on.pop()[1:])
                assert states == list(options), (
                    f"{field_name}: export values {states}, the YAML's options {options}")
            elif kind == "checkbox":
                assert len(widgets) == 1, field_name
                assert set(widgets[0]["/AP"]["/N"]) == {"/Yes", "/Off"}, field_name
            elif short in PACKET_FIELDS:  # one widget in each handout: typed once, shown in all
                # (in the packet, the cover asks for them too)
                assert len(widgets) == (1 + len(TOPICS) if name == "packet" else 1), field_name
            else:
                assert len(widgets) == 1, field_name
        # Every blank the YAML asks for is there (logs: at least one cell per column).
        topics = (*(TOPICS if name == "packet" else (name,)), "packet")
        for topic in topics:
            for short, (_kind, _, _, _) in expected_fields(lang, topic).items():
                if short.startswith("re:") or short in ("spare_notes", "closing_notes"):
                    continue
                assert (topic, short) in seen, f"{path}: no field {topic}.{short}"
        if name == "packet":  # the notes page after the cover
            assert ("packet", "spare_notes") in seen, f"{path}: no notes page after the cover"


@pytest.mark.parametrize("lang, edition", CASES)
def test_stage_and_grade_are_one_radio_group_each(built, lang, edition):
    path = pdf_path(built, lang, edition, "packet")
    radios = {n: widgets for n, node, widgets in terminal_fields(path)
              if kind_of(node) == "radio"}
    choices = {f"staging-and-grading.{body['name']}": body for kind, body in
               blocks(lang, "staging-and-grading") if kind == "choice"}
    assert {"staging-and-grading.stage", "staging-and-grading.grade"} <= set(choices)
    assert set(radios) == set(choices)
    # No stray radio widget outside the two groups, and one widget per option.
    on_pages = [w for _, widgets in page_widgets(path) for w in widgets
                if kind_of(w) == "radio"]
    assert len(on_pages) == sum(len(body["options"]) for body in choices.values())
    for name, widgets in radios.items():
        assert len(widgets) == len(choices[name]["options"])


@pytest.mark.parametrize("lang, edition", CASES)
def test_every_field_has_a_tooltip_with_its_question_or_label(built, lang, edition):
    for name in FILES:
        path = pdf_path(built, lang, edition, name)
        for field_name, node, _ in terminal_fields(path):
            tooltip = node.get("/TU")
            assert tooltip and str(tooltip).strip(), f"{path}: {field_name} has no tooltip"
            topic, short = field_name.split(".", 1)
            _, text, exact, _ = expectation(lang, topic, short)
            tooltip = plain(tooltip)
            if exact:
                assert tooltip == text, f"{path}: {field_name} tooltip {tooltip!r} != {text!r}"
            else:
                assert text in tooltip, f"{path}: {field_name} tooltip {tooltip!r} lacks {text!r}"
            questions = {} if topic == "packet" else {
                q["name"]: q["ask"] for q in load_yaml(lang, topic)["questions"]}
            if short in questions:  # the answer's field says its own question
                assert tooltip == plain(questions[short])


# ---- widgets on their ink ----------------------------------------------------------------------

def _close(a, b, tolerance):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def _horizontal(page: PageDrawing):
    return [(min(s.x1, s.x2), max(s.x1, s.x2), s.y1) for s in page.segments if s.horizontal]


@cache
def answer_fields(lang: str) -> frozenset[str]:
    """The full names of every question's answer field, from the YAML."""
    return frozenset(f"{topic}.{q['name']}" for topic in TOPICS
                     for q in load_yaml(lang, topic)["questions"])


@pytest.mark.parametrize("lang, edition", CASES)
def test_every_widget_lies_on_its_printed_ink(built, lang, edition):
    problems = []
    for name in FILES:
        path = pdf_path(built, lang, edition, name)
        for number, widgets in page_widgets(path):
            if not widgets:
                continue
            page = drawing(path, number)
            lines = _horizontal(page)
            for widget in widgets:
                where = f"{path.relative_to(built)} p{number} {full_name(widget)}"
                x1, y1, x2, y2 = box = rect(widget)
                kind = kind_of(widget)
                if kind == "checkbox":
                    squares = [(r.x0, r.y0, r.x1, r.y1) for r in page.rects if r.stroked]
                    if not any(_close(s, box, 1.0) for s in squares):
                        problems.append(f"{where}: no drawn square at {box}")
                elif kind == "radio":
                    rings = [c.bbox for c in page.curves if c.stroked and c.is_circle()]
                    if not any(_close(c, box, 1.0) for c in rings):
                        problems.append(f"{where}: no drawn circle at {box}")
                elif kind == "multiline":
                    inside = [(a, b, y) for a, b, y in lines
                              if b > x1 + 1 and a < x2 - 1 and y1 - 2 <= y <= y2 + 0.5]
                    if not inside:
                        problems.append(f"{where}: no ruled line inside {box}")
                        continue
                    for a, b, y in inside:
                        if abs(a - x1) > 1 or abs(b - x2) > 1:
                            problems.append(f"{where}: line at y={y:.1f} runs {a:.1f}..{b:.1f},"
                                            f" the field {x1:.1f}..{x2:.1f}")
                    lowest = min(y for _, _, y in inside)
                    if abs(lowest - y1) > 2:
                        problems.append(f"{where}: lowest line at {lowest:.1f}, field bottom "
                                        f"{y1:.1f}")
                    if full_name(widget) in answer_fields(lang) and len(inside) < 3:
                        problems.append(f"{where}: {len(inside)} answer lines, not 3 or more")
                elif kind == "text":
                    if not any(abs(y - y1) <= 1.5 and a <= x1 + 1 and b >= x2 - 1
                               for a, b, y in lines):
                        problems.append(f"{where}: no ruled line along the bottom of {box}")
                else:
                    problems.append(f"{where}: unexpected widget kind {kind}")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("lang, edition", CASES)
def test_every_field_widget_is_on_a_page_and_every_page_widget_is_a_field(built, lang, edition):
    for name in FILES:
        path = pdf_path(built, lang, edition, name)
        on_pages = {}
        for number, widgets in page_widgets(path):
            page_ref = reader(path).pages[number - 1].indirect_reference
            for widget in widgets:
                on_pages[id(widget)] = number
                if "/P" in widget:
                    assert widget.raw_get("/P").idnum == page_ref.idnum, full_name(widget)
        in_form = [w for _, _, widgets in terminal_fields(path) for w in widgets]
        assert len(in_form) == len(on_pages), f"{path}: {len(in_form)} widgets in the form, " \
                                              f"{len(on_pages)} on pages"
        on_page_names = sorted(full_name(w) for _, widgets in page_widgets(path) for w in widgets)
        form_names = sorted(n for n, _, widgets in terminal_fields(path) for _ in widgets)
        assert on_page_names == form_names


# ---- tab order -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, edition", CASES)
def test_tab_order_is_reading_order(built, lang, edition):
    for name in FILES:
        path = pdf_path(built, lang, edition, name)
        for number, widgets in page_widgets(path):
            if not widgets:
                continue
            page = reader(path).pages[number - 1]
            assert page.get("/Tabs") in ("/R", "/S", "/C"), f"{path} p{number}: no /Tabs"
            spots = [(rect(w)[1], rect(w)[0], full_name(w)) for w in widgets]
            for i, (y_a, x_a, a) in enumerate(spots):
                for y_b, x_b, b in spots[i + 1:]:
                    where = f"{path.relative_to(built)} p{number}: {a} comes before {b}"
                    assert y_b <= y_a + ROW_TOLERANCE, f"{where}, which is higher on the page"
                    if abs(y_b - y_a) <= ROW_TOLERANCE:
                        assert x_b > x_a, f"{where}, which is left of it on the same row"


def _pdfium_field_name(document, annotation) -> str:
    size = raw.FPDFAnnot_GetFormFieldName(document.formenv, annotation, None, 0)
    buffer = ctypes.create_string_buffer(size)
    raw.FPDFAnnot_GetFormFieldName(document.formenv, annotation,
                                   ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)), size)
    return buffer.raw[:size - 2].decode("utf-16-le")


def _collapsed(names: list[str]) -> list[str]:
    """Names with repeats in a row folded into one (the choices of one radio group)."""
    return [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]


def _first_widget(page):
    """A page's first widget annotation: its links (the QR code, the web address) may come
    before its widgets in /Annots, and Tab walks form fields only."""
    for index in range(raw.FPDFPage_GetAnnotCount(page)):
        annotation = raw.FPDFPage_GetAnnot(page, index)
        if raw.FPDFAnnot_GetSubtype(annotation) == raw.FPDF_ANNOT_WIDGET:
            return annotation
        raw.FPDFPage_CloseAnnot(annotation)
    raise AssertionError("a page with widgets has no widget annotation")


def test_the_tab_key_in_pdfium_walks_the_fields_in_reading_order(built):
    """Pressed in pdfium's form filler (as in a Chromium-based viewer), Tab moves from field
    to field in the order the page is read."""
    path = pdf_path(built, LANGS[0], "standard", "packet")
    document = pdfium.PdfDocument(str(path))
    try:
        document.init_forms()
        for number, widgets in page_widgets(path):
            names = _collapsed([full_name(w) for w in widgets])
            if len(names) < 2:
                continue
            page = document[number - 1]
            first = _first_widget(page)
            assert raw.FORM_SetFocusedAnnot(document.formenv, first)
            walked = [_pdfium_field_name(document, first)]
            raw.FPDFPage_CloseAnnot(first)
            for _ in range(len(widgets)):
                raw.FORM_OnKeyDown(document.formenv, page, 0x09, 0)  # the Tab key
                focused, where = raw.FPDF_ANNOTATION(), ctypes.c_int()
                assert raw.FORM_GetFocusedAnnot(document.formenv, ctypes.byref(where),
                                                ctypes.byref(focused))
                walked.append(_pdfium_field_name(document, focused))
                raw.FPDFPage_CloseAnnot(focused)
            raw.FORM_ForceToKillFocus(document.formenv)
            page.close()
            walked = _collapsed(walked)[:len(names)]
            assert sorted(walked) == sorted(names), f"page {number}: Tab missed a field"
            # Each field's place: its first widget (a radio group's first choice).
            top_left = {}
            for widget in widgets:
                top_left.setdefault(full_name(widget), (rect(widget)[1], rect(widget)[0]))
            for a, b in zip(walked, walked[1:]):
                (y_a, x_a), (y_b, x_b) = top_left[a], top_left[b]
                where = f"page {number}: Tab goes from {a} to {b}"
                assert y_b <= y_a + ROW_TOLERANCE, f"{where}, which is higher on the page"
                if abs(y_b - y_a) <= ROW_TOLERANCE:
                    assert x_b > x_a, f"{where}, which is left of it on the same row"
    finally:
        document.close()


def _click_in_pdfium(path: Path, clicks: list[tuple[int, tuple]]) -> pypdf.PdfReader:
    """Click the middle of each (page number, rectangle) in pdfium's form filler, as a patient
    would with a mouse; returns the document pdfium then saves."""
    document = pdfium.PdfDocument(str(path))
    try:
        document.init_forms()
        pages = {}
        for number, (x1, y1, x2, y2) in clicks:
            page = pages.setdefault(number, document[number - 1])
            x, y = (x1 + x2) / 2, (y1 + y2) / 2
            raw.FORM_OnMouseMove(document.formenv, page, 0, x, y)
            raw.FORM_OnLButtonDown(document.formenv, page, 0, x, y)
            raw.FORM_OnLButtonUp(document.formenv, page, 0, x, y)
        raw.FORM_ForceToKillFocus(document.formenv)
        out = io.BytesIO()
        document.save(out)
        for page in pages.values():
            page.close()
    finally:
        document.close()
    return pypdf.PdfReader(io.BytesIO(out.getvalue()))


def _widgets_named(path: Path, name: str) -> list[tuple[int, object]]:
    return [(number, widget) for number, widgets in page_widgets(path) for widget in widgets
            if full_name(widget) == name]


@pytest.mark.parametrize("clicked, chosen", [((1,), 1), ((1, 2), 2), ((2, 2), 2)],
                         ids=["one", "another", "the same twice"])
def test_a_click_in_pdfium_leaves_one_stage_chosen(built, clicked, chosen):
    """Stage accepts one choice: a second choice replaces the first, and clicking the chosen
    one again does not clear it (issue 3)."""
    path = pdf_path(built, LANGS[0], "standard", "packet")
    choices = _widgets_named(path, "staging-and-grading.stage")
    assert len(choices) >= 3
    saved = _click_in_pdfium(path, [(choices[i][0], rect(choices[i][1])) for i in clicked])
    states = [str(widget.get_object().get("/AS")) for page in saved.pages
              for widget in page.get("/Annots", ())
              if full_name(widget.get_object()) == "staging-and-grading.stage"]
    on = [i for i, state in enumerate(states) if state != "/Off"]
    assert on == [chosen], f"chosen after clicks {clicked}: {states}"
    value = saved.get_fields()["staging-and-grading.stage"].get("/V")
    assert value == states[chosen]


@pytest.mark.parametrize("clicks, ticked", [(1, True), (2, False)], ids=["once", "twice"])
def test_a_click_in_pdfium_ticks_a_box_and_a_second_clears_it(built, clicks, ticked):
    path = pdf_path(built, LANGS[0], "standard", "packet")
    (number, box), = _widgets_named(path, "diagnosis.tests_ct")
    saved = _click_in_pdfium(path, [(number, rect(box))] * clicks)
    value = saved.get_fields()["diagnosis.tests_ct"].get("/V")
    assert (value not in (None, "/Off")) == ticked, value


# ---- a blank prints as before ------------------------------------------------------------------

def _drawing_operators(stream) -> list[str]:
    operations = ContentStream(stream, None).operations
    return [op.decode("latin-1") if isinstance(op, bytes) else str(op)
            for _, op in operations
            if (op.decode("latin-1") if isinstance(op, bytes) else str(op)) in DRAWING]


@pytest.mark.parametrize("lang, edition", CASES)
def test_blank_widgets_draw_nothing_and_have_no_border_or_background(built, lang, edition):
    for name in FILES:
        path = pdf_path(built, lang, edition, name)
        for number, widgets in page_widgets(path):
            for widget in widgets:
                where = f"{path.relative_to(built)} p{number} {full_name(widget)}"
                assert "/AP" in widget, f"{where}: no appearance"
                normal = widget["/AP"]["/N"]
                if isinstance(normal.get_object(), StreamObject):
                    blank = normal.get_object()
                else:
                    state = widget.get("/AS", "/Off")
                    assert state == "/Off", f"{where}: blank shows state {state}"
                    blank = normal["/Off"].get_object()
                assert not _drawing_operators(blank), f"{where}: the blank appearance paints"
                characteristics = widget.get("/MK")
                if characteristics is not None:
                    assert "/BG" not in characteristics, f"{where}: a background colour"
                    assert "/BC" not in characteristics, f"{where}: a border colour"
                value = inherited(widget, "/V")
                assert value in (None, "", "/Off"), f"{where}: the blank has a value {value!r}"


@pytest.mark.parametrize("lang, edition", CASES)
def test_pdfium_draws_the_same_pixels_with_and_without_forms(built, lang, edition):
    from PIL import ImageChops

    for name in FILES:
        path = pdf_path(built, lang, edition, name)
        with_widgets = [number for number, widgets in page_widgets(path) if widgets]
        assert with_widgets, f"{path}: no page with a field"
        document = pdfium.PdfDocument(str(path))
        try:
            document.init_forms()
            for number in with_widgets:
                page = document[number - 1]
                without = page.render(scale=1.5, may_draw_forms=False).to_pil().convert("RGB")
                drawn = page.render(scale=1.5, may_draw_forms=True).to_pil().convert("RGB")
                page.close()
                box = ImageChops.difference(without, drawn).getbbox()
                assert box is None, f"{path} p{number}: form drawing changes pixels in {box}"
        finally:
            document.close()


# ---- fonts and metadata --------------------------------------------------------------------------

def _descriptor(font):
    font = font.get_object()
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    return font.get("/FontDescriptor")


@pytest.mark.parametrize("lang, edition", CASES)
def test_every_form_font_is_embedded(built, lang, edition):
    for name in FILES:
        path = pdf_path(built, lang, edition, name)
        form = reader(path).trailer["/Root"]["/AcroForm"]
        fonts = form["/DR"]["/Font"]
        assert len(fonts), f"{path}: no form fonts"
        for key, font in fonts.items():
            descriptor = _descriptor(font)
            assert descriptor is not None, f"{path}: form font {key} has no descriptor"
            descriptor = descriptor.get_object()
            assert "/FontFile2" in descriptor, f"{path}: form font {key} is not embedded"
            assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000
        # Every default appearance names a font of the form's resources.
        das = [form.get("/DA")] + [inherited(node, "/DA") for _, node, _ in
                                   terminal_fields(path) if kind_of(node) in ("text", "multiline")]
        for da in das:
            if da is None:
                continue
            match = re.search(r"/(\S+)\s+[\d.]+\s+Tf", str(da))
            assert match and f"/{match.group(1)}" in fonts, f"{path}: /DA {da!r}"


@pytest.mark.parametrize("lang, edition", CASES)
def test_document_metadata(built, lang, edition):
    for name in FILES:
        path = pdf_path(built, lang, edition, name)
        info = reader(path).metadata
        assert info is not None, f"{path}: no document information"
        title = plain(info.title or "")
        expected = plain(load_yaml(lang, "set" if name == "packet" else name)["title"])
        assert title == expected, f"{path}: /Title {title!r}"
        assert plain(info.author or "") == clinic_name(lang), f"{path}: /Author {info.author!r}"
        assert plain(info.subject or ""), f"{path}: no /Subject"
        root = reader(path).trailer["/Root"]
        assert str(root.get("/Lang", "")).split("-")[0].lower() == lang, f"{path}: /Lang"
        preferences = root.get("/ViewerPreferences")
        show_title = (preferences.get_object().get("/DisplayDocTitle")
                      if preferences is not None else None)
        assert isinstance(show_title, BooleanObject) and show_title.value, (
            f"{path}: the viewer would show the file name, not the title")
