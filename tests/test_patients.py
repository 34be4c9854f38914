"""Patients files, read as staff make them and as an attacker would (DESIGN.md part 2, issue 12).

Read in-process against a small catalog of fields written here (`read`): Excel's CSV as it
comes (BOM, CRLF, semicolons, `Patient Name`); headers matched ignoring case, spaces and `-`;
a column given twice, a full and a short name for one field, a short name for different blanks;
other encodings, binary files, a missing header line and the wrong delimiter as one located
error; ids safe on every system and unique ignoring case; broken rows (unclosed quotes, too many
cells, a cell of any size) as errors for that row while the others are read; pipes, devices and
huge files refused before reading; memory bounded and reading linear, counted rather than
timed; per-row set, lang, edition and paper; a value too long for its blank located; a field
with a widget in every handout (the patient's name, packet-wide) filled in each.

A canary value stands in every cell: no message ever shows it. Then the command itself: an
Excel-made file fills; a too-long value is reported while the rest are built; the canary never
reaches stdout, stderr, a manifest or a file name; `--check --fill` writes nothing;
`--list-fields` prints a header that works; rows choose their packet; files are 0600 in a 0700
folder whatever the umask; a failed fill leaves the build's manifest alone; stopping a
500-patient fill with Ctrl-C or SIGTERM (two processes) leaves only complete packets; what
`kill -9` left is swept by the next run; answers of several lines sit on the ruled lines.
"""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pypdf
import pytest
from fontTools.ttLib import TTFont

from conftest import HANDOUTS, ROOT, full_name, run_cli
from layouts.content.errors import Problems
from layouts.fill import records
from layouts.fill.fill import BlankPacket, Geometry
from layouts.fill.patients import Catalog, Choice, Field, header_names, read_patients
from layouts.pdf.blanks import FieldSpot
from pdf_measure import measure_page

CANARY = "Zqxcanary"           # a patient value that must never be shown
BAD_ID = "Zqx canary"          # a patient value in the id column (not a usable id)
SELECT = ("--lang", "en", "--edition", "standard", "--paper", "letter")


# ---- reading against a small catalog ----------------------------------------------------------

def _fields(*fields: Field) -> dict[str, Field]:
    return {f.name: f for f in fields}


FIELDS = _fields(
    Field("diagnosis.patient_name", "text", (), "Name"),
    Field("treatments.patient_name", "text", (), "Name"),
    Field("diagnosis.care_team_doctor", "text", (), "My doctor"),
    Field("diagnosis.tests_ct", "checkbox", (), "CT scan"),
    Field("diagnosis.q1", "multiline", (), "Why do you think I have cancer?"),
    Field("treatments.q1", "multiline", (), "What treatment is best for me?"),
    Field("staging-and-grading.stage", "radio", ("1", "2", "3", "4", "not_known"),
          "My cancer's stage"),
)
OPTIONS = {"lang": ("en", "es"), "edition": ("standard", "large-print"),
           "paper": ("letter", "a4")}
DEFAULTS = {"set": "", "lang": "en", "edition": "standard", "paper": "letter"}
CATALOG = Catalog({"": FIELDS}, OPTIONS, DEFAULTS)


def read(tmp_path: Path, data: bytes | str, catalog: Catalog = CATALOG, fits=None,
         name: str = "patients.csv"):
    """(rows, problem lines) of reading `data` as a patients file."""
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    problems = Problems()
    rows = read_patients(path, catalog, problems, fits)
    return rows, [str(p) for p in problems.sorted()]


def at(problems: list[str], line: int, col: int | None = None) -> list[str]:
    """The problems located at line (and column)."""
    where = f":{line}:{col}: " if col else f":{line}:"
    return [p for p in problems if where in p]


def assert_never_shown(problems: list[str], *values: str) -> None:
    for value in (CANARY, BAD_ID, *values):
        leaked = [p for p in problems if value.lower() in p.lower()]
        assert not leaked, f"a patient value is shown: {leaked}"


def test_an_excel_file_with_semicolons_bom_crlf_and_a_patient_name_header(tmp_path):
    data = ("\ufeffID;Patient Name;Staging-and-Grading.Stage;Diagnosis.Q1;Tests CT\r\n"
            'p-1;Ana María Gómez;Not Known;"Dijo: ""pronto""; y\r\nluego";x\r\n'
            "p-2;Nguyễn Thị Hoa;2;;\r\n")
    rows, problems = read(tmp_path, data)
    assert problems == []
    assert [(r.id, r.line, r.index) for r in rows] == [("p-1", 2, 0), ("p-2", 4, 1)]
    assert rows[0].values == {
        "diagnosis.patient_name": "Ana María Gómez", "treatments.patient_name": "Ana María Gómez",
        "staging-and-grading.stage": "not_known", "diagnosis.q1": 'Dijo: "pronto"; y\nluego',
        "diagnosis.tests_ct": True}
    assert rows[1].values["staging-and-grading.stage"] == "2"
    assert rows[0].choice == Choice("", "en", "standard", "letter")


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_every_line_ending_reads_alike(tmp_path, ending):
    lines = ["id,patient_name,diagnosis.q1", 'a1,Ana,"one' + ending + 'two"', "b2,Bo,"]
    rows, problems = read(tmp_path, ending.join(lines) + ending)
    assert problems == []
    assert [(r.id, r.line) for r in rows] == [("a1", 2), ("b2", 4)]
    assert rows[0].values["diagnosis.q1"] == "one\ntwo"


