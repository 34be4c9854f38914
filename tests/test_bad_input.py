"""One bad input per defect: a small edit to a private copy of the content, then the command line.

Each case must exit 1, print `path:line[:col]: error: ...` naming the problem, write nothing at
all, and never show a traceback. Values YAML would coerce (`0123`, `NO`, `1:30`) and ReportLab
markup typed as text must build and print exactly as typed, running nothing.

Image checks need files inside the project's own assets/ folder, so those cases run a copy of the
project (make_pdfs.py, layouts/, assets/) in a temporary folder rather than touching assets/.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest

from conftest import HANDOUTS, ROOT, SET, locate, output, replace, run_cli, topic_file

DIAGNOSIS = topic_file("diagnosis")
TREATMENTS = topic_file("treatments")
CLINIC = "clinic.yaml"
NARROW = ("--lang", "en", "--edition", "standard", "--topic", "diagnosis")
DIAGNOSIS_PDF = output("en", "letter", "standard", "diagnosis")  # what NARROW builds


@dataclass(frozen=True)
class Expected:
    """Where the error must point and what it must say."""

    file: str            # relative to the content folder
    line: int | None     # None: the run may not know a line (reported as a product bug elsewhere)
    col: int | None      # None: the column is not checked
    phrase: str          # a regular expression the message must match






def at(content: Path, rel: str, needle: str, phrase: str, col: bool = True) -> Expected:
    line, column = locate(content, rel, needle)
    return Expected(rel, line, column if col else None, phrase)


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if re.search(r": error: ", ln)]


def assert_reported(result, content: Path, out: Path, expected: Expected) -> None:
    """Exit 1, a located error line with the phrase, no traceback, and nothing written."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)
    where = re.escape(str(content / expected.file))
    if expected.line is None:
        where += r"(:\d+)?(:\d+)?"
    else:
        where += f":{expected.line}" + (f":{expected.col}" if expected.col else r"(:\d+)?")
    pattern = rf"^{where}: error: .*{expected.phrase}"
    assert re.search(pattern, result.stderr, re.M), (
        f"no line matching {pattern!r} in:\n{result.stderr}")
    written = [p for p in out.rglob("*")] if out.exists() else []
    assert written == [], f"a failed run wrote {written}"


# ---- the cases: each edits the content copy and says what must be reported -------------------

def unknown_block_type(c):
    replace(c, DIAGNOSIS, "- paragraph: A NET starts when", "- parragraph: A NET starts when")
    return at(c, DIAGNOSIS, "parragraph",
              r"unknown block type 'parragraph'; did you mean 'paragraph'\?")


def unknown_key(c):
    replace(c, DIAGNOSIS, "review_every_months: 12\n", "review_every_months: 12\ntitel: Tests\n")
    return at(c, DIAGNOSIS, "titel:", r"unknown name 'titel'; did you mean 'title'\?")


def unknown_nested_key(c):
    replace(c, DIAGNOSIS, "          caption: ", "          captoin: ")
    return at(c, DIAGNOSIS, "captoin", r"unknown name 'captoin'; did you mean 'caption'\?")


def missing_title(c):
    text = (c / DIAGNOSIS).read_text(encoding="utf-8")
    title = re.search(r"^title: .*\n", text, re.M).group(0)
    replace(c, DIAGNOSIS, title, "")
    # The handout itself is what lacks it: the error points where the handout's keys begin.
    return at(c, DIAGNOSIS, "main_message:", r"'title' is missing", col=False)


def key_points_as_text(c):
    path = c / DIAGNOSIS
    text = path.read_text(encoding="utf-8")
    new = re.sub(r"^key_points:\n(?:  - .*\n)+", "key_points: Tests help you.\n", text, count=1,
                 flags=re.M)
    assert new != text
    path.write_text(new, encoding="utf-8")
    return at(c, DIAGNOSIS, "Tests help you.", r"'key_points' should be a list")


def duplicate_key(c):
    replace(c, DIAGNOSIS, "review_every_months: 12\n",
            "review_every_months: 12\ntitle: A second title\n")
    line, _ = locate(c, DIAGNOSIS, "title: Finding")
    expected = at(c, DIAGNOSIS, "title: A second title", r"'title' is given twice")
    return Expected(expected.file, expected.line, expected.col,
                    rf"'title' is given twice \(first on line {line}\)")


