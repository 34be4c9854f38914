"""Mistakes staff make in the content, and the program's own faults, as the person sees them.

Each content case is one small edit to a private copy of the shipped content, then the command
line: the expected `path:line:col`, severity, exit code and the words of the message that say
what to do. Columns count characters as an editor shows them, whatever comes before on the line
(tabs, emoji, letters with combining accents, a BOM, CRLF line endings).

The program's faults (a missing optional extra, a damaged font, another build holding the
output folder, a web address too long for its line) are each one plain line, never a traceback.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pypdf
import pytest

from conftest import HANDOUTS, ROOT, locate, problems, replace, run_cli
from pdf_measure import MM, measure_page

TODAY = "2026-12-01"       # after every shipped review date, before any next review
SET = "pancreatic-net"
DIAGNOSIS = f"{SET}/en/diagnosis.yaml"
PHRASES = "en/phrases.yaml"
CLINIC = "clinic.yaml"
PARAGRAPH = "      - paragraph: Here are some tests you may have. You may not need all of them."
# The first line of each kind in the shipped files, found by its shape so that rewording the
# content does not break these tests.
ANY_PARAGRAPH = r"      - paragraph: [^\"'].*"   # a paragraph not in quotes
ANY_KEY_POINT = r"  - (?!heading:|name:).*"        # key points come first in a handout
ANY_ASK = r"    ask: .*"
ANY_HEADING = r"  - heading: .*"
TITLE = r"title: .*"
REVIEWED = re.escape('last_reviewed: "2026-11-01"')
NARROW = ("--set", SET, "--lang", "en", "--topic", "diagnosis", "--edition", "standard",
          "--paper", "letter")


@pytest.fixture
def src(tmp_path) -> Path:
    """A private copy of the shipped content, with the pictures' assets folder beside it."""
    target = tmp_path / "handouts"
    shutil.copytree(HANDOUTS, target)
    shutil.copytree(ROOT / "assets" / "images", tmp_path / "assets" / "images")
    return target


def check(src: Path, *extra):
    return run_cli("--src", src, "--check", "--today", TODAY, "--lang", "en",
                   "--out", src.parent / "out", *extra)


