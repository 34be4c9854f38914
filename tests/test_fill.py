"""Pre-filled packets: `make_pdfs.py --fill patients.csv`, run as staff and CI run it.

Small CSVs of fictional patients, written here, are filled into the English standard Letter
packet in fresh processes (`run_cli`). Checked: one packet per row at <out>/filled/<id>.pdf;
values read back with pypdf (text, check box /Yes, radio /<option>), the patient's name and the
date given as one packet-wide field shown in every handout, a question's answer under its
question's name, full names filling one field; Spanish and Vietnamese read back exactly and
visible in pixels rendered by pdfium; `--flatten` leaving no form but the same visible,
extractable values; every packet passing pikepdf's syntax check and pypdf's strict reading; CSV
errors located by `path:line:col`, exit 1, other rows still built, patient values never echoed;
file names from ids and a manifest whose sha256 match; `--shard K/N` complete and disjoint;
usage errors exit 2; `--jobs 2` byte-identical to `--jobs 1`; no progress bar when not on a
terminal.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from functools import cache
from pathlib import Path

import pikepdf
import pypdf
import pypdfium2 as pdfium
import pytest

from conftest import HANDOUTS, ROOT, SET, TOPICS, full_name, run_cli
from pdf_audit import audit

SELECT = ("--lang", "en", "--edition", "standard", "--paper", "letter")
# The patient's name and the date given: a widget on the packet's cover and one in each handout.
PACKET_WIDGETS = 1 + len(TOPICS)
SCALE = 2.0

ANA = "Ana María Gómez"
HOA = "Nguyễn Thị Hoa"
ANA_DATE = "3 de marzo de 2031"
ANA_DOCTOR = "Dra. Begoña Núñez-Ibáñez"
HOA_DOCTOR = "Bác sĩ Trần Văn Đức"
ARAM = "Արամ Պետրոսյան"  # Armenian: beyond the form font, so drawn with the fallback font
ANA_ANSWER = 'Dijo "pronto" (quizá)\nsegunda línea:\t¿cuándo?'  # a tab, as pasted from a sheet

ANA_RESULTS = "El lunes por teléfono"
# diagnosis and follow-up each ask a question named `results`: a full name fills one of them.
GOOD_CSV = (
    "id,patient_name,date_given,staging-and-grading.stage,grade,diagnosis.tests_ct,"
    "diagnosis.care_team_doctor,diagnosis.why_cancer,follow-up.results\n"
    f"ana-01,{ANA},{ANA_DATE},2,not_known,x,{ANA_DOCTOR},\"Dijo \"\"pronto\"\" (quizá)\n"
    f"segunda línea:\t¿cuándo?\",{ANA_RESULTS}\n"
    f"hoa_02,{HOA},,4,1,,{HOA_DOCTOR},,\n"
    "blank-03,,,,,,,,\n"
    f"aram-04,{ARAM},,,,,,,\n"
)
GOOD_IDS = ("ana-01", "hoa_02", "blank-03", "aram-04")
GOOD_VALUES = (ANA, HOA, ANA_DATE, ANA_DOCTOR, HOA_DOCTOR, ARAM, ANA_RESULTS, "pronto",
               "Gómez", "Nguyễn")

# Errors: the id is the SECOND column, so an id error's column is not simply 1. CRLF endings,
# and a blank line (5) that must not shift the line numbers after it.
ERROR_LINES = [
    "patient_name,id,staging-and-grading.stage,diagnosis.care_team_doctor",
    "Zephyrine Quillfeather,ok-1,1,Xylophone Marmaduke",
    "Bartholomew Zanzibar,bad-radio,stagezq-nine,",
    "Millicent Umbridgeworth,,2,",
    "",
    "Wilhelmina Dovecote,ok-1,3,",
    "Ignatius Fairweather,../escape,4,",
    "Cornelius Thistlewood,ok-2,not_known,Perpetua Wobblesworth",
]
ERROR_VALUES = ("Zephyrine", "Quillfeather", "Xylophone", "Marmaduke", "Bartholomew",
                "Zanzibar", "stagezq-nine", "Millicent", "Umbridgeworth", "Wilhelmina",
                "Dovecote", "Ignatius", "Fairweather", "Cornelius", "Thistlewood", "Perpetua",
                "Wobblesworth", "escape")
CELL_COLUMNS = {  # 1-based column of each line's cells
    line: [1 + sum(len(c) + 1 for c in text.split(",")[:i]) for i in range(4)]
    for line, text in enumerate(ERROR_LINES, start=1)
}
EXPECTED_ERRORS = {
    "radio value not among the choices": (3, CELL_COLUMNS[3][2], "staging-and-grading.stage"),
    "missing id": (4, CELL_COLUMNS[4][1], "id"),
    "an id used twice, where it is first": (2, CELL_COLUMNS[2][1], "line 6"),
    "an id used twice, where it is again": (6, CELL_COLUMNS[6][1], "line 2"),
    "id with a bad character": (7, CELL_COLUMNS[7][1], "letters A-Z, digits"),
}

BATCH_IDS = tuple(f"b{n:02d}" for n in range(30))  # more than one chunk of work per process
BATCH_CSV = "id,patient_name,staging-and-grading.stage\n" + "".join(
    f"{row_id},Batch Person {n},{('1', '2', '3', '4', 'not_known')[n % 5]}\n"
    for n, row_id in enumerate(BATCH_IDS))


# ---- running ---------------------------------------------------------------------------------

def fill(csv: Path, out: Path, *extra):
    return run_cli("--src", HANDOUTS, "--fill", csv, *SELECT, "--out", out, *extra)


def write(path: Path, text: str, newline: str = "\n", bom: bool = False) -> Path:
    data = text.replace("\n", newline).encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def filled(out: Path) -> dict[str, Path]:
    """The filled packets in <out>/filled, by file name."""
    folder = out / "filled"
    return {p.name: p for p in folder.glob("*.pdf")} if folder.is_dir() else {}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fill")


@pytest.fixture(scope="module")
def good(work):
    """Excel-style file (UTF-8 with BOM) of three patients, one with no values at all."""
    csv = write(work / "good.csv", GOOD_CSV, bom=True)
    out = work / "good-out"
    return csv, out, fill(csv, out, "--jobs", "1")


@pytest.fixture(scope="module")
def flat(work, good):
    csv, _, _ = good
    out = work / "flat-out"
    return out, fill(csv, out, "--flatten", "--jobs", "1")


@pytest.fixture(scope="module")
def errors(work):
    csv = write(work / "errors.csv", "\n".join(ERROR_LINES) + "\n", newline="\r\n")
    out = work / "errors-out"
    return csv, out, fill(csv, out, "--jobs", "1")


@pytest.fixture(scope="module")
def batch(work):
    csv = write(work / "batch.csv", BATCH_CSV)
    runs = {}
    for jobs in ("1", "2"):
        runs[f"jobs{jobs}"] = (work / f"jobs{jobs}", fill(csv, work / f"jobs{jobs}", "--jobs",
                                                          jobs))
    for k in (1, 2, 3):
        out = work / f"shard{k}"
        runs[f"shard{k}"] = (out, fill(csv, out, "--shard", f"{k}/3", "--jobs", "1"))
    return csv, runs


# ---- reading back ----------------------------------------------------------------------------

@cache
def reader(path: Path) -> pypdf.PdfReader:
    return pypdf.PdfReader(path, strict=True)




def widgets_of(path: Path, name: str) -> list[tuple[int, object]]:
    """(page number, widget) for every widget of the field with this full name."""
    found = []
    for number, page in enumerate(reader(path).pages, start=1):
        for annot in page.get("/Annots", ()):
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Widget" and full_name(annot) == name:
                found.append((number, annot))
    return found


def rect(widget) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def values(path: Path) -> dict[str, object]:
    return {name: field.get("/V") for name, field in (reader(path).get_fields() or {}).items()}


def render(path: Path, number: int):
    """Page `number` drawn by pdfium with form fields: (RGB image, page height in points)."""
    document = pdfium.PdfDocument(str(path))
    try:
        document.init_forms()
        page = document[number - 1]
        image = page.render(scale=SCALE, may_draw_forms=True).to_pil().convert("RGB")
        height = page.get_height()
        page.close()
    finally:
        document.close()
    return image, height


def crop(image, height: float, box):
    x1, y1, x2, y2 = box
    return image.crop((math.floor(x1 * SCALE), math.floor((height - y2) * SCALE),
                       math.ceil(x2 * SCALE), math.ceil((height - y1) * SCALE)))


def differs_in(path: Path, blank: Path, number: int, box) -> bool:
    from PIL import ImageChops

    image, height = render(path, number)
    blank_image, blank_height = render(blank, number)
    assert height == blank_height
    return ImageChops.difference(crop(image, height, box),
                                 crop(blank_image, height, box)).getbbox() is not None


def manifest(out: Path) -> dict:
    """The fill's own manifest, <out>/filled/manifest.json."""
    return json.loads((out / "filled" / "manifest.json").read_text(encoding="utf-8"))


