"""Hostile inputs from issue 5 that test_bad_input.py does not cover, one case per behaviour.

Alias bombs, oversized and over-deep files; a 300-character word in a paragraph, a log column label
and a blank label; a list of 200 items; one block taller than a page in every kind of text field;
asset paths that are web addresses, file URLs or absolute paths; an output folder that cannot be
written; a disk that fills up part-way through a file; a manifest that cannot be replaced; and a
problem message that must stay on one line.

Every case runs the command line in a fresh process (cwd is the test's own folder) and asserts the
exit code, where the message points, that no PDF or temporary file is left half-written, and that
nothing ran (no CANARY file appears). Every PDF a successful run writes is also checked by
conftest.run_cli (pdf_checks.assert_sound_pdf).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

from conftest import HANDOUTS, ROOT, locate, output, replace, run_cli, topic_file
from layouts.content.model import TEXT_LENGTH
from pdf_checks import check_pdfs_under

DIAGNOSIS = topic_file("diagnosis")
TREATMENTS = topic_file("treatments")
STAGING = topic_file("staging-and-grading")
FOLLOW_UP = topic_file("follow-up")
GLOSSARY = "en/glossary.yaml"
PHRASES = "en/phrases.yaml"
CLINIC = "clinic.yaml"
SELECT = ("--lang", "en", "--edition", "standard")
PARAGRAPH = "- paragraph: A NET starts when some endocrine cells change."  # a plain one
FAST = 10.0  # seconds: a refusal is quick, whatever the input's size (process start included)


# ---- helpers -------------------------------------------------------------------------------------





def set_value(content: Path, rel: str, line_start: str, value: str) -> tuple[int, int]:
    """Give the value that starts with `line_start` ('label: My nurse', '- What tests') a new,
    double-quoted value; returns the value's line and column."""
    path = content / rel
    text = path.read_text(encoding="utf-8")
    assert line_start in text, f"{rel} no longer contains {line_start!r}; update this test"
    at = text.index(line_start)
    key = re.match(r"((?:- )?[a-z_]+: |- )", line_start).group(1)
    path.write_text(text[:at] + key + json.dumps(value, ensure_ascii=False)
                    + text[text.index("\n", at):], encoding="utf-8")
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1 + len(key)


def leftovers(folder: Path) -> list[Path]:
    """Temporary files a write left behind."""
    if not folder.exists():
        return []
    return [p for p in folder.rglob("*") if p.name.startswith(".partial-")
            or p.name.endswith((".tmp", ".partial"))]


def assert_nothing_ran(tmp_path: Path) -> None:
    assert not (tmp_path / "CANARY").exists(), "something in the content was run"
    assert not (ROOT / "CANARY").exists(), "something in the content was run"