def reported(result, src: Path, rel: str, line: int, col: int | None, severity: str,
             *words: str) -> str:
    """The message of the problem printed at rel:line:col with that severity; each of `words`
    must be in it. Never a traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    path = (src / rel).resolve()
    found = [p for p in problems(result.stderr)
             if p["path"] == path and p["line"] == line and p["severity"] == severity
             and p["col"] == (None if col is None else str(col))]
    where = f"{rel}:{line}" + (f":{col}" if col else "")
    assert found, f"nothing reported at {where} ({severity}) in:\n{result.stderr}"
    saying = [p["message"] for p in found if all(word in p["message"] for word in words)]
    assert saying, (words, [p["message"] for p in found])
    return saying[0]


def edit_line(src: Path, rel: str, shape: str, new: str) -> int:
    """Replace the first line of src/rel that is all `shape` (a regular expression) with `new`;
    return its (1-based) number."""
    path = src / rel
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next((i for i, text in enumerate(lines) if re.fullmatch(shape, text)), None)
    assert index is not None, f"{rel} has no line like {shape!r}; update this test"
    lines[index] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


# ---- text after ' #' ---------------------------------------------------------------------------

def test_words_after_a_space_and_hash_in_text_are_a_warning_at_the_hash(src):
    line = edit_line(src, DIAGNOSIS, ANY_PARAGRAPH, PARAGRAPH + " # ask for the nurse")
    col = PARAGRAPH.index("You may not") + len("You may not need all of them. ") + 1
    result = check(src)
    assert result.returncode == 0, result.stderr
    reported(result, src, DIAGNOSIS, line, col, "warning", "' #'", "left out",
             "double quotes", "line of their own")
    strict = check(src, "--strict")
    assert strict.returncode == 1
    reported(strict, src, DIAGNOSIS, line, col, "error", "' #'")


def test_a_value_left_empty_by_a_comment_is_reported_at_the_hash(src):
    line = edit_line(src, DIAGNOSIS, ANY_PARAGRAPH, "      - paragraph: # Ask for the nurse.")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, line, len("      - paragraph: ") + 1, "warning", "' #'")
    reported(result, src, DIAGNOSIS, line, len("      - paragraph:") + 1, "error", "empty")


def test_a_hash_that_cuts_a_text_of_several_lines_is_an_error_at_the_hash(src):
    start = "      - paragraph: Here are some tests"
    line = edit_line(src, DIAGNOSIS, ANY_PARAGRAPH, f"{start}\n          you may # have\n"
                     "          You may not need all of them.")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, line + 1, len("          you may #"), "error", "' #'",
             f"line {line + 2} cannot be read", "double quotes", "line of its own")


def test_notes_after_numbers_names_paths_and_quoted_text_are_not_warned(src):
    replace(src, DIAGNOSIS, "review_every_months: 12\n", "review_every_months: 12  # a year\n")
    replace(src, DIAGNOSIS, "  - name: why_cancer\n", "  - name: why_cancer  # the first one\n")
    replace(src, DIAGNOSIS, 'last_reviewed: "2026-11-01"',
            'last_reviewed: "2026-11-01"  # by Dr. Rivera')
    replace(src, CLINIC, "paper: letter", "paper: letter  # or a4")
    edit_line(src, DIAGNOSIS, ANY_PARAGRAPH, '      - paragraph: "Ask for room # 4."  # a note')
    edit_line(src, DIAGNOSIS, ANY_PARAGRAPH, "      - paragraph: You may need test#2 and more.")
    result = check(src, "--strict")
    assert result.returncode == 0, result.stderr


# ---- quotes ------------------------------------------------------------------------------------

def test_a_quote_never_closed_points_where_it_opened(src):
    path = src / DIAGNOSIS
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    last = lines[-1]
    assert last.startswith("  - ") and '"' not in last
    lines[-1] = '  - "' + last.removeprefix("  - ")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, len(lines), 5, "error", "never closed", 'add a "')


def test_a_quote_closed_by_a_later_lines_quote_points_where_it_opened(src):
    line = edit_line(src, DIAGNOSIS, TITLE,
                     'title: "Finding out you have a pancreatic NET')
    result = check(src)
    assert result.returncode == 1
    reviewed, col = locate(src, DIAGNOSIS, '"2026-11-01"')
    reported(result, src, DIAGNOSIS, line, len("title: ") + 1, "error", "not closed on its line",
             f"line {reviewed}, column {col}", 'add a "')
    assert len([p for p in problems(result.stderr) if p["severity"] == "error"]) == 1


def test_an_apostrophe_inside_single_quotes_says_what_to_do(src):
    line = edit_line(src, DIAGNOSIS, TITLE,
                     "title: 'What's a pancreatic NET?'")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, line, len("title: ") + 1, "error", "column 13",
             "double quotes")


# ---- ': ' inside text --------------------------------------------------------------------------

def test_a_colon_in_a_list_item_says_to_put_it_in_quotes(src):
    line = edit_line(src, DIAGNOSIS, ANY_KEY_POINT, "  - Ask: what is each test for?")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, line, 5, "error", "': '", "double quotes", '"Ask: ..."')


def test_a_colon_in_a_question_says_to_put_it_in_quotes(src):
    line = edit_line(src, DIAGNOSIS, ANY_ASK,
                     "    ask: Tests: which ones will I need?")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, line, len("    ask: Tests") + 1, "error", "':'",
             "double quotes")


# ---- dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, words", [
    ("2026-02-30", ("February 2026 has 28 days", "no day 30")),
    ('"2027-02-29"', ("February 2027 has 28 days",)),
    ('"2026-13-01"', ("no month 13",)),
    ("“2026-11-01”", ("curly quotes", 'straight quotes: "2026-11-01"')),
    ("11/01/2026", ('"2026-11-01" or "2026-01-11"', "year first")),
    ("13/01/2026", ('year first: "2026-01-13"',)),
    ("2026-1-5", ('two digits each: "2026-01-05"',)),
    ("soon", ('like "2026-11-01"',)),
])
def test_a_date_that_is_wrong_says_what_is_wrong(src, typed, words):
    line = edit_line(src, DIAGNOSIS, REVIEWED, f"last_reviewed: {typed}")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, line, len("last_reviewed: ") + 1, "error",
             "YYYY-MM-DD (year, month, day)", *words)


def test_a_review_date_after_today_is_an_error(src):
    line = edit_line(src, DIAGNOSIS, REVIEWED, 'last_reviewed: "2026-12-02"')
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, line, len("last_reviewed: ") + 1, "error", "2026-12-02",
             f"after today ({TODAY})", "cannot have happened yet")
    # Reviewed today is fine.
    edit_line(src, DIAGNOSIS, re.escape('last_reviewed: "2026-12-02"'),
              f'last_reviewed: "{TODAY}"')
    assert check(src, "--strict").returncode == 0


def test_warning_signs_reviewed_after_today_are_an_error(src):
    replace(src, CLINIC, 'last_reviewed: "2026-11-01"', 'last_reviewed: "2027-11-01"')
    line, col = locate(src, CLINIC, 'last_reviewed: "2027-11-01"')
    result = check(src)
    assert result.returncode == 1
    reported(result, src, CLINIC, line, col, "error", "warning signs", "2027-11-01",
             "cannot have happened yet")


# ---- files -------------------------------------------------------------------------------------

@pytest.mark.parametrize("rel", [DIAGNOSIS, f"{SET}/set.yaml", f"{SET}/en/set.yaml", PHRASES,
                                 "en/glossary.yaml", CLINIC])
def test_a_yml_file_is_an_error_saying_to_rename_it(src, rel):
    yml = Path(rel).with_suffix(".yml")
    (src / rel).rename(src / yml)
    result = run_cli("--src", src, "--check", "--today", TODAY, "--out", src.parent / "out")
    assert result.returncode == 1
    reported(result, src, str(yml), 1, None, "error", f"'{yml.name}' ends in .yml",
             f"rename it to {Path(rel).name}")
    # The one mistake is said once, not also as a missing file or topic.
    assert "missing" not in result.stderr and "not written" not in result.stderr, result.stderr


def test_a_content_file_linked_from_outside_is_refused(src, tmp_path):
    outside = tmp_path / "elsewhere" / "diagnosis.yaml"
    outside.parent.mkdir()
    (src / DIAGNOSIS).rename(outside)
    (src / DIAGNOSIS).symlink_to(outside)
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, 1, None, "error", "link", "outside the content folder",
             "copy the file")


def test_a_language_folder_linked_from_outside_is_refused(src, tmp_path):
    outside = tmp_path / "elsewhere" / "es"
    outside.parent.mkdir()
    (src / "es").rename(outside)
    (src / "es").symlink_to(outside, target_is_directory=True)
    result = run_cli("--src", src, "--check", "--today", TODAY, "--out", tmp_path / "out")
    assert result.returncode == 1
    reported(result, src, "es", 1, None, "error", "link", "outside the content folder")


def test_a_link_that_stays_inside_the_content_folder_is_read(src):
    (src / DIAGNOSIS).rename(src / "diagnosis-master.yaml")
    (src / DIAGNOSIS).symlink_to(Path("..") / ".." / "diagnosis-master.yaml")
    result = check(src, "--strict")
    assert result.returncode == 0, result.stderr


def test_a_broken_language_file_is_reported_there_and_nothing_else_is_said(src):
    line = edit_line(src, "en/glossary.yaml", "terms:", "termz:")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, "en/glossary.yaml", line, 1, "error", "unknown name 'termz'")
    located = problems(result.stderr)
    assert {p["path"] for p in located} == {(src / "en" / "glossary.yaml").resolve()}, \
        result.stderr


# ---- what the model checks -----------------------------------------------------------------

def test_a_question_asked_twice_is_an_error_at_the_second(src):
    path = src / DIAGNOSIS
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, text in enumerate(lines) if re.fullmatch(ANY_ASK, text))
    asked = lines[index].removeprefix("    ask: ")
    # The same question, in other capitals and spacing, after the first one.
    lines[index + 1:index + 1] = ["  - name: asked_again",
                                  "    ask: " + asked.upper().replace(" ", "  ", 1)]
    path.write_text("\n".join(lines), encoding="utf-8")
    first = index  # the line of the first question's name, where that question starts
    line, col = index + 3, len("    ask: ") + 1
    result = run_cli("--src", src, "--check", "--today", TODAY, "--out", src.parent / "out")
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, line, col, "error", "already asked", f"line {first}")


@pytest.mark.parametrize("length, warned", [(80, False), (81, True)])
def test_a_heading_too_long_to_be_a_heading_is_a_warning(src, length, warned):
    longer = ("Not the usual pancreatic cancer, which starts in other cells of the pancreas, "
              "and grows faster")[:length]
    assert len(longer) == length and not longer.endswith(" ")  # YAML drops a trailing space
    line = edit_line(src, DIAGNOSIS, ANY_HEADING, f"  - heading: {longer}")
    result = check(src)
    assert result.returncode == 0, result.stderr
    if warned:
        reported(result, src, DIAGNOSIS, line, len("  - heading: ") + 1, "warning",
                 f"{length} characters", "80 or fewer")
    else:
        assert "heading" not in result.stderr, result.stderr


@pytest.mark.parametrize("typed, words", [
    ("Page {page} of {total}", ("'{total}' is not filled in here", "{page} and {pages}")),
    ("Page {page} of {pages!r}", ("'{pages!r}'",)),
    ("Page {{page}} of {pages}", ("'{{' and '}}' print as '{' and '}'", "{page}")),
])
def test_a_placeholder_the_layout_does_not_fill_is_an_error(src, typed, words):
    line = edit_line(src, PHRASES, r"page_label: .*", f"page_label: {typed}")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, PHRASES, line, len("page_label: ") + 1, "error", *words)


def test_a_web_address_longer_than_a_qr_code_can_carry_is_an_error(src):
    address = "https://example.org/" + "a" * 281
    line = edit_line(src, CLINIC, r"web: .*",
                     f"web: {address}")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, CLINIC, line, len("web: ") + 1, "error", "301 characters",
             "300 or fewer", "shorter address")


# ---- columns, whatever comes before ------------------------------------------------------------

BEFORE = {
    "tab": "\t",
    "emoji": "\N{GRINNING FACE}",
    "emoji with skin tone": "\N{WAVING HAND SIGN}\N{EMOJI MODIFIER FITZPATRICK TYPE-4}",
    "joined emoji": "\N{WOMAN}\u200d\N{STAFF OF AESCULAPIUS}\ufe0f",
    "flag": "\N{REGIONAL INDICATOR SYMBOL LETTER E}\N{REGIONAL INDICATOR SYMBOL LETTER S}",
    "combining accent": "e\N{COMBINING ACUTE ACCENT}",
    "Vietnamese letter with two accents": "e\N{COMBINING CIRCUMFLEX ACCENT}"
                                          "\N{COMBINING DOT BELOW}",
}


@pytest.mark.parametrize("what", BEFORE)
def test_a_column_counts_what_an_editor_shows_as_one_character(src, what):
    """`what` is one character on screen, so the '#' is one column further than with 'x'."""
    start = "      - paragraph: Ask "
    line = edit_line(src, DIAGNOSIS, ANY_PARAGRAPH, f"{start}{BEFORE[what]} us # a note")
    result = check(src)
    reported(result, src, DIAGNOSIS, line, len(start + "x us ") + 1, "warning", "' #'")


def test_an_unprintable_character_is_pointed_at_after_an_emoji_and_accents(src):
    start = ("title: Qu\N{LATIN SMALL LETTER E}\N{COMBINING ACUTE ACCENT} "
             "\N{WAVING HAND SIGN}\N{EMOJI MODIFIER FITZPATRICK TYPE-4} ")
    line = edit_line(src, DIAGNOSIS, TITLE,
                     start + "\N{ARABIC LETTER AIN}")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, line, len("title: Qué x ") + 1, "error", "U+0639")


def test_a_bom_is_not_a_column(src):
    path = src / DIAGNOSIS
    text = path.read_text(encoding="utf-8")
    first, rest = text.split("\n", 1)
    assert first.startswith("# yaml-language-server")
    title = rest.split("\n", 1)[0]
    path.write_text("\ufeff" + rest.replace(title, title + " # a note", 1), encoding="utf-8")
    result = check(src)
    reported(result, src, DIAGNOSIS, 1, len(title) + 2, "warning", "' #'")


def test_crlf_line_endings_keep_lines_and_columns(src):
    line = edit_line(src, DIAGNOSIS, ANY_PARAGRAPH, PARAGRAPH + " # a note")
    path = src / DIAGNOSIS
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = check(src)
    reported(result, src, DIAGNOSIS, line, len(PARAGRAPH) + 2, "warning", "' #'")


def test_a_control_character_is_pointed_at_after_an_emoji(src):
    line = edit_line(src, DIAGNOSIS, TITLE,
                     "title: Finding \N{GRINNING FACE} out\a")
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, line, len("title: Finding x out") + 1, "error", "U+0007")


def test_bytes_that_are_not_utf8_are_pointed_at_after_accents(src):
    path = src / DIAGNOSIS
    data = path.read_bytes().replace(b"title: Finding", "title: Qué \N{GRINNING FACE}".encode()
                                     + b"\xff", 1)
    path.write_bytes(data)
    result = check(src)
    assert result.returncode == 1
    reported(result, src, DIAGNOSIS, 2, len("title: Qué x") + 1, "error", "UTF-8")


def test_an_allowed_words_file_saved_in_another_encoding_is_located(src):
    (src / "en" / "allowed-words.txt").write_bytes("# kept words\nnet\ncafé\n".encode("cp1252"))
    result = check(src)
    assert result.returncode == 1
    reported(result, src, "en/allowed-words.txt", 3, len("caf") + 1, "error", "UTF-8")


# ---- a handout that runs too long --------------------------------------------------------------

def make_long(src: Path) -> None:
    sentence = "Tests help your care team learn about your tumor, so they can plan your care. "
    sections = "".join(f"  - heading: More about tests, part {n}\n    blocks:\n" + "".join(
        f"      - paragraph: {sentence * 6}\n" for _ in range(4)) for n in range(1, 7))
    replace(src, DIAGNOSIS, "\nquestions:\n", "\n" + sections + "\nquestions:\n")


def test_a_handout_that_runs_too_long_is_a_warning_from_the_build(src, tmp_path):
    make_long(src)
    out = tmp_path / "out"
    result = run_cli("--src", src, "--out", out, "--today", TODAY, *NARROW)
    assert result.returncode == 0, result.stderr
    pages = len(pypdf.PdfReader(out / SET / "en" / "letter" / "standard" / "diagnosis.pdf").pages)
    assert pages > 12
    line, col = locate(src, DIAGNOSIS, "title:")
    reported(result, src, DIAGNOSIS, line, col, "warning", f"runs to {pages} pages",
             "standard edition", "more than 12", "split it")


def test_under_strict_a_handout_too_long_writes_nothing(src, tmp_path):
    make_long(src)
    out = tmp_path / "out"
    result = run_cli("--src", src, "--out", out, "--today", TODAY, "--strict", *NARROW)
    assert result.returncode == 1
    line, col = locate(src, DIAGNOSIS, "title:")
    reported(result, src, DIAGNOSIS, line, col, "error", "pages")
    assert not out.exists() or not any(out.rglob("*.pdf"))


# ---- the program's own faults --------------------------------------------------------------------

def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_preview_without_its_renderer_is_one_line_before_anything_is_written(tmp_path):
    # A package of the same name that fails to import, as when the extra is not installed.
    shadow = tmp_path / "shadow" / "pypdfium2"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        'raise ImportError("No module named pypdfium2", name="pypdfium2")\n')
    out = tmp_path / "out"
    result = run_cli("--out", out, "--preview", "--today", TODAY, *NARROW,
                     env={"PYTHONPATH": str(shadow.parent)})
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "--preview needs pypdfium2 and pillow" in line
    assert 'pip install -e ".[preview]"' in line
    assert not out.exists()


def project_copy(tmp_path: Path) -> Path:
    """The tool (make_pdfs.py, layouts/, assets/) in a folder of its own, to damage safely."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "make_pdfs.py", project)
    shutil.copytree(ROOT / "layouts", project / "layouts",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "assets", project / "assets")
    shutil.copytree(HANDOUTS, project / "handouts")
    return project