def assert_sound(path: Path) -> None:
    """pikepdf's syntax check finds nothing; pypdf reads every object it needs strictly."""
    with pikepdf.open(path) as pdf:
        assert pdf.check_pdf_syntax() == [], path
    strict = pypdf.PdfReader(path, strict=True)
    for page in strict.pages:
        page.get_contents()
        for annot in page.get("/Annots", ()):
            annot.get_object()
    strict.get_fields()


# ---- a good file -----------------------------------------------------------------------------

def test_one_packet_per_row_named_by_id(good):
    csv, out, result = good
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr
    assert sorted(filled(out)) == sorted(f"{row_id}.pdf" for row_id in GOOD_IDS)
    assert not [p for p in out.rglob("*") if p.is_file() and p.name.startswith(".")]


def test_values_read_back(good):
    _, out, _ = good
    ana = values(out / "filled" / "ana-01.pdf")
    # the patient's name and the date given are one field each for the whole packet
    assert ana["packet.patient_name"] == ANA
    assert ana["packet.date_given"] == ANA_DATE
    assert not any(f"{topic}.{short}" in ana for topic in TOPICS
                   for short in ("patient_name", "date_given"))
    assert ana["follow-up.results"] == ANA_RESULTS  # a full name fills only that one
    assert ana["diagnosis.results"] in (None, "")
    assert ana["diagnosis.care_team_doctor"] == ANA_DOCTOR
    assert ana["diagnosis.why_cancer"] == ANA_ANSWER
    assert ana["diagnosis.tests_ct"] == "/Yes"
    assert ana["diagnosis.tests_mri"] in (None, "/Off")
    assert ana["staging-and-grading.stage"] == "/2"
    assert ana["staging-and-grading.grade"] == "/not_known"

    hoa = values(out / "filled" / "hoa_02.pdf")
    assert hoa["packet.patient_name"] == HOA
    assert hoa["packet.date_given"] in (None, "")
    assert hoa["diagnosis.care_team_doctor"] == HOA_DOCTOR
    assert hoa["staging-and-grading.stage"] == "/4"
    assert hoa["staging-and-grading.grade"] == "/1"
    assert hoa["diagnosis.tests_ct"] in (None, "/Off")
    assert values(out / "filled" / "aram-04.pdf")["packet.patient_name"] == ARAM

    blank = values(out / "filled" / "blank-03.pdf")
    assert all(v in (None, "", "/Off") for v in blank.values()), blank