def anchor(c):
    replace(c, DIAGNOSIS, "title: Finding", "title: &name Finding")
    return at(c, DIAGNOSIS, "&name", r"'&name' is an anchor")


def alias(c):
    replace(c, DIAGNOSIS, "title: Finding", "title: &name Finding")
    replace(c, CLINIC, "name: Maple", "name: *name\nxname: Maple")
    # Aliases across files do not exist: the alias is reported in the file that has it.
    return at(c, CLINIC, "*name", r"alias")


def alias_within_file(c):
    text = (c / DIAGNOSIS).read_text(encoding="utf-8")
    main = re.search(r"^main_message: .*$", text, re.M).group(0)
    replace(c, DIAGNOSIS, main, "main_message: *title")
    return at(c, DIAGNOSIS, "*title", r"alias")


def python_tag(c):
    replace(c, DIAGNOSIS, "title: Finding out you have a pancreatic NET",
            'title: !!python/object/apply:os.system ["touch CANARY"]')
    return at(c, DIAGNOSIS, "!!python", r"YAML tag")


def tab_indent(c):
    replace(c, DIAGNOSIS, "\n  - heading: Not the usual", "\n\t- heading: Not the usual")
    return at(c, DIAGNOSIS, "\t", r"tab")


def empty_file(c):
    (c / TREATMENTS).write_text("", encoding="utf-8")
    return Expected(TREATMENTS, 1, None, r"empty")


def comments_only(c):
    (c / TREATMENTS).write_text("# nothing here yet\n\n", encoding="utf-8")
    return Expected(TREATMENTS, 1, None, r"empty")


def latin1_bytes(c):
    path = c / DIAGNOSIS
    data = path.read_bytes()
    assert b"title: Finding" in data
    path.write_bytes(data.replace(b"title: Finding", "title: Café Finding".encode("latin-1"), 1))
    text = data.decode("utf-8")
    line = text.count("\n", 0, text.index("title: Finding")) + 1
    return Expected(DIAGNOSIS, line, len("title: Caf") + 1, r"UTF-8")


def months_as_word(c):
    replace(c, DIAGNOSIS, "review_every_months: 12", "review_every_months: twelve")
    return at(c, DIAGNOSIS, "twelve", r"whole number.*'twelve'")


def date_with_slashes(c):
    replace(c, DIAGNOSIS, 'last_reviewed: "2026-11-01"', "last_reviewed: 01/11/2026")
    return at(c, DIAGNOSIS, "01/11/2026", r"YYYY-MM-DD.*'01/11/2026'")


def dates_yes(c):
    replace(c, DIAGNOSIS, "dates: true", "dates: yes")
    return at(c, DIAGNOSIS, "dates: yes", r"true or false.*'yes'", col=False)


def unbalanced_bold(c):
    replace(c, DIAGNOSIS, "**which kind**", "**which kind")
    # located where the paragraph's text starts
    return at(c, DIAGNOSIS, "The two kinds are treated", r"'\*\*' without its partner")


def private_use_character(c):
    replace(c, DIAGNOSIS, "main_message: Your tests help", "main_message: Your tests \ue000help")
    return at(c, DIAGNOSIS, "\ue000", r"U\+E000.*cannot be printed")


def cjk_character(c):
    replace(c, DIAGNOSIS, "main_message: Your tests help", "main_message: Your tests 中 help")
    return at(c, DIAGNOSIS, "中", r"'中' \(U\+4E2D[^)]*\) cannot be printed")


def hebrew_text(c):
    replace(c, DIAGNOSIS, "main_message: Your tests help", "main_message: Your tests שלום help")
    return at(c, DIAGNOSIS, "ש", r"U\+05E9.*right-to-left.*not supported")


def arabic_text(c):
    replace(c, TREATMENTS, "title: Treatment", "title: علاج Treatment")
    return at(c, TREATMENTS, "ع", r"U\+0639.*right-to-left.*not supported")