@pytest.mark.parametrize("damage", ["truncated", "one byte changed"])
@pytest.mark.parametrize("check_only", [True, False])
def test_a_damaged_font_is_exit_3_with_one_line(tmp_path, damage, check_only):
    project = project_copy(tmp_path)
    font = project / "assets" / "fonts" / "DejaVuSans.ttf"
    data = bytearray(font.read_bytes())
    if damage == "truncated":
        data = data[:len(data) // 2]
    else:
        data[len(data) // 2] ^= 0xFF
    font.write_bytes(bytes(data))
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "make_pdfs.py", "--out", str(out), "--today", TODAY, *NARROW,
         *(["--check"] if check_only else [])],
        cwd=project, capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stderr
    line = one_line(result.stderr)
    assert str(font) in line and "damaged" in line and "put back" in line
    assert not out.exists()


@contextlib.contextmanager
def waiting_build(out: Path):
    """A build started while another one holds the lock of `out`, once it says it waits;
    yields the process and a function that lets it go on."""
    out.mkdir()
    holder = os.open(out, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another build is writing into out
    release = threading.Timer(120, lambda: fcntl.flock(holder, fcntl.LOCK_UN))
    release.start()  # never hang the tests, whatever happens
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "make_pdfs.py"), "--out", str(out), "--today", TODAY,
         *NARROW], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()
        assert first.strip() == f"make_pdfs.py: waiting for another build of {out} to finish"
        assert not any(out.rglob("*.pdf"))  # it really waits
        yield process, lambda: fcntl.flock(holder, fcntl.LOCK_UN)
    finally:
        release.cancel()
        process.kill()
        process.communicate()
        os.close(holder)