def test_ticked_and_chosen_widgets_show_their_state(good):
    _, out, _ = good
    path = out / "filled" / "ana-01.pdf"
    (_, box), = widgets_of(path, "diagnosis.tests_ct")
    assert box["/AS"] == "/Yes"
    stage = widgets_of(path, "staging-and-grading.stage")
    shown = [str(w["/AS"]) for _, w in stage]
    assert shown.count("/Off") == len(stage) - 1 and "/2" in shown
    for _, widget in stage:
        on = set(widget["/AP"]["/N"]) - {"/Off"}
        assert (widget["/AS"] == "/Off") != (on == {"/2"})


def _roles(element) -> set[str]:
    """The roles of every structure element under element."""
    roles = set()
    for kid in element.get("/K", []):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            roles |= {str(kid.S)} | _roles(kid)
    return roles


def test_flattened_values_are_tagged_content_a_screen_reader_reaches(flat):
    """Each value drawn in place of a field is marked content of the element that held the
    field (now a Span; a Check mark's reads as one), and the whole file passes the audit."""
    out, _ = flat
    for name, path in filled(out).items():
        assert audit(path) == [], name
        with pikepdf.open(path) as pdf:
            assert "/Form" not in _roles(pdf.Root.StructTreeRoot), f"{name}: a Form is left"
            nums = pdf.Root.StructTreeRoot.ParentTree.Nums
            tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
            values = []
            for page in pdf.pages:
                stack = []
                for operands, operator in pikepdf.parse_content_stream(page):
                    if str(operator) in ("BDC", "BMC"):
                        props = operands[1] if str(operator) == "BDC" else None
                        stack.append(int(props.MCID) if isinstance(props, pikepdf.Dictionary)
                                     and "/MCID" in props else None)
                    elif str(operator) == "EMC":
                        stack.pop()
                    elif str(operator) == "Do" and str(operands[0]).startswith("/Fill"):
                        assert stack and stack[-1] is not None, f"{name}: an untagged value"
                        element = tree[int(page.StructParents)][stack[-1]]
                        assert element.S == "/Span" and element.K[0].MCID == stack[-1]
                        values.append(str(element.get("/ActualText", "text")))
            assert ("text" in values) == (name != "blank-03.pdf"), name
            assert ("\u2713" in values) == (name in ("ana-01.pdf", "hoa_02.pdf")), name