def assert_refused(result, content: Path, out: Path, tmp_path: Path, rel: str,
                   line: int, col: int | None, phrase: str) -> None:
    """Exit 1, one located error with the phrase, no traceback, nothing written, nothing run."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)
    where = re.escape(str(content / rel)) + f":{line}" + (f":{col}" if col else r"(:\d+)?")
    pattern = rf"^{where}: error: .*{phrase}"
    assert re.search(pattern, result.stderr, re.M), f"no {pattern!r} in:\n{result.stderr}"
    written = list(out.rglob("*")) if out.exists() else []
    assert written == [], f"a refused run wrote {written}"
    assert_nothing_ran(tmp_path)


def assert_built(result, out: Path, tmp_path: Path) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert leftovers(out) == []
    assert check_pdfs_under(out) > 0  # already checked by run_cli; cached, so this is free
    assert_nothing_ran(tmp_path)


def pdf_text(path: Path) -> str:
    """All text of a PDF, white space folded to single spaces."""
    reader = pypdf.PdfReader(path)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def squeezed(text: str) -> str:
    return "".join(text.split())


def text_off_the_page(path: Path) -> list[tuple[int, str]]:
    """(page, character) for every drawn character whose box leaves the page."""
    pdf = pdfium.PdfDocument(str(path))
    off = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            for i in range(textpage.count_chars()):
                left, bottom, right, top = textpage.get_charbox(i)
                if right > left and (left < -0.5 or right > width + 0.5 or bottom < -0.5
                                     or top > height + 0.5):
                    off.append((index + 1, textpage.get_text_range(i, 1)))
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return off


# ---- YAML that tries to exhaust the reader -------------------------------------------------------

def test_alias_bomb_is_refused_fast_at_the_first_anchor(content, tmp_path):
    """A 'billion laughs' document: 9 ** 10 strings if expanded; refused at its first anchor."""
    bomb = 'lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
        f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    payload = '!!python/object/apply:os.system ["touch CANARY"]'
    replace(content, DIAGNOSIS, "title:", bomb + f"boom: {payload}\ntitle:")
    line, col = locate(content, DIAGNOSIS, "&a0")
    out = tmp_path / "out"

    started = time.monotonic()
    result = run_cli("--src", content, "--out", out, *SELECT, "--topic", "diagnosis",
                     cwd=tmp_path, timeout=60)

    assert time.monotonic() - started < FAST, "the alias bomb was not refused quickly"
    assert_refused(result, content, out, tmp_path, DIAGNOSIS, line, col,
                   r"'&a0' is an anchor; anchors and aliases are not allowed")


@pytest.mark.parametrize("padding", ["paragraph", "comment"])
def test_oversized_file_is_refused_before_it_is_parsed(content, tmp_path, padding):
    """Over 1 MB: refused at once, whole file pointed at (line 1), whatever it holds."""
    if padding == "paragraph":
        replace(content, DIAGNOSIS, "- paragraph: A NET starts when",
                "- paragraph: " + "Tests help. " * 100_000 + "A NET starts when")
    else:
        with open(content / DIAGNOSIS, "a", encoding="utf-8") as f:
            f.write("# " + "x" * 1_100_000 + "\n")
    assert (content / DIAGNOSIS).stat().st_size > 1_000_000
    out = tmp_path / "out"

    started = time.monotonic()
    result = run_cli("--src", content, "--out", out, *SELECT, "--topic", "diagnosis",
                     cwd=tmp_path)

    assert time.monotonic() - started < FAST
    assert_refused(result, content, out, tmp_path, DIAGNOSIS, 1, None,
                   r"larger than 1000 kB")


def test_file_just_under_the_size_limit_is_read(content, tmp_path):
    """The limit is on bytes, not a guess: 999 kB of comments and a valid handout pass --check."""
    path = content / DIAGNOSIS
    text = path.read_text(encoding="utf-8")
    line = "# " + "x" * 98 + "\n"
    path.write_text(text + line * ((999_000 - len(text.encode())) // len(line)), encoding="utf-8")
    assert 990_000 < path.stat().st_size <= 1_000_000

    result = run_cli("--src", content, "--out", tmp_path / "out", "--check", "--lang", "en",
                     cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "out").exists()
    assert_nothing_ran(tmp_path)


@pytest.mark.parametrize("shape, phrase", [
    ("flow", r"nested too deeply"),
    ("block", r"nested too deeply"),
    ("items", r"too many items"),
])
def test_deep_or_huge_structures_are_refused_fast(content, tmp_path, shape, phrase):
    if shape == "flow":      # 100 000 open brackets
        replace(content, DIAGNOSIS, "main_message: ", "main_message: " + "[" * 100_000)
    elif shape == "block":   # 200 nested list levels
        replace(content, DIAGNOSIS, "main_message: ", "main_message:\n"
                + "".join(" " * i + "- \n" for i in range(1, 200)) + "#")
    else:                    # 60 000 list items in a file well under 1 MB
        replace(content, DIAGNOSIS, "questions:\n", "questions:\n" + "  - x\n" * 60_000)
    out = tmp_path / "out"

    started = time.monotonic()
    result = run_cli("--src", content, "--out", out, *SELECT, "--topic", "diagnosis",
                     cwd=tmp_path)

    assert time.monotonic() - started < FAST
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    assert re.search(rf"^{re.escape(str(content / DIAGNOSIS))}:\d+:\d+: error: .*{phrase}",
                     result.stderr, re.M), result.stderr
    assert not out.exists()
    assert_nothing_ran(tmp_path)


# ---- long words, long lists, tall blocks ---------------------------------------------------------

# 300 letters in a fixed, non-repeating-looking order, so a dropped or moved chunk shows.
LONG_WORD = "".join("abcdefghijklmnopqrstuvwxyz"[(i * 7) % 26] for i in range(300))



@pytest.mark.parametrize("edition", ["standard", "large-print"])
@pytest.mark.parametrize("where", [
    pytest.param((DIAGNOSIS, PARAGRAPH, "diagnosis"),
                 id="paragraph"),
    pytest.param((TREATMENTS, "label: Medicine", "treatments"), id="log-column-label"),
    pytest.param((DIAGNOSIS, "label: My nurse", "diagnosis"), id="blank-label"),
])
def test_300_character_word_builds_and_comes_back(content, tmp_path, where, edition):
    """Labels are capped in length (they sit beside a line or head a narrow column): there the
    word is refused where it was typed; in a paragraph it prints whole."""
    rel, line_start, topic = where
    line, _ = set_value(content, rel, line_start, f"Start {LONG_WORD} end")
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, "--lang", "en", "--edition", edition,
                     "--topic", topic, cwd=tmp_path)

    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    if line_start.startswith("label:"):
        assert result.returncode == 1
        assert re.search(rf"^{re.escape(str(content / rel))}:{line}:\d+: error: .* characters "
                         r"long; keep it to \d+ or fewer", result.stderr, re.M), result.stderr
        assert not out.exists()
        return
    assert_built(result, out, tmp_path)
    pdf = out / output("en", "letter", edition, topic)
    assert LONG_WORD in squeezed(pdf_text(pdf)), "the long word did not come back whole"
    assert text_off_the_page(pdf) == [], "text runs off the page"


@pytest.mark.parametrize("kind", ["list", "questions"])
def test_list_of_200_items_builds_with_a_located_warning(content, tmp_path, kind):
    items = [f"Item i{n:03d} is here." for n in range(1, 201)]
    if kind == "list":
        old = "      - list:\n          - Its exocrine cells"
        new = "      - list:\n" + "".join(f"          - {t}\n" for t in items) + "      - list:\n" \
              "          - Its exocrine cells"
        replace(content, DIAGNOSIS, old, new)
        line, col = locate(content, DIAGNOSIS, "- Item i001")
        what = "this list"
    else:
        replace(content, DIAGNOSIS, "questions:\n", "questions:\n" + "".join(
            f"  - name: item_i{n:03d}\n    ask: {t}\n" for n, t in enumerate(items, start=1)))
        line, col = locate(content, DIAGNOSIS, "- name: item_i001")
        what = "'questions'"
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, *SELECT, "--topic", "diagnosis",
                     cwd=tmp_path)

    assert_built(result, out, tmp_path)
    warning = (rf"^{re.escape(str(content / DIAGNOSIS))}:{line}:{col}: warning: "
               rf"{re.escape(what)} has 2\d\d items; lists of 7 or fewer")
    assert re.search(warning, result.stderr, re.M), result.stderr
    pdf = out / output("en", "letter", "standard", "diagnosis")
    text = pdf_text(pdf)
    missing = [n for n in range(1, 201) if f"i{n:03d}" not in text]
    assert missing == [], f"items missing from the PDF: {missing[:10]}"
    if kind == "questions":  # every question has its answer and tick box, by its own name
        fields = pypdf.PdfReader(pdf).get_fields() or {}
        for n in range(1, 201):
            assert {f"diagnosis.item_i{n:03d}", f"diagnosis.item_i{n:03d}_asked"} <= set(fields)


@pytest.mark.parametrize("where", ["topic", "clinic"])
def test_200_warning_signs_are_refused_where_typed(content, tmp_path, where):
    """Page 1 has room for seven warning signs: a longer list is an error, not a warning."""
    items = "".join(f"  - Item i{n:03d} is here.\n" for n in range(1, 201))
    if where == "topic":  # the topic's own signs, added to the clinic's
        rel = DIAGNOSIS
        replace(content, rel, "\nsources:\n", f"\nwarning_signs:\n{items}\nsources:\n")
        line, col = locate(content, rel, "Item i001")
        phrase = r"this handout would show 206 warning signs.*room for 7"
    else:  # the clinic's own, in English
        rel = CLINIC
        replace(content, rel, "      signs:\n",
                "      signs:\n" + items.replace("  -", "        -"))
        line, col = locate(content, rel, "Item i001")
        line, col = line, col - 2  # the list starts at its first '- '
        phrase = r"'signs' can have at most 7 items, it has 20\d"
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, *SELECT, "--topic", "diagnosis",
                     cwd=tmp_path)

    assert_refused(result, content, out, tmp_path, rel, line, col, phrase)


# The longest text the model accepts (TEXT_LENGTH characters), in sentences whose tokens a line
# break cannot split. In the large-print edition it is about 1.5 pages tall in the text frame.
CAPPED = " ".join(f"Step s{n:04d} is here." for n in range(1, (TEXT_LENGTH + 1) // 20 + 1))
SENTENCES = len(CAPPED.split(".")) - 1



def tall(rel, line_start, topic, id=None, marks=()):
    return pytest.param((rel, line_start, topic), id=id, marks=marks)


@pytest.mark.parametrize("where", [
    tall(DIAGNOSIS, PARAGRAPH, "diagnosis", id="paragraph"),
    tall(DIAGNOSIS, "- Its exocrine cells make a juice", "diagnosis", id="list-item"),
    tall(DIAGNOSIS, "- A biopsy is the only sure way", "diagnosis", id="key-point"),
    tall(DIAGNOSIS, "- The care team at {clinic} reviewed", "diagnosis", id="source"),
    tall(DIAGNOSIS, "title: Finding out", "diagnosis", id="title"),
    tall(DIAGNOSIS, "heading: What a pancreatic NET is", "diagnosis", id="heading"),
    tall(DIAGNOSIS, "caption: The pancreas", "diagnosis", id="picture-caption"),
    tall(DIAGNOSIS, "liver: Liver", "diagnosis", id="picture-label"),
    tall(FOLLOW_UP, "label: Things to remember or ask", "follow-up", id="notes-label"),
    tall(GLOSSARY, "means: An organ deep in your belly", "diagnosis", id="glossary-definition"),
    tall(DIAGNOSIS, "main_message: Your tests help", "diagnosis", id="main-message"),
    tall(DIAGNOSIS, "ask: Which tests will I need", "diagnosis", id="question"),
    tall(CLINIC, "- Very bad pain in your belly", "diagnosis", id="warning-sign"),
    tall(TREATMENTS, "- Redness, swelling", "treatments", id="topic-warning-sign"),
    tall(CLINIC, "emergency: Call 911", "diagnosis", id="clinic-emergency-line"),
    tall(CLINIC, 'language_help: "Free help', "diagnosis", id="clinic-language-help"),
    tall(DIAGNOSIS, "label: My nurse", "diagnosis", id="blank-label"),
    tall(DIAGNOSIS, "label: Biopsy", "diagnosis", id="checklist-label"),
    tall(STAGING, "label: Stage 1", "staging-and-grading", id="choice-option-label"),
    tall(STAGING, "meaning: The lowest stage.", "staging-and-grading", id="choice-meaning"),
    tall(TREATMENTS, "label: Medicine", "treatments", id="log-column-label"),
    tall(PHRASES, "call_intro: Call us", "diagnosis", id="phrases-call-intro"),
])
def test_block_taller_than_a_page_builds_or_is_refused_with_a_location(content, tmp_path,
                                                                         where):
    """The longest accepted value, in large print: it flows over pages, or is refused."""
    rel, line_start, topic = where
    line, _ = set_value(content, rel, line_start, CAPPED)
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, "--lang", "en", "--edition", "large-print",
                     "--topic", topic, cwd=tmp_path)

    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    if result.returncode == 1:
        assert re.search(rf"^{re.escape(str(content / rel))}:{line}(:\d+)?: error: ",
                         result.stderr, re.M), result.stderr
        assert not out.exists()
        assert_nothing_ran(tmp_path)
        return
    assert_built(result, out, tmp_path)
    pdf = out / output("en", "letter", "large-print", topic)
    pages = [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(pdf).pages]
    text = " ".join(pages)
    missing = [n for n in range(1, SENTENCES + 1) if f"s{n:04d}" not in text]
    assert missing == [], f"{len(missing)} sentences missing, such as s{missing[0]:04d}"
    assert text_off_the_page(pdf) == [], "text runs off the page"
    if where[1].startswith("- paragraph"):
        first = next(i for i, t in enumerate(pages) if "s0001" in t)
        last = next(i for i, t in enumerate(pages) if f"s{SENTENCES:04d}" in t)
        assert last > first, "the paragraph was meant to be taller than a page"


def test_a_long_but_plausible_title_stays_on_the_page(content, tmp_path):
    title = ("Finding out you have a pancreatic neuroendocrine tumor: what the tests are, what "
             "they mean for you and your family, and what to ask your care team in the weeks "
             "before your treatment planning visits")
    assert 180 < len(title) < 220
    set_value(content, DIAGNOSIS, "title: Finding out", title)
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, *SELECT, "--topic", "diagnosis",
                     cwd=tmp_path)

    assert_built(result, out, tmp_path)
    assert text_off_the_page(out / output("en", "letter", "standard", "diagnosis")) == []


def test_text_over_the_length_cap_is_refused_fast_with_a_location(content, tmp_path):
    """3000 words in one paragraph: refused where typed, before any layout is tried."""
    text = " ".join(f"Step s{n:04d} is here." for n in range(1, 751))
    line, col = set_value(content, DIAGNOSIS, PARAGRAPH,
                          text)
    out = tmp_path / "out"

    started = time.monotonic()
    result = run_cli("--src", content, "--out", out, *SELECT, "--topic", "diagnosis",
                     cwd=tmp_path)

    assert time.monotonic() - started < FAST
    assert_refused(result, content, out, tmp_path, DIAGNOSIS, line, col,
                   rf"{len(text)} characters long; keep it to {TEXT_LENGTH} or fewer")


# ---- asset paths ---------------------------------------------------------------------------------

@pytest.fixture
def listener():
    """A local web server that never answers: a run that fetched a URL would show up here."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