def test_a_build_waiting_for_another_builds_lock_says_so_once(tmp_path):
    out = tmp_path / "out"
    with waiting_build(out) as (process, go_on):
        go_on()
        _, rest = process.communicate(timeout=120)
    assert process.returncode == 0, rest
    assert "waiting" not in rest and "Traceback" not in rest, rest
    assert (out / SET / "en" / "letter" / "standard" / "diagnosis.pdf").is_file()


@pytest.mark.parametrize("stop, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_exits_130_and_sigterm_143_with_one_line(tmp_path, stop, code):
    out = tmp_path / "out"
    with waiting_build(out) as (process, _):
        process.send_signal(stop)
        _, rest = process.communicate(timeout=120)
    assert process.returncode == code, rest
    assert "stopped" in one_line(rest)
    assert not any(out.rglob("*"))


def test_a_long_web_address_is_printed_in_full_inside_the_page(src, tmp_path):
    web = "https://handouts.example.org/" + "/".join(["maple-grove-cancer-center"] * 7)
    web = web[:200]
    assert len(web) == 200
    edit_line(src, CLINIC, r"web: .*", f"web: {web}")
    out = tmp_path / "out"
    result = run_cli("--src", src, "--out", out, "--today", TODAY, "--set", SET, "--lang", "en",
                     "--topic", "diagnosis", "--paper", "letter")
    assert result.returncode == 0, result.stderr
    for edition in ("standard", "large-print"):
        reader = pypdf.PdfReader(out / SET / "en" / "letter" / edition / "diagnosis.pdf")
        for number, page in enumerate(reader.pages, 1):
            drawing = measure_page(page, reader)
            for run in drawing.texts:
                assert 10 * MM <= run.x0 and run.x1 <= drawing.width - 10 * MM, (
                    edition, number, run.x0, run.x1, run.raw[:40])
        last = re.sub(r"\s+", "", reader.pages[-1].extract_text())
        assert f"{web}/{SET}/en/diagnosis.html" in last, last[-400:]