@pytest.mark.parametrize("row_id, name", [("ana-01", "packet.patient_name"),
                                          ("hoa_02", "packet.patient_name"),
                                          ("aram-04", "packet.patient_name"),
                                          ("ana-01", "packet.date_given"),
                                          ("hoa_02", "diagnosis.care_team_doctor"),
                                          ("ana-01", "diagnosis.why_cancer"),
                                          ("ana-01", "follow-up.results"),
                                          ("ana-01", "diagnosis.tests_ct"),
                                          ("ana-01", "staging-and-grading.stage")])
def test_values_are_visible_in_a_rendered_page(good, row_id, name):
    """Every widget of the field shows the value: the patient's name on the cover and in
    every handout."""
    _, out, _ = good
    path = out / "filled" / f"{row_id}.pdf"
    spots = widgets_of(path, name)
    assert spots, f"no widget for {name}"
    if name.endswith(".stage"):
        spots = [(n, w) for n, w in spots if w["/AS"] != "/Off"]
    assert len(spots) == (PACKET_WIDGETS if name.startswith("packet.") else 1), name
    for number, widget in spots:
        assert differs_in(path, out / "filled" / "blank-03.pdf", number, rect(widget)), (
            f"{row_id}: {name} on page {number} looks the same as in the blank packet")


def test_filled_appearances_use_embedded_fonts_only(good):
    _, out, _ = good
    for row_id in ("ana-01", "hoa_02", "aram-04"):
        path = out / "filled" / f"{row_id}.pdf"
        seen = 0
        for page in reader(path).pages:
            for annot in page.get("/Annots", ()):
                normal = annot.get_object().get("/AP", {}).get("/N")
                if normal is None or "/Resources" not in normal.get_object():
                    continue
                fonts = normal.get_object()["/Resources"].get("/Font", {})
                for key, font in fonts.items():
                    font = font.get_object()
                    if font.get("/Subtype") == "/Type0":
                        font = font["/DescendantFonts"][0].get_object()
                    descriptor = font["/FontDescriptor"].get_object()
                    assert "/FontFile2" in descriptor, f"{row_id}: {key} is not embedded"
                    seen += 1
        assert seen, f"{row_id}: no filled appearance uses a font"


def appearance_fonts(path: Path, name: str) -> set[int]:
    """Object numbers of the fonts the appearance of field `name` lists (its first widget)."""
    (_, widget), *_ = widgets_of(path, name)
    fonts = widget["/AP"]["/N"].get_object()["/Resources"]["/Font"]
    return {fonts.raw_get(key).idnum for key in fonts}


@pytest.mark.parametrize("row_id, name", [("ana-01", "diagnosis.care_team_doctor"),
                                          ("hoa_02", "diagnosis.care_team_doctor"),
                                          ("ana-01", "diagnosis.why_cancer"),
                                          ("ana-01", "packet.patient_name")])