@pytest.mark.parametrize("logo", [
    "https://example.org/logo.png",
    "http://127.0.0.1:{port}/logo.png",
    "file:///etc/passwd",
    "file://{root}/assets/images/logo.png",
    "{root}/assets/images/logo.png",     # absolute path to a real image inside assets/
    "images/../../../etc/passwd",        # climbing out from the middle of the path
    "images\\..\\..\\logo.png",          # Windows separators
    "//example.org/logo.png",            # a network path
], ids=["https", "http-local", "file-url", "file-url-to-assets", "absolute-into-assets",
        "climb-from-inside", "backslashes", "network-path"])
def test_asset_path_that_is_not_inside_assets_is_refused(content, tmp_path, listener, logo):
    port = listener.getsockname()[1]
    value = logo.format(port=port, root=ROOT)
    replace(content, CLINIC, "logo: images/logo.png", f"logo: '{value}'")
    line, col = locate(content, CLINIC, f"'{value}'")
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, *SELECT, "--topic", "diagnosis",
                     cwd=tmp_path)

    assert_refused(result, content, out, tmp_path, CLINIC, line, col, r"assets folder")
    assert connections(listener) == 0, "the build tried to fetch the logo from the web"


# ---- output that cannot be written ---------------------------------------------------------------

def unwritable_folder(tmp_path: Path) -> Path:
    """A folder the build cannot create or write into, for this user."""
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        return locked
    # root ignores permission bits: use a kernel file system that refuses new folders.
    for parent in (Path("/sys/kernel"), Path("/proc/1")):
        probe = parent / f"handouts-test-{os.getpid()}"
        try:
            probe.mkdir()
        except OSError:
            return probe
        probe.rmdir()
    pytest.skip("running as root and no folder refuses to be written")