def test_a_semicolon_inside_a_comma_file_is_text(tmp_path):
    rows, problems = read(tmp_path, "id,patient_name,diagnosis.care_team_doctor\n"
                                    "a1,Ana;Bo,Dr X; Dr Y\n")
    assert problems == []
    assert rows[0].values["diagnosis.patient_name"] == "Ana;Bo"


def test_a_column_given_twice_is_an_error_and_no_row_is_filled(tmp_path):
    rows, problems = read(tmp_path, f"id,patient_name,Patient-Name\na1,{CANARY},{CANARY}\n")
    assert rows == []
    assert len(problems) == 1 and ":1:17: error: column 3 repeats column 2" in problems[0]
    assert_never_shown(problems)


def test_a_full_and_a_short_name_for_one_field_is_an_error(tmp_path):
    rows, problems = read(tmp_path, f"id,diagnosis.patient_name,patient_name\na1,{CANARY},x\n")
    assert rows == []
    assert len(problems) == 1
    assert ":1:27: error: column 3 ('patient_name') fills the same field as column 2" in \
        problems[0]


def test_a_short_name_for_different_blanks_is_an_error(tmp_path):
    rows, problems = read(tmp_path, f"id,q1\na1,{CANARY}\n")
    assert rows == []
    assert len(problems) == 1
    assert "fits different blanks: diagnosis.q1, treatments.q1" in problems[0]


def test_a_short_name_for_the_same_blank_in_several_handouts_fills_each(tmp_path):
    rows, problems = read(tmp_path, "id,patient_name\na1,Ana\n")
    assert problems == []
    assert rows[0].values == {"diagnosis.patient_name": "Ana", "treatments.patient_name": "Ana"}


def test_a_packet_wide_field_is_matched_by_its_short_name(tmp_path):
    """Once the patient's name is one field for the whole packet (DESIGN.md part 1)."""
    catalog = Catalog({"": _fields(Field("packet.patient_name", "text", (), "Name"),
                                   Field("packet.date_given", "text", (), "Date given"),
                                   *(f for f in FIELDS.values()
                                     if not f.name.endswith("patient_name")))},
                      OPTIONS, DEFAULTS)
    rows, problems = read(tmp_path, "id,Patient Name,date_given\na1,Ana,3 May\n", catalog)
    assert problems == []
    assert rows[0].values == {"packet.patient_name": "Ana", "packet.date_given": "3 May"}
    assert header_names(catalog)[:3] == ["id", "patient_name", "date_given"]


def test_an_unknown_column_is_an_error_that_does_not_show_its_name(tmp_path):
    rows, problems = read(tmp_path, f"id,pateint_name,{CANARY}\na1,x,y\n")
    assert rows == []
    assert len(problems) == 2 and at(problems, 1, 4) and at(problems, 1, 17)
    assert "did you mean 'patient_name'" in problems[0]
    assert_never_shown(problems, "pateint")


# ---- files that are not what they should be: one error, and nothing shown ---------------------

NOT_UTF8 = {
    "utf-16": ("id,patient_name\na1," + CANARY + "\n").encode("utf-16"),
    "utf-16 without a byte order mark": ("id,patient_name\na1," + CANARY + "\n").encode(
        "utf-16-le"),
    "cp1252": ("id,patient_name\na1," + CANARY + "\na2,José " + CANARY + "\n").encode("cp1252"),
    "binary": bytes(range(256)) * 4 + CANARY.encode(),
    "an Excel workbook": b"PK\x03\x04" + CANARY.encode() + bytes(200),
}


@pytest.mark.parametrize("kind", NOT_UTF8)
def test_a_file_in_another_encoding_is_one_located_error(tmp_path, kind):
    rows, problems = read(tmp_path, NOT_UTF8[kind])
    assert rows == []
    assert len(problems) == 1, problems
    assert "CSV UTF-8" in problems[0] and ": error: " in problems[0]
    assert_never_shown(problems)


def test_the_first_bad_byte_is_located(tmp_path):
    rows, problems = read(tmp_path, "id,patient_name\na1,Ana\na2,Jos\xe9\n".encode("cp1252"))
    assert rows == []
    assert at(problems, 3, 7), problems


def test_a_file_without_its_header_line_never_shows_the_first_patient(tmp_path):
    data = f"{BAD_ID},{CANARY},2,x\n{BAD_ID}2,{CANARY}2,3,\n"
    rows, problems = read(tmp_path, data)
    assert rows == []
    assert len(problems) == 1 and ":1:1: error: line 1 has no 'id' column" in problems[0]
    assert "if line 1 holds a patient, add that line above it" in problems[0]
    assert_never_shown(problems)


def test_a_file_separated_by_tabs_says_so_without_showing_anything(tmp_path):
    rows, problems = read(tmp_path, f"id\tpatient_name\na1\t{CANARY}\n")
    assert rows == []
    assert len(problems) == 1 and "separated by tabs" in problems[0]
    assert_never_shown(problems)


def test_rows_in_another_delimiter_than_the_header_are_errors_without_values(tmp_path):
    rows, problems = read(tmp_path, f"id;patient_name;stage\na1,{CANARY},2\na2;Bo;2\n")
    assert [r.id for r in rows] == ["a2"]
    assert len(problems) == 1 and at(problems, 2, 1)
    assert_never_shown(problems)


# ---- ids -------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [BAD_ID, "../etc", "a/b", "-rf", "ana.pdf", "año", "x" * 65,
                                 "a\u200bb"])
def test_an_id_that_cannot_be_a_file_name_is_refused_and_not_shown(tmp_path, bad):
    rows, problems = read(tmp_path, f"id,patient_name\n\"{bad}\",Ana\nok-1,Bo\n")
    assert [r.id for r in rows] == ["ok-1"]
    assert len(problems) == 1 and at(problems, 2, 1)
    assert_never_shown(problems, bad)