def test_prefilled_text_uses_the_font_a_viewer_types_with(good, row_id, name):
    """Typed and pre-filled values look alike: both are drawn with the /DA font, which has
    every Spanish and Vietnamese letter, so no second font is embedded for them."""
    path = good[1] / "filled" / f"{row_id}.pdf"
    form = reader(path).trailer["/Root"]["/AcroForm"]
    da_name = str(form["/DA"]).split()[0]
    assert appearance_fonts(path, name) == {form["/DR"]["/Font"].raw_get(da_name).idnum}


def test_letters_beyond_the_form_font_get_a_second_embedded_font(good):
    path = good[1] / "filled" / "aram-04.pdf"
    assert len(appearance_fonts(path, "packet.patient_name")) == 2


def test_every_packet_is_sound(good, flat):
    for out in (good[1], flat[0]):
        for path in filled(out).values():
            assert_sound(path)


def test_manifest_lists_the_filled_files_with_their_sha256(good):
    _, out, _ = good
    entries = manifest(out)["files"]
    assert [e["path"] for e in entries] == sorted(f"filled/{i}.pdf" for i in GOOD_IDS)
    for entry in entries:
        data = (out / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), entry["path"]
        assert (entry["lang"], entry["edition"], entry["paper"]) == ("en", "standard", "letter")


def test_good_run_never_shows_patient_values(good):
    _, out, result = good
    shown = result.stdout + result.stderr + json.dumps(manifest(out))
    for value in GOOD_VALUES:
        assert value not in shown
    assert "\r" not in result.stderr, "a progress bar was drawn although stderr is not a terminal"


# ---- flatten ---------------------------------------------------------------------------------

def test_flatten_leaves_no_form(flat):
    out, result = flat
    assert result.returncode == 0, result.stderr
    assert sorted(filled(out)) == sorted(f"{row_id}.pdf" for row_id in GOOD_IDS)
    for path in filled(out).values():
        pdf = reader(path)
        assert not pdf.get_fields(), f"{path.name}: fields left"
        for number, page in enumerate(pdf.pages, start=1):
            kinds = [a.get_object().get("/Subtype") for a in page.get("/Annots", ())]
            assert "/Widget" not in kinds, f"{path.name} p{number}: a widget is left"
    assert "\r" not in result.stderr


@pytest.mark.parametrize("row_id, name", [("ana-01", "packet.patient_name"),
                                          ("hoa_02", "packet.patient_name"),
                                          ("ana-01", "diagnosis.tests_ct"),
                                          ("ana-01", "staging-and-grading.stage")])
def test_flattened_values_are_still_visible(good, flat, row_id, name):
    flat_out, _ = flat
    spots = widgets_of(good[1] / "filled" / f"{row_id}.pdf", name)  # where the field was
    if name.endswith(".stage"):
        spots = [(n, w) for n, w in spots if w["/AS"] != "/Off"]
    number, widget = spots[0]
    assert differs_in(flat_out / "filled" / f"{row_id}.pdf",
                      flat_out / "filled" / "blank-03.pdf", number, rect(widget))


@pytest.mark.parametrize("row_id, value", [("ana-01", ANA), ("hoa_02", HOA), ("aram-04", ARAM)])
def test_flattened_text_can_be_extracted(good, flat, row_id, value):
    flat_out, _ = flat
    spots = widgets_of(good[1] / "filled" / f"{row_id}.pdf", "packet.patient_name")
    assert len(spots) == PACKET_WIDGETS
    for number, _ in spots:  # on the cover and the first page of every handout
        text = reader(flat_out / "filled" / f"{row_id}.pdf").pages[number - 1].extract_text()
        assert value in text, f"page {number}"


def test_the_shipped_sample_gives_one_correct_packet_per_row(work):
    """examples/patients.csv, the file the README tells staff to try, fills without errors,
    and every value it gives is in the field(s) its column names."""
    sample = ROOT / "examples" / "patients.csv"
    out = work / "sample-out"
    result = fill(sample, out, "--jobs", "1")
    assert result.returncode == 0, result.stderr
    with sample.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert sorted(filled(out)) == sorted(f"{row['id']}.pdf" for row in rows)
    for row in rows:
        got = values(out / "filled" / f"{row['id']}.pdf")
        for column, value in row.items():
            if column == "id" or not value:
                continue
            names = [n for n in got if n == column or n.partition(".")[2] == column]
            assert names, f"{row['id']}: no field for column {column}"
            for name in names:
                assert got[name] in (value, f"/{value}", "/Yes"), (row["id"], name, got[name])