def test_unwritable_output_folder_exits_3(tmp_path):
    out = unwritable_folder(tmp_path)
    try:
        result = run_cli("--src", HANDOUTS, "--out", out, *SELECT, "--topic", "diagnosis",
                         cwd=tmp_path)
    finally:
        if out.name == "locked":
            out.chmod(0o700)

    assert result.returncode == 3, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert re.search(rf"^make_pdfs\.py: build failed: {re.escape(str(out))}\S*: cannot write",
                     result.stderr, re.M), result.stderr
    assert not out.exists() or list(out.rglob("*")) == []
    assert_nothing_ran(tmp_path)


def file_size_limit(limit: int):
    def apply():  # runs in the child before make_pdfs.py starts
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_disk_full_part_way_through_a_file_exits_3_and_keeps_the_earlier_build(content,
                                                                                tmp_path):
    """A write that fails after 20 kB (RLIMIT_FSIZE: EFBIG, as a full disk gives ENOSPC)."""
    out = tmp_path / "out"
    first = run_cli("--src", content, "--out", out, *SELECT, "--topic", "diagnosis", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    assert min((out / p).stat().st_size for p in before if p.endswith(".pdf")) > 20_000
    replace(content, DIAGNOSIS, "title: Finding out", "title: Now finding out")

    result = subprocess.run(
        [sys.executable, str(ROOT / "make_pdfs.py"), "--src", str(content), "--out", str(out),
         *SELECT, "--topic", "diagnosis", "--jobs", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, preexec_fn=file_size_limit(20_000))

    assert result.returncode == 3, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert re.search(rf"^make_pdfs\.py: build failed: {re.escape(str(out))}\S*: cannot write "
                     r"\(File too large\)", result.stderr, re.M), result.stderr
    assert leftovers(out) == []
    assert snapshot(out) == before, "the earlier build changed"
    check_pdfs_under(out)
    assert_nothing_ran(tmp_path)


def test_manifest_that_cannot_be_replaced_exits_3_with_every_pdf_whole(tmp_path):
    out = tmp_path / "out"
    (out / "manifest.json").mkdir(parents=True)

    result = run_cli("--src", HANDOUTS, "--out", out, *SELECT, "--topic", "diagnosis",
                     "--format", "pdf", cwd=tmp_path)  # PDFs only: one, no web site

    assert result.returncode == 3, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert re.search(r"^make_pdfs\.py: build failed: .*manifest\.json", result.stderr, re.M), \
        result.stderr
    assert leftovers(out) == []
    assert check_pdfs_under(out) == 1  # written whole before the manifest failed
    assert_nothing_ran(tmp_path)


# ---- messages ------------------------------------------------------------------------------------

def test_a_message_quoting_a_multi_line_value_stays_on_one_line(content, tmp_path):
    replace(content, DIAGNOSIS, "review_every_months: 12", 'review_every_months: "12\\n3"')
    replace(content, DIAGNOSIS, "- name: ct\n", '- name: "c\\nt"\n')
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, *SELECT, "--topic", "diagnosis",
                     cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if not re.match(r"\d+ error\(s\)", ln)]
    assert len(lines) == 2, lines
    located = re.compile(rf"^{re.escape(str(content / DIAGNOSIS))}:\d+:\d+: error: ")
    assert all(located.match(ln) for ln in lines), lines