def unknown_file(c):
    """A misspelt topic file in a set's language folder."""
    shutil.copy(c / DIAGNOSIS, c / SET / "en" / "diagnosys.yaml")
    return Expected(f"{SET}/en/diagnosys.yaml", None, None,
                    r"'diagnosys\.yaml' is not a topic of this set; "
                    r"did you mean 'diagnosis(\.yaml)?'\?")


def handout_in_language_folder(c):
    """A topic file left in the shared language folder, where the old layout kept them."""
    shutil.copy(c / DIAGNOSIS, c / "en" / "diagnosis.yaml")
    return Expected("en/diagnosis.yaml", None, None,
                    rf"'diagnosis\.yaml' is not a file this tool reads in a language folder.*"
                    rf"{SET}/en/diagnosis\.yaml")


def logo_climbs_out(c):
    replace(c, CLINIC, "logo: images/logo.png", "logo: ../../etc/passwd")
    return at(c, CLINIC, "../../etc/passwd", r"'\.\./\.\./etc/passwd'.*assets folder")


def logo_absolute(c):
    replace(c, CLINIC, "logo: images/logo.png", "logo: /etc/passwd")
    return at(c, CLINIC, "/etc/passwd", r"'/etc/passwd'.*assets folder")


def logo_missing(c):
    replace(c, CLINIC, "logo: images/logo.png", "logo: images/no-such-logo.png")
    return at(c, CLINIC, "images/no-such-logo.png", r"no file 'images/no-such-logo\.png'")


def multiple_documents(c):
    path = c / DIAGNOSIS
    path.write_text(path.read_text(encoding="utf-8") + "---\ntitle: Again\n", encoding="utf-8")
    return at(c, DIAGNOSIS, "---", r"one document")


CASES = [unknown_block_type, unknown_key, unknown_nested_key, missing_title,
         key_points_as_text, duplicate_key, anchor, alias, alias_within_file, python_tag,
         tab_indent, empty_file, comments_only, latin1_bytes, months_as_word, date_with_slashes,
         dates_yes, unbalanced_bold, private_use_character, cjk_character, hebrew_text,
         arabic_text, unknown_file, handout_in_language_folder, logo_climbs_out, logo_absolute,
         logo_missing, multiple_documents]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_is_reported_and_nothing_is_written(case, content, tmp_path):
    expected = case(content)
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, *NARROW, cwd=tmp_path)

    assert_reported(result, content, out, expected)


def test_unsafe_tag_runs_nothing(content, tmp_path):
    """`!!python/object/apply:os.system` is refused as a tag; the command never runs."""
    canary = tmp_path / "CANARY"
    replace(content, DIAGNOSIS, "title: Finding out you have a pancreatic NET",
            f'title: !!python/object/apply:os.system ["touch {canary}"]')
    replace(content, CLINIC, "name: Maple", "name: !!python/object/apply:os.system "
            '["touch CANARY"]\nxname: Maple')

    result = run_cli("--src", content, "--out", tmp_path / "out", "--lang", "en", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert "YAML tag" in result.stderr
    assert not canary.exists()
    assert not (ROOT / "CANARY").exists()


def test_unknown_file_error_has_a_line_number(content, tmp_path):
    unknown_file(content)
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, *NARROW)

    assert_reported(result, content, out, Expected(f"{SET}/en/diagnosys.yaml", 1, None,
                                                   r"not a topic of this set"))


def test_all_errors_in_two_files_are_reported_in_one_run(content, tmp_path):
    """Three errors in one handout and two in another: all five, each once, in one run."""
    replace(content, DIAGNOSIS, "- paragraph: A NET starts when",
            "- parragraph: A NET starts when")
    replace(content, DIAGNOSIS, "review_every_months: 12", "review_every_months: twelve")
    replace(content, DIAGNOSIS, "dates: true", "dates: yes")
    replace(content, TREATMENTS, 'last_reviewed: "2026-11-01"', "last_reviewed: 01/11/2026")
    replace(content, TREATMENTS, "review_every_months: 12\n", "review_every_months: 12\ntitel: x\n")
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, "--lang", "en")

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = error_lines(result.stderr)
    diagnosis = [e for e in errors if e.startswith(f"{content / DIAGNOSIS}:")]
    treatments = [e for e in errors if e.startswith(f"{content / TREATMENTS}:")]
    assert len(diagnosis) == 3, result.stderr
    assert len(treatments) == 2, result.stderr
    assert len(errors) == 5, result.stderr
    for phrase in ("parragraph", "twelve", "'yes'", "01/11/2026", "titel"):
        assert sum(phrase in e for e in errors) == 1, (phrase, result.stderr)
    assert "5 error(s)" in result.stderr
    assert not out.exists()