# ---- errors ----------------------------------------------------------------------------------

def test_errors_exit_1_and_the_other_rows_are_built(errors):
    _, out, result = errors
    assert result.returncode == 1, result.stderr
    # Both rows with the id ok-1 are left out: which of them is the patient is not known.
    assert sorted(filled(out)) == ["ok-2.pdf"]
    assert [e["path"] for e in manifest(out)["files"]] == ["filled/ok-2.pdf"]
    ok2 = values(out / "filled" / "ok-2.pdf")
    assert ok2["staging-and-grading.stage"] == "/not_known"
    assert ok2["diagnosis.care_team_doctor"] == "Perpetua Wobblesworth"
    assert not (out / "manifest.json").exists(), "a fill wrote the build's manifest"
    # The bad id never became a path.
    assert not list(out.parent.glob("escape*")) and not list(out.glob("escape*"))


@pytest.mark.parametrize("what", EXPECTED_ERRORS)
def test_each_error_is_located(errors, what):
    csv, _, result = errors
    line, col, words = EXPECTED_ERRORS[what]
    prefix = f"{csv}:{line}:{col}: error: "
    found = [text for text in result.stderr.splitlines() if text.startswith(prefix)]
    assert found, f"no '{prefix}...' line for the {what}:\n{result.stderr}"
    assert words in found[0]


def test_every_error_line_is_located(errors):
    csv, _, result = errors
    problems = [t for t in result.stderr.splitlines() if t.startswith(f"{csv}:")]
    assert len(problems) == len(EXPECTED_ERRORS), result.stderr
    assert all(": error: " in t for t in problems)


def test_errors_never_show_patient_values(errors):
    _, out, result = errors
    shown = result.stdout + result.stderr + json.dumps(manifest(out))
    leaked = [value for value in ERROR_VALUES if value in shown]
    assert not leaked, f"patient values in the output: {leaked}"


MULTILINE_CSV = (
    "id,diagnosis.why_cancer,staging-and-grading.stage\n"
    "m1,one line,1\n"
    'm1,"first line of an answer\n'          # line 3: a duplicate id, its record ends on 4
    'second line",2\n'
    'm2,"another answer\n'                   # line 5
    'ends here",9\n'                         # line 6: the bad stage '9' is at column 12
)


@pytest.fixture(scope="module")
def multiline(work):
    csv = write(work / "multiline.csv", MULTILINE_CSV)
    out = work / "multiline-out"
    return csv, out, fill(csv, out, "--jobs", "1")


def test_a_duplicate_id_on_a_multi_line_record_points_at_the_id(multiline):
    csv, out, result = multiline
    assert result.returncode == 1
    assert sorted(filled(out)) == []
    assert f"{csv}:2:1: error: the id 'm1' is also on line 3" in result.stderr, result.stderr
    assert f"{csv}:3:1: error: the id 'm1' is also on line 2" in result.stderr, result.stderr


def test_a_bad_value_after_a_multi_line_cell_has_its_column(multiline):
    csv, _, result = multiline
    assert f"{csv}:6:12: error: " in result.stderr, result.stderr


# ---- batch: shards, jobs, usage --------------------------------------------------------------

def test_shards_are_complete_and_disjoint(batch):
    _, runs = batch
    seen: list[str] = []
    reference = filled(runs["jobs1"][0])
    for k in (1, 2, 3):
        out, result = runs[f"shard{k}"]
        assert result.returncode == 0, result.stderr
        assert "\r" not in result.stderr
        names = sorted(filled(out))
        assert names, f"shard {k}/3 made nothing"
        assert [e["path"] for e in manifest(out)["files"]] == [f"filled/{n}" for n in names]
        for name in names:  # a shard's packet is the same packet an unsharded run makes
            assert filled(out)[name].read_bytes() == reference[name].read_bytes(), name
        seen += names
    assert sorted(seen) == sorted(f"{row_id}.pdf" for row_id in BATCH_IDS)
    assert len(seen) == len(set(seen)), "a row was made by two shards"