@pytest.mark.parametrize("device", ["CON", "con", "Prn", "aux", "NUL", "com1", "COM9", "lpt1",
                                    "LPT9"])
def test_a_windows_device_name_is_refused_as_an_id(tmp_path, device):
    rows, problems = read(tmp_path, f"id,patient_name\n{device},Ana\nok-1,Bo\n")
    assert [r.id for r in rows] == ["ok-1"]
    assert len(problems) == 1 and "Windows keeps for a device" in problems[0]


def test_the_longest_id_allowed_is_accepted(tmp_path):
    rows, problems = read(tmp_path, f"id,patient_name\n{'a' * 64},Ana\n")
    assert problems == [] and rows[0].id == "a" * 64


def test_ids_differing_in_case_are_both_refused_naming_both_lines(tmp_path):
    rows, problems = read(tmp_path, "id,patient_name\nAB-1,Ana\nok-1,Bo\n\nab-1,Cy\n")
    assert [r.id for r in rows] == ["ok-1"]
    assert len(problems) == 2
    assert "the id 'AB-1' is also on line 5 ('ab-1')" in at(problems, 2, 1)[0]
    assert "the id 'ab-1' is also on line 2 ('AB-1')" in at(problems, 5, 1)[0]


def test_an_id_used_by_a_bad_row_still_refuses_its_twin(tmp_path):
    rows, problems = read(tmp_path, "id,patient_name,stage\nab-1,Ana,9\nAB-1,Bo,2\n")
    assert rows == []
    assert len(at(problems, 3, 1)) == 1


# ---- broken rows: an error for that row, the others read ------------------------------------

def test_an_unclosed_quote_in_a_one_line_column_breaks_only_its_row(tmp_path):
    data = f'id,patient_name,stage\na1,"{CANARY},2\na2,Bo,2\n'
    rows, problems = read(tmp_path, data)
    assert [r.id for r in rows] == ["a2"]
    assert len(problems) == 1
    assert ":2:4: error: row 'a1': the quote that opens this cell is not closed" in problems[0]
    assert_never_shown(problems)


def test_an_unclosed_quote_in_an_answer_column_at_the_end_rereads_the_rows_after(tmp_path):
    data = (f'id,patient_name,diagnosis.q1\na1,Ana,"{CANARY}\na2,Bo,fine\n'
            f"a3,Cy,also fine\n{CANARY} more words\n")
    rows, problems = read(tmp_path, data)
    assert [r.id for r in rows] == ["a2", "a3"]
    assert at(problems, 2, 8) and "before the end of the file" in at(problems, 2, 8)[0]
    # The short line after it may be a part of that cell: it is not taken as a row.
    assert "follows the quote left open on line 2" in " ".join(at(problems, 5, 1))
    assert {int(p.split(":")[1]) for p in problems} == {2, 5}
    assert_never_shown(problems)


def test_a_later_quote_does_not_close_a_quote_left_open(tmp_path):
    """The quote of a3's cell would close a1's: the text after it shows that it cannot."""
    data = ('id,patient_name,diagnosis.q1\na1,Ana,"' + CANARY + '\na2,Bo,fine\n'
            'a3,Cy,"Dr Lee, Dr Ng"\na4,Di,"two\nlines"\n')
    rows, problems = read(tmp_path, data)
    assert [(r.id, r.values.get("diagnosis.q1")) for r in rows] == [
        ("a2", "fine"), ("a3", "Dr Lee, Dr Ng"), ("a4", "two\nlines")]
    assert len(problems) == 1 and at(problems, 2, 8)
    assert_never_shown(problems)


def test_a_quoted_cell_over_too_many_lines_is_broken(tmp_path):
    lines = "\n".join(f"{CANARY} {n}" for n in range(records.MAX_CELL_LINES + 5))
    data = f'id,patient_name,diagnosis.q1\na1,Ana,"{lines}"\na2,Bo,fine\n'
    rows, problems = read(tmp_path, data)
    assert "a1" not in [r.id for r in rows] and "a2" in [r.id for r in rows]
    assert at(problems, 2, 8)
    assert_never_shown(problems)


def test_a_quote_left_open_in_the_id_cell_is_the_one_problem_of_its_row(tmp_path):
    rows, problems = read(tmp_path, f'id,patient_name\n"{BAD_ID},{CANARY}\na2,Bo\n')
    assert [r.id for r in rows] == ["a2"]
    assert len(problems) == 1 and "this row: the quote" in at(problems, 2, 1)[0]
    assert_never_shown(problems)


def test_text_after_a_closing_quote_breaks_the_row(tmp_path):
    rows, problems = read(tmp_path, f'id,patient_name\na1,"{CANARY}"x\na2,Bo\n')
    assert [r.id for r in rows] == ["a2"]
    assert len(problems) == 1 and at(problems, 2, 4)
    assert_never_shown(problems)


def test_too_many_cells_is_an_error_at_the_first_extra_cell(tmp_path):
    rows, problems = read(tmp_path, f"id,patient_name,stage\na1,{CANARY},2,{CANARY}\na2,Bo,\n")
    assert [r.id for r in rows] == ["a2"]
    assert len(problems) == 1 and at(problems, 2, 16)
    assert "more cells than line 1 has columns" in problems[0]
    assert_never_shown(problems)