# ---- what must build ----------------------------------------------------------------------------

def pdf_text(path: Path) -> str:
    """All text of a PDF with runs of white space folded to one space."""
    reader = pypdf.PdfReader(path)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_bom_and_crlf_build_exactly_like_plain_utf8(content, tmp_path):
    plain_out, bom_out = tmp_path / "plain", tmp_path / "bom"
    assert run_cli("--src", content, "--out", plain_out, *NARROW).returncode == 0
    for rel in (DIAGNOSIS, CLINIC):
        path = content / rel
        data = path.read_bytes()
        assert b"\r\n" not in data
        path.write_bytes(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))

    result = run_cli("--src", content, "--out", bom_out, *NARROW)

    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    name = output("en", "letter", "standard", "diagnosis")
    assert (bom_out / name).read_bytes() == (plain_out / name).read_bytes()


def test_bom_and_crlf_keep_line_numbers(content, tmp_path):
    replace(content, DIAGNOSIS, "- paragraph: A NET starts when",
            "- parragraph: A NET starts when")
    expected = at(content, DIAGNOSIS, "parragraph", r"unknown block type 'parragraph'")
    path = content / DIAGNOSIS
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, *NARROW)

    assert_reported(result, content, out, expected)


def test_values_yaml_would_coerce_are_kept_as_typed(content, tmp_path):
    """`0123` (an octal number to YAML 1.1), `1:30` (a sexagesimal number) and `NO` (false)."""
    out = tmp_path / "out"
    shipped = tmp_path / "shipped"
    assert run_cli("--src", HANDOUTS, "--out", shipped, *NARROW).returncode == 0
    before = pdf_text(shipped / DIAGNOSIS_PDF)
    assert not re.search(r"\bNO\b", before) and "0123" not in before and "1:30" not in before
    assert "False" not in before

    replace(content, CLINIC, 'phone: "555-0100"', "phone: 0123")
    replace(content, CLINIC, 'after_hours_phone: "555-0199"', "after_hours_phone: 1:30")
    replace(content, DIAGNOSIS, "label: My nurse", "label: NO")

    result = run_cli("--src", content, "--out", out, *NARROW)

    assert result.returncode == 0, result.stderr
    text = pdf_text(out / DIAGNOSIS_PDF)
    assert re.search(r"(?<![\d.])0123\b", text), "the phone 0123 lost its leading zero"
    assert re.search(r"(?<!\d)1:30\b", text), "the phone 1:30 was changed"
    assert re.search(r"\bNO\b", text), "the label NO is missing"
    assert "False" not in text


def test_blank_label_left_empty_is_an_error(content, tmp_path):
    """`label:` with nothing after it is YAML null; it must not print as 'None' or vanish."""
    replace(content, DIAGNOSIS, "label: My nurse's name", "label:")
    expected = at(content, DIAGNOSIS, "label:\n", r"'label' is empty", col=False)
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, *NARROW)

    assert_reported(result, content, out, expected)


INJECTION = (
    """<font color="[[[getattr(pow, Word('__globals__'))['os'].system('touch {canary}') """
    """for Word in [ orgTypeFun( 'Word', (str,), { 'mutated': 1, 'startswith': lambda self, """
    """x: 1 == 0, '__eq__': lambda self, x: self.mutate() and self.mutated < 0 and str(self) """
    """== x, 'mutate': lambda self: { setattr(self, 'mutated', self.mutated - 1) }, """
    """'__hash__': lambda self: hash(str(self)), }, ) ] ] for orgTypeFun in [type(type(1))] """
    """for none in [[].append(1)]]] and 'red'">x</font>"""
)
OTHER_MARKUP = ('<a href="javascript:alert(1)">x</a>', '<img src="/etc/passwd"/>',
                "A & B < C > D", "<b>not bold</b> &amp; <br/> &#x41;")