def test_jobs_2_and_jobs_1_give_byte_identical_packets(batch):
    _, runs = batch
    one, two = filled(runs["jobs1"][0]), filled(runs["jobs2"][0])
    for key in ("jobs1", "jobs2"):
        out, result = runs[key]
        assert result.returncode == 0, result.stderr
        assert "\r" not in result.stderr
    assert sorted(one) == sorted(two) == sorted(f"{row_id}.pdf" for row_id in BATCH_IDS)
    different = [n for n in one if one[n].read_bytes() != two[n].read_bytes()]
    assert not different, f"--jobs 2 differs from --jobs 1 for {different}"
    for path in list(two.values())[:3]:
        assert_sound(path)


@pytest.mark.parametrize("args", [("--shard", "0/3"), ("--shard", "4/3"), ("--shard", "x")],
                         ids=lambda a: " ".join(a))
def test_bad_shards_are_usage_errors(work, args):
    csv = write(work / "usage.csv", "id,patient_name\nu1,Quentin Usagefake\n")
    out = work / f"usage-{args[1].replace('/', '-')}"
    result = fill(csv, out, *args)
    assert result.returncode == 2, result.stderr
    assert "--shard" in result.stderr
    assert not filled(out)
    assert "Quentin" not in result.stdout + result.stderr


@pytest.mark.parametrize("args", [("--flatten",), ("--shard", "1/3")], ids=lambda a: a[0])
def test_fill_options_without_fill_are_usage_errors(tmp_path, args):
    result = run_cli("--src", HANDOUTS, "--out", tmp_path / "out", *SELECT, *args)
    assert result.returncode == 2, result.stderr
    assert not (tmp_path / "out").exists()


def test_a_short_column_naming_two_questions_is_a_located_error(tmp_path):
    """The answer to one question never lands under another: `results` is asked in diagnosis
    and in follow-up, so the column must say which."""
    csv = write(tmp_path / "ambiguous.csv", "id,results\nr1,Quentin's answer\n")
    result = fill(csv, tmp_path / "out", "--jobs", "1")
    assert result.returncode == 1, result.stderr
    line = next(t for t in result.stderr.splitlines() if t.startswith(f"{csv}:1:4: error: "))
    assert "diagnosis.results" in line and "follow-up.results" in line
    assert "Quentin" not in result.stdout + result.stderr


def test_a_second_fill_uses_the_kept_blank_packet_and_writes_the_same_bytes(tmp_path,
                                                                            monkeypatch):
    """The blank packet is rendered once, then kept (in .state/cache/, as data) until its
    inputs change; what it holds is the blank, never a patient's value."""
    from layouts import build as build_module
    from layouts.options import Options

    csv = write(tmp_path / "patients.csv", BATCH_CSV)
    out = tmp_path / "out"
    rendered = []
    real = build_module._make_pdf
    monkeypatch.setattr(build_module, "_make_pdf", lambda job: rendered.append(1) or real(job))
    options = Options(src=HANDOUTS, out=out, fill=csv, sets=(SET,), langs=("en",), jobs=1)
    assert build_module.build(options).exit_code == 0
    first = {name: path.read_bytes() for name, path in filled(out).items()}
    assert rendered == [1]
    kept = list((out / ".state" / "cache").glob("blank-packet-*.json"))
    assert len(kept) == 1
    assert not any(f"Batch Person {n}" in kept[0].read_text(encoding="utf-8")
                   for n in range(len(BATCH_IDS)))
    assert build_module.build(options).exit_code == 0
    assert rendered == [1]   # not rendered again
    assert {name: path.read_bytes() for name, path in filled(out).items()} == first
    # A damaged kept packet is rendered again, never trusted.
    kept[0].write_text('{"pdf": "not base64", "pages": 1, "spots": []}', encoding="utf-8")
    assert build_module.build(options).exit_code == 0
    assert rendered == [1, 1]
    assert {name: path.read_bytes() for name, path in filled(out).items()} == first