def test_a_short_row_reads_its_missing_cells_as_empty(tmp_path):
    """Excel leaves out the separators of empty cells at the end of some rows."""
    rows, problems = read(tmp_path, "id,patient_name,stage,diagnosis.q1\na1,Ana\na2,Bo,2\n")
    assert problems == []
    assert [r.values for r in rows] == [
        {"diagnosis.patient_name": "Ana", "treatments.patient_name": "Ana"},
        {"diagnosis.patient_name": "Bo", "treatments.patient_name": "Bo",
         "staging-and-grading.stage": "2"}]


def test_a_value_under_a_column_without_a_name_is_an_error(tmp_path):
    """Excel writes empty header cells for formatted columns; empty cells there are fine."""
    rows, problems = read(tmp_path, f"id,patient_name,,\na1,Ana,,\na2,Bo,{CANARY},\n")
    assert [r.id for r in rows] == ["a1"]
    assert len(problems) == 1 and at(problems, 3, 7) and "column 3" in problems[0]
    assert_never_shown(problems)


@pytest.mark.parametrize("size", [records.MAX_CELL_CHARS + 1, 3_000_000])
@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_a_cell_of_any_size_is_an_error_for_its_row(tmp_path, size, quoted):
    big = (CANARY * (size // len(CANARY) + 1))[:size]
    cell = f'"{big}"' if quoted else big
    rows, problems = read(tmp_path, f"id,stage,diagnosis.care_team_doctor\n"
                                    f"a1,2,{cell}\na2,3,Dr Lee\n")
    assert [r.id for r in rows] == ["a2"]
    assert len(problems) == 1
    assert (":2:6: error: row 'a1', column 3 ('diagnosis.care_team_doctor'): this cell holds "
            "more than") in problems[0]
    assert_never_shown(problems)


def test_a_character_no_font_prints_is_an_error_naming_its_place_not_itself(tmp_path):
    rows, problems = read(tmp_path, f"id,patient_name\na1,Ana\u0007{CANARY}\na2,Bo\n")
    assert [r.id for r in rows] == ["a2"]
    assert len(problems) == 1 and "character 4 of this cell" in problems[0]
    assert_never_shown(problems)


@pytest.mark.parametrize("column, value, words", [
    ("stage", CANARY, "write one of 1, 2, 3, 4, not_known"),
    ("tests_ct", CANARY, "write x or yes to tick the box"),
])
def test_a_value_a_blank_does_not_take_is_located_without_showing_it(tmp_path, column, value,
                                                                     words):
    rows, problems = read(tmp_path, f"id,{column}\na1,{value}\na2,\n")
    assert [r.id for r in rows] == ["a2"]
    assert len(problems) == 1 and at(problems, 2, 4) and words in problems[0]
    assert_never_shown(problems)


def test_a_line_break_in_a_one_line_field_is_an_error(tmp_path):
    """Only answers have several lines; elsewhere a quote open at the end of a line is a
    mistake, and taking the next lines into the cell could take another patient's row."""
    rows, problems = read(tmp_path, f'id,diagnosis.care_team_doctor,stage\na1,"Dr Lee\n'
                                    f'{CANARY}",2\na2,Dr Ng,3\n')
    assert [r.id for r in rows] == ["a2"]
    assert "this blank takes one line" in at(problems, 2, 4)[0]
    assert_never_shown(problems)


# ---- choosing the packet per row -------------------------------------------------------------

def test_each_row_may_choose_its_lang_edition_and_paper(tmp_path):
    data = ("id,Lang,Edition,Paper,patient_name\n"
            "a1,,,,Ana\na2,ES,Large-Print,A4,Bo\na3,es,,,Cy\n")
    rows, problems = read(tmp_path, data)
    assert problems == []
    assert [r.choice for r in rows] == [Choice("", "en", "standard", "letter"),
                                        Choice("", "es", "large-print", "a4"),
                                        Choice("", "es", "standard", "letter")]


@pytest.mark.parametrize("column, words", [
    ("lang", "the lang must be one of en, es, or empty for en"),
    ("edition", "the edition must be one of standard, large-print"),
    ("paper", "the paper must be one of letter, a4"),
    ("set", "the set must be left empty (this content has no set to choose)"),
])
def test_an_unknown_choice_is_located_without_showing_it(tmp_path, column, words):
    rows, problems = read(tmp_path, f"id,{column},patient_name\na1,{CANARY},Ana\na2,,Bo\n")
    assert [r.id for r in rows] == ["a2"]
    assert len(problems) == 1 and at(problems, 2, 4) and words in problems[0]
    assert_never_shown(problems)


def test_a_row_may_choose_its_set_and_has_only_that_sets_fields(tmp_path):
    lung = _fields(Field("diagnosis.patient_name", "text", (), "Name"),
                   Field("staging.stage", "radio", ("1", "2", "3"), "Stage"))
    catalog = Catalog({"pancreatic-net": FIELDS, "lung-net": lung}, OPTIONS,
                      {**DEFAULTS, "set": "pancreatic-net"})
    rows, problems = read(tmp_path, "id,set,patient_name,staging-and-grading.stage\n"
                                    "a1,,Ana,4\na2,Lung-NET,Bo,\na3,lung-net,Cy,4\n", catalog)
    assert [(r.id, r.choice.set, r.values) for r in rows] == [
        ("a1", "pancreatic-net", {"diagnosis.patient_name": "Ana",
                                  "treatments.patient_name": "Ana",
                                  "staging-and-grading.stage": "4"}),
        ("a2", "lung-net", {"diagnosis.patient_name": "Bo"})]
    assert len(problems) == 1 and "the set lung-net has no such field" in at(problems, 4, 16)[0]


def test_without_a_default_the_file_must_say_which_language(tmp_path):
    catalog = Catalog({"": FIELDS}, OPTIONS, {**DEFAULTS, "lang": None})
    rows, problems = read(tmp_path, "id,patient_name\na1,Ana\n", catalog)
    assert rows == []
    assert len(problems) == 1 and "give --lang" in at(problems, 1, 1)[0]


# ---- values that do not fit their blank ------------------------------------------------------

def test_a_value_too_long_for_its_blank_names_row_column_and_blank(tmp_path):
    calls = []

    def fits(choice, name, value):
        calls.append((choice, name))
        return len(value) < 20

    rows, problems = read(tmp_path, "id,care_team_doctor,patient_name\n"
                                    f"a1,{CANARY} {CANARY} {CANARY},Ana\na2,Dr Lee,Bo\n",
                          fits=fits)
    assert [r.id for r in rows] == ["a2"]
    assert len(problems) == 1
    assert (":2:4: error: row 'a1', column 2 ('care_team_doctor'): the value is too long for its "
            "blank 'My doctor' (diagnosis.care_team_doctor) in the standard edition on letter "
            "paper") in problems[0]
    assert (Choice("", "en", "standard", "letter"), "treatments.patient_name") in calls
    assert_never_shown(problems)


def dejavu_width(text: str, size: float) -> float:
    """The advance of `text` in DejaVu Sans, read from the font file itself."""
    font = _dejavu()
    cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
    units = font["head"].unitsPerEm
    return sum(metrics[cmap[ord(c)]][0] for c in text) * size / units


_FONT: list = []


def _dejavu():
    if not _FONT:
        _FONT.append(TTFont(ROOT / "assets" / "fonts" / "DejaVuSans.ttf"))
    return _FONT[0]


@pytest.mark.parametrize("edition, size", [("standard", 14), ("large-print", 18)])
def test_a_one_line_value_fits_exactly_as_far_as_its_width_at_the_editions_size(edition, size):
    width, pad = 120.0, 2.0
    spot = FieldSpot("t.name", "text", 1, (50, 50, 50 + width, 75), "Name")
    geometry = Geometry([spot], edition)
    text = ""
    while dejavu_width(text + "Wm", size) <= width - 2 * pad:
        text += "Wm"
    assert geometry.fits("t.name", text)
    assert not geometry.fits("t.name", text + "Wm")
    assert not geometry.fits("t.name", text + "W" * 3)


def test_an_answer_fits_as_many_lines_as_are_ruled():
    pitch = 31.18
    spot = FieldSpot("t.q1", "multiline", 1, (57, 511, 555, 511 + 3 * pitch - 4), "Q", "",
                     pitch)
    geometry = Geometry([spot], "standard")
    assert geometry.fits("t.q1", "one\ntwo\nthree")
    assert not geometry.fits("t.q1", "one\ntwo\nthree\nfour")
    words = "word " * 200
    assert not geometry.fits("t.q1", words)
    assert geometry.fits("t.q1", "x" * 80)          # a long word breaks over two lines
    assert not geometry.fits("t.q1", "x" * 300)


def test_a_field_with_a_widget_in_every_handout_is_filled_in_each(tmp_path):
    """The patient's name is one packet-wide field, shown on the cover and in every handout:
    every widget gets the value and an appearance, flattened or not."""
    from conftest import ASSETS, SET, load_content
    from layouts.build import _make_pdf, check_pictures, packet_job

    content = load_content(langs=("en",))
    rendered = _make_pdf(packet_job(content, SET, "en", "standard", "letter",
                                    str(ASSETS / content.clinic.logo),
                                    check_pictures(content, ASSETS, Problems())))
    spots = list(rendered.field_spots)
    assert sum(spot.name == "packet.patient_name" for spot in spots) >= 5
    packet = BlankPacket(rendered.pdf, spots, "standard")
    filled = pypdf.PdfReader(io.BytesIO(packet.fill({"packet.patient_name": "Ana Gómez"})))
    shown = []
    for page in filled.pages:
        for annot in page.get("/Annots", ()):
            widget = annot.get_object()
            if full_name(widget) == "packet.patient_name":
                holder = widget if "/V" in widget else widget["/Parent"].get_object()
                assert holder["/V"] == "Ana Gómez"
                shown.append(widget["/AP"]["/N"].get_object().get_data())
    assert len(shown) == sum(spot.name == "packet.patient_name" for spot in spots)
    assert all(b"Tj" in data for data in shown)
    flat = pypdf.PdfReader(io.BytesIO(packet.fill({"packet.patient_name": "Ana Gómez"},
                                                  flatten=True)))
    pages = {spot.page for spot in spots if spot.name == "packet.patient_name"}
    assert all("Ana Gómez" in flat.pages[page - 1].extract_text() for page in pages)


# ---- a file as an attacker would give it -----------------------------------------------------

def test_pipes_devices_and_folders_are_refused_without_waiting(tmp_path):
    fifo = tmp_path / "patients.csv"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero"), tmp_path):
        problems, done = Problems(), []
        reader = threading.Thread(target=lambda p=path, found=problems, rows=done: rows.append(
            read_patients(p, CATALOG, found)), daemon=True)
        reader.start()
        reader.join(timeout=10)
        assert done == [[]], f"{path}: still reading after 10 s"
        assert len(problems) == 1 and "not a saved file" in str(problems.sorted()[0])


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "patients.csv"
    with open(path, "wb") as f:  # sparse: no disk used, no time spent
        f.truncate(records.MAX_FILE_BYTES + 1)
    problems = Problems()
    tracemalloc.start()
    try:
        assert read_patients(path, CATALOG, problems) == []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    assert "split it into smaller files" in str(problems.sorted()[0])


def test_memory_stays_bounded_whatever_the_lines(tmp_path):
    """A 20 MB line and a 20 MB quoted cell over 20 lines: memory stays small."""
    path = tmp_path / "patients.csv"
    with open(path, "wb") as f:
        f.write(b"id,patient_name,diagnosis.q1\na1,")
        for _ in range(20):
            f.write(b"x" * 1_000_000)
        f.write(b'\na2,Bo,"')
        for _ in range(20):
            f.write(b"y" * 999_999 + b"\n")
        f.write(b'"\na3,Cy,fine\n')
    problems = Problems()
    tracemalloc.start()
    try:
        rows = read_patients(path, CATALOG, problems)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "a3" in [r.id for r in rows]
    assert peak < 4_000_000, f"reading took {peak / 1e6:.1f} MB"


@pytest.mark.parametrize("line", ['p{n},Ana,"open', "p{n},Ana,open"], ids=["broken", "good"])
def test_reading_is_linear_in_the_rows(tmp_path, monkeypatch, line):
    """Counted, not timed: the characters parsed stay within a small multiple of the file's,
    even when every row leaves a quote open and its lines are read again."""
    fed = [0]
    feed = records._Parser.feed

    def counting(self, text, *args):
        fed[0] += len(text)
        return feed(self, text, *args)

    monkeypatch.setattr(records._Parser, "feed", counting)
    for rows in (2_000, 8_000):
        fed[0] = 0
        data = "id,patient_name,diagnosis.q1\n" + "".join(
            line.format(n=n) + "\n" for n in range(rows))
        read(tmp_path, data)
        assert fed[0] <= 2.2 * len(data), (rows, fed[0], len(data))


# ---- the command -----------------------------------------------------------------------------

def fill(csv_path: Path, out: Path, *extra, env=None):
    return run_cli("--src", HANDOUTS, "--fill", csv_path, *SELECT, "--out", out, "--jobs", "1",
                   *extra, env=env)


def filled(out: Path) -> dict[str, Path]:
    folder = out / "filled"
    return {p.name: p for p in folder.glob("*.pdf")} if folder.is_dir() else {}


def field_values(path: Path) -> dict[str, object]:
    return {name: f.get("/V") for name, f in (pypdf.PdfReader(path).get_fields() or {}).items()}


def everything_shown(result, out: Path) -> str:
    """Every place a value must not reach: the output, the file names and the manifests."""
    names = "\n".join(str(p.relative_to(out)) for p in out.rglob("*")) if out.exists() else ""
    manifests = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("manifest.json")) \
        if out.exists() else ""
    return "\n".join([result.stdout, result.stderr, names, manifests])


def test_an_excel_made_file_fills_and_only_its_owner_can_read_it(tmp_path):
    csv_path = tmp_path / "patients.csv"
    csv_path.write_bytes(("\ufeffid;Patient Name;Stage;Care Team Doctor;Diagnosis.Why Cancer\r\n"
                          'ana-01;Ana María Gómez;2;Dra. Núñez;"Dijo: ""pronto""\r\nsí"\r\n'
                          "hoa-02;Nguyễn Thị Hoa;Not known;;\r\n").encode("utf-8"))
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(ROOT / "make_pdfs.py"), "--src", str(HANDOUTS),
                             "--fill", str(csv_path), *SELECT, "--out", str(out)],
                            capture_output=True, text=True, timeout=300,
                            preexec_fn=lambda: os.umask(0))   # the most open umask there is
    assert result.returncode == 0, result.stderr
    assert sorted(filled(out)) == ["ana-01.pdf", "hoa-02.pdf"]
    ana = field_values(out / "filled" / "ana-01.pdf")
    assert ana["packet.patient_name"] == "Ana María Gómez"
    assert ana["staging-and-grading.stage"] == "/2"
    assert ana["diagnosis.care_team_doctor"] == "Dra. Núñez"
    assert ana["diagnosis.why_cancer"] == 'Dijo: "pronto"\nsí'
    assert field_values(out / "filled" / "hoa-02.pdf")["staging-and-grading.stage"] == \
        "/not_known"
    assert stat.S_IMODE((out / "filled").stat().st_mode) == 0o700
    for path in (out / "filled").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_a_too_long_value_is_located_and_the_other_rows_are_built(tmp_path):
    long_name = f"Dr. {CANARY} Bartholomew Fitzgerald-Worthington of Somewhere Far"
    csv_path = tmp_path / "patients.csv"
    csv_path.write_text("id,patient_name,care_team_doctor\n"
                        f"a1,Ana,{long_name}\na2,Bo,Dr. Lee\na3,Cy,\n", encoding="utf-8")
    out = tmp_path / "out"
    result = fill(csv_path, out)
    assert result.returncode == 1, result.stderr
    assert sorted(filled(out)) == ["a2.pdf", "a3.pdf"]
    assert (f"{csv_path}:2:8: error: row 'a1', column 3 ('care_team_doctor'): the value is too "
            "long for its blank 'My doctor's name' (diagnosis.care_team_doctor)") in result.stderr
    assert CANARY not in everything_shown(result, out)