def test_reportlab_markup_in_content_prints_as_typed_and_runs_nothing(content, tmp_path):
    canary = tmp_path / "CANARY"
    payload = INJECTION.replace("{canary}", str(canary))
    blocks = "".join(f"      - paragraph: |-\n          {text}\n"
                     for text in (payload, *OTHER_MARKUP))
    replace(content, DIAGNOSIS, "      - paragraph: A NET starts when",
            blocks + "      - paragraph: A NET starts when")
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, *NARROW, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert not canary.exists(), "the colour attribute was evaluated as Python"
    text = pdf_text(out / DIAGNOSIS_PDF)
    for typed in (payload, *OTHER_MARKUP):
        assert " ".join(typed.split()) in text, f"not printed as typed: {typed[:60]}"
    assert not canary.exists()


# ---- images: run a copy of the project so files can be put in its assets/ ----------------------

@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the program, its assets and its content, in a temporary folder."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy2(ROOT / "make_pdfs.py", root)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("layouts", "assets", "handouts"):
        shutil.copytree(ROOT / name, root / name, ignore=ignore)
    return root


def run_copy(project: Path, *args):
    return subprocess.run([sys.executable, str(project / "make_pdfs.py"), *map(str, args)],
                          cwd=project, capture_output=True, text=True, timeout=120)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG header for a huge greyscale image, with a tiny zero-filled IDAT."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\0" * (width + 1) * 4, 9))
            + png_chunk(b"IEND", b""))


def corrupt_png() -> bytes:
    good = (ROOT / "assets" / "images" / "logo.png").read_bytes()
    return good[:len(good) // 2]  # header intact, image data cut short


@pytest.mark.parametrize("image, phrase", [
    (corrupt_png, r"'images/test-logo\.png' is damaged"),
    (lambda: png_claiming(100_000, 100_000),
     r"'images/test-logo\.png' is 100000 x 100000 pixels, too large"),
    (lambda: b"GIF89a" + b"\0" * 64, r"not a PNG or JPEG"),
], ids=["corrupt-png", "decompression-bomb", "not-an-image"])
def test_bad_logo_image_is_refused(project, image, phrase, tmp_path):
    (project / "assets" / "images" / "test-logo.png").write_bytes(image())
    content = project / "handouts"
    replace(content, CLINIC, "logo: images/logo.png", "logo: images/test-logo.png")
    expected = at(content, CLINIC, "images/test-logo.png", phrase)
    out = tmp_path / "out"

    result = run_copy(project, "--src", content, "--out", out, *NARROW)

    assert_reported(result, content, out, expected)


def test_logo_link_pointing_out_of_assets_is_refused(project, tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes((ROOT / "assets" / "images" / "logo.png").read_bytes())
    (project / "assets" / "images" / "linked.png").symlink_to(outside)
    content = project / "handouts"
    replace(content, CLINIC, "logo: images/logo.png", "logo: images/linked.png")
    expected = at(content, CLINIC, "images/linked.png", r"outside the assets folder")
    out = tmp_path / "out"

    result = run_copy(project, "--src", content, "--out", out, *NARROW)

    assert_reported(result, content, out, expected)


def test_project_copy_builds_with_its_own_logo(project, tmp_path):
    """Control for the image cases: the copy itself builds, so their failures are the images'."""
    result = run_copy(project, "--src", project / "handouts", "--out", tmp_path / "out", *NARROW)
    assert result.returncode == 0, result.stderr


def test_a_broken_language_file_is_the_only_thing_reported(content, tmp_path):
    """A mistake in en/glossary.yaml is reported there, and nothing false is said of the sets."""
    replace(content, "en/glossary.yaml", "\nterms:", "\ntermz:")

    result = run_cli("--src", content, "--out", tmp_path / "out", "--check", "--lang", "en")

    assert result.returncode == 1, result.stderr
    located = [ln for ln in result.stderr.splitlines() if re.search(r": (error|warning): ", ln)]
    assert located, result.stderr
    assert all(ln.startswith(f"{content / 'en' / 'glossary.yaml'}:") for ln in located), \
        result.stderr