CANARY_FILES = {
    "no header line": f"{BAD_ID},{CANARY},2\n{BAD_ID},{CANARY},3\n",
    "tabs": f"id\tpatient_name\n{BAD_ID}\t{CANARY}\n",
    "semicolons in a comma file": f"id,patient_name\n{BAD_ID};{CANARY};{CANARY}\n",
    "binary": bytes(range(256)) + f"{BAD_ID},{CANARY}".encode() + b"\x00",
    "cp1252": f"id,patient_name\na1,{CANARY} Jos\xe9\n".encode("cp1252"),
    "broken rows": (f'id,patient_name,stage,lang,tests_ct,{CANARY}\n'
                    f'"{BAD_ID}",{CANARY},{CANARY},{CANARY},{CANARY},{CANARY}\n'
                    f'a2,"{CANARY},2,,,\n'
                    f'a3,{CANARY},2,,,,{CANARY}\n'
                    f'a4,"{CANARY}"{CANARY},2,,,\n'
                    f'a5,{CANARY * 2000},2,,,\n'
                    f'a6,{CANARY}\u0007,2,,,\n'),
    "good rows but one too long": (f"id,patient_name,care_team_doctor\n"
                                   f"a1,{CANARY},{CANARY} {CANARY} {CANARY} {CANARY} {CANARY}\n"
                                   f"a2,{CANARY},{CANARY}\n"),
}


@pytest.mark.parametrize("check", [False, True], ids=["fill", "check"])
@pytest.mark.parametrize("kind", CANARY_FILES)
def test_no_patient_value_reaches_any_output_but_a_packet(tmp_path, kind, check):
    data = CANARY_FILES[kind]
    csv_path = tmp_path / "patients.csv"
    csv_path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    out = tmp_path / "out"
    result = fill(csv_path, out, *(("--check",) if check else ()))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    shown = everything_shown(result, out)
    assert CANARY.lower() not in shown.lower() and BAD_ID.lower() not in shown.lower(), shown


def test_check_fill_checks_the_file_and_writes_nothing(tmp_path):
    csv_path = tmp_path / "patients.csv"
    csv_path.write_text("id,patient_name,stage\na1,Ana,2\na2,Bo,9\na3,Cy,\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("--src", HANDOUTS, "--check", "--fill", csv_path, *SELECT, "--out", out)
    assert result.returncode == 1
    assert f"{csv_path}:3:7: error: row 'a2'" in result.stderr
    assert result.stdout.strip() == (f"checked {csv_path}: 2 row(s) ready to fill; 1 problem(s) "
                                     "above; rows with a problem would be left out; nothing was "
                                     "written")
    assert not out.exists()


def test_list_fields_prints_a_header_that_fills(tmp_path):
    result = run_cli("--src", HANDOUTS, "--list-fields", "--lang", "en")
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()
    assert len(header) == 1
    columns = header[0].split(",")
    assert columns[:3] == ["id", "patient_name", "date_given"]
    assert "stage" in columns and "why_cancer" in columns
    # A short name that means two different questions is given in full.
    assert "diagnosis.results" in columns and "results" not in columns
    assert len(columns) == len(set(columns))
    csv_path = tmp_path / "patients.csv"
    csv_path.write_text(header[0] + "\np1\n", encoding="utf-8")   # a short row, as Excel writes
    check = run_cli("--src", HANDOUTS, "--check", "--fill", csv_path, "--lang", "en")
    assert check.returncode == 0, check.stderr
    assert "1 row(s) ready to fill" in check.stdout


def test_every_field_of_the_packet_has_a_column_in_the_list(tmp_path):
    """A filled packet's fields, each reachable from a listed column by its full or short name."""
    result = run_cli("--src", HANDOUTS, "--list-fields", "--lang", "en")
    columns = set(result.stdout.strip().split(","))
    csv_path = tmp_path / "patients.csv"
    csv_path.write_text("id,patient_name\np1,Ana\n", encoding="utf-8")
    out = tmp_path / "out"
    assert fill(csv_path, out).returncode == 0
    names = set(pypdf.PdfReader(out / "filled" / "p1.pdf").get_fields())
    unreachable = sorted(n for n in names if "." in n and n not in columns
                         and n.rpartition(".")[2] not in columns)
    assert unreachable == []


def test_rows_choose_their_language_edition_and_paper(tmp_path):
    csv_path = tmp_path / "patients.csv"
    csv_path.write_text("id,lang,edition,paper,patient_name,stage\n"
                        "r-en,,,,Ana,2\nr-es,es,,,Ana,2\nr-lp,,large-print,,Bo,1\n"
                        "r-a4,,,A4,Cy,3\n", encoding="utf-8")
    out = tmp_path / "out"
    result = fill(csv_path, out)
    assert result.returncode == 0, result.stderr
    entries = {e["path"]: e for e in json.loads(
        (out / "filled" / "manifest.json").read_text(encoding="utf-8"))["files"]}
    chosen = {path: (e["lang"], e["edition"], e["paper"]) for path, e in entries.items()}
    assert chosen == {"filled/r-en.pdf": ("en", "standard", "letter"),
                      "filled/r-es.pdf": ("es", "standard", "letter"),
                      "filled/r-lp.pdf": ("en", "large-print", "letter"),
                      "filled/r-a4.pdf": ("en", "standard", "a4")}
    for path, entry in entries.items():
        pdf = pypdf.PdfReader(out / path)
        assert len(pdf.pages) == entry["pages"]
        assert str(pdf.trailer["/Root"]["/Lang"]).startswith(entry["lang"])
        width = float(pdf.pages[0].mediabox.width)
        assert abs(width - (595.28 if entry["paper"] == "a4" else 612)) < 1, path
        assert field_values(out / path)["packet.patient_name"] in ("Ana", "Bo", "Cy")
    assert entries["filled/r-lp.pdf"]["pages"] > entries["filled/r-en.pdf"]["pages"]


def test_a_fill_leaves_the_builds_manifest_as_it_was(tmp_path):
    out = tmp_path / "out"
    build = run_cli("--src", HANDOUTS, "--out", out, *SELECT, "--topic", "diagnosis")
    assert build.returncode == 0, build.stderr
    before = (out / "manifest.json").read_bytes()
    csv_path = tmp_path / "patients.csv"
    csv_path.write_text("id,patient_name,stage\na1,Ana,2\na2,Bo,9\n", encoding="utf-8")
    result = fill(csv_path, out)
    assert result.returncode == 1
    assert (out / "manifest.json").read_bytes() == before
    assert sorted(filled(out)) == ["a1.pdf"]


def test_the_next_fill_sweeps_what_a_killed_one_left(tmp_path):
    out = tmp_path / "out"
    (out / "filled").mkdir(parents=True)
    left = out / "filled" / ".partial-a9.pdf.999999.tmp"
    left.write_bytes(b"%PDF-1.7 half a packet")
    csv_path = tmp_path / "patients.csv"
    csv_path.write_text("id,patient_name\na1,Ana\n", encoding="utf-8")
    assert fill(csv_path, out).returncode == 0
    assert not left.exists()


# ---- stopping a fill -------------------------------------------------------------------------

def leftovers(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if p.name.startswith(".partial-") or p.name.endswith(".tmp"))


def is_complete_pdf(path: Path) -> bool:
    data = path.read_bytes()
    if not data.rstrip().endswith(b"%%EOF"):
        return False
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
        return len(reader.pages) > 1 and bool(reader.get_fields())
    except Exception:
        return False


@pytest.fixture(scope="module")
def many_patients(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("many") / "patients.csv"
    path.write_text("id,patient_name,stage,care_team_doctor,diagnosis.why_cancer\n" + "".join(
        f"p{n:03d},Patient {n},{n % 4 + 1},Dr. Rivera,\"We will know more\nafter the scan.\"\n"
        for n in range(500)), encoding="utf-8")
    return path


def start_fill(csv_path: Path, out: Path, jobs: int) -> subprocess.Popen:
    # A session of its own, so a signal to its group reaches the command and its workers, as
    # Ctrl-C at a terminal does.
    return subprocess.Popen([sys.executable, str(ROOT / "make_pdfs.py"), "--src", str(HANDOUTS),
                             "--fill", str(csv_path), *SELECT, "--out", str(out),
                             "--jobs", str(jobs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for_packets(process: subprocess.Popen, out: Path, count: int, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if len(filled(out)) >= count:
            return
        time.sleep(0.005)


@pytest.mark.parametrize("how, jobs, code", [("ctrl-c", 2, 130), ("sigterm", 2, 143),
                                             ("ctrl-c", 1, 130), ("sigterm", 1, 143)])
def test_stopping_a_fill_leaves_only_complete_packets(tmp_path, many_patients, how, jobs, code):
    out = tmp_path / "out"
    process = start_fill(many_patients, out, jobs)
    wait_for_packets(process, out, 20)
    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == code, (process.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    assert "stopped" in stderr
    assert leftovers(out) == []
    packets = filled(out)
    assert 0 < len(packets) < 500, f"{len(packets)} packets: the fill was not stopped midway"
    incomplete = [name for name, path in packets.items() if not is_complete_pdf(path)]
    assert incomplete == []
    assert not (out / "filled" / "manifest.json").exists()


def test_the_run_after_kill_9_sweeps_what_it_left(tmp_path, many_patients):
    out = tmp_path / "out"
    for _ in range(2):
        process = start_fill(many_patients, out, 2)
        wait_for_packets(process, out, 10 + len(filled(out)))
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
    small = tmp_path / "small.csv"
    small.write_text("id,patient_name\na1,Ana\n", encoding="utf-8")
    assert fill(small, out).returncode == 0
    assert leftovers(out) == []


# ---- answers on their lines ------------------------------------------------------------------

def test_an_answer_of_several_lines_sits_on_the_ruled_lines(tmp_path):
    answer = ("First line of the answer\nSecond line, which is long enough to wrap onto the "
              "line after it at the standard size of fourteen points")
    csv_path = tmp_path / "patients.csv"
    csv_path.write_text(f'id,diagnosis.why_cancer\na1,"{answer}"\n', encoding="utf-8")
    out, flat = tmp_path / "out", tmp_path / "flat"
    assert fill(csv_path, out).returncode == 0
    assert fill(csv_path, flat, "--flatten").returncode == 0
    reader = pypdf.PdfReader(out / "filled" / "a1.pdf")
    for number, page in enumerate(reader.pages):  # noqa: B007 - the page found is used below
        widget = next((a.get_object() for a in page.get("/Annots", ())
                       if full_name(a.get_object()) == "diagnosis.why_cancer"), None)
        if widget is not None:
            break
    x1, x2 = sorted(float(v) for v in widget["/Rect"][::2])
    y1, y2 = sorted(float(v) for v in widget["/Rect"][1::2])
    flat_reader = pypdf.PdfReader(flat / "filled" / "a1.pdf")
    drawing = measure_page(flat_reader.pages[number], flat_reader)
    rules = sorted({round(s.y1, 2) for s in drawing.segments
                    if s.horizontal and y1 - 2 <= s.y1 <= y2 + 1
                    and min(s.x1, s.x2) <= x1 + 1 and max(s.x1, s.x2) >= x2 - 1}, reverse=True)
    baselines = sorted({round(t.y, 2) for t in drawing.texts
                        if x1 <= t.x0 <= x2 and y1 - 2 <= t.y <= y2}, reverse=True)
    assert len(rules) >= 3
    assert len(baselines) == 3, baselines   # the second paragraph wraps once
    for line, baseline in enumerate(baselines):
        above = baseline - rules[line]
        assert 1 <= above <= 6, (f"answer line {line + 1} is {above:.1f} pt above ruled line "
                                 f"{line + 1}", baselines, rules)
