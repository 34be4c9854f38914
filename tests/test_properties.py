"""Property-based tests (Hypothesis): what holds for every handout, not only the shipped ones.

a) A generated valid handout (the shipped English diagnosis handout with every main message, key
   point, paragraph, list item and question replaced by generated words, accents included) always
   builds, every PDF it makes is sound (pdf_checks), and every generated word comes back out of
   its text.
b) A generated invalid document (valid YAML text with lines deleted or doubled, characters such as
   tabs, ':', '&', '*', '!', quotes and control characters inserted, indentation shifted, the file
   cut at a random byte, a value replaced by a list or mapping) always gives located problems
   (`path:line[:col]: error|warning: message`), never a traceback and never a hang.
c) The YAML reader alone never raises on arbitrary bytes.

The runs are deterministic (derandomize=True, no example database), so a failure repeats.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import tempfile
import unicodedata
from pathlib import Path

import pypdf
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import HANDOUTS, SET, copy_assets, output, topic_file
from layouts.build import Options, UsageError, build
from layouts.content.errors import Problems
from layouts.content.source import parse_yaml
from pdf_checks import check_pdfs_under

HANG_SECONDS = 20   # one example of a content check taking this long is a hang
DETERMINISTIC = dict(derandomize=True, database=None, deadline=None, print_blob=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LOCATED = re.compile(r"^.+?:(?P<line>\d+)(:\d+)?: (error|warning): .+")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


@contextlib.contextmanager
def fresh_content(scratch: Path):
    """A private copy of the shipped content for one example, removed afterwards."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        shutil.copytree(HANDOUTS, folder / "handouts")
        copy_assets(folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Hang(Exception):
    """An example ran longer than HANG_SECONDS."""


@contextlib.contextmanager
def time_limit(seconds: int):
    def stop(signum, frame):
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ---- a) valid handouts build and keep every word -----------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóúñçàèü"
words = st.text(alphabet=LETTERS, min_size=1, max_size=12)
sentences = st.lists(words, min_size=1, max_size=15).map(" ".join)
items = st.lists(sentences, min_size=1, max_size=7)
# Questions must differ from each other (asking one twice is an error).
questions = st.lists(sentences, min_size=1, max_size=7,
                     unique_by=lambda text: " ".join(text.casefold().split()))

DIAGNOSIS = topic_file("diagnosis")
TEMPLATE = yaml.safe_load((HANDOUTS / DIAGNOSIS).read_text(encoding="utf-8"))
PARAGRAPHS = sum("paragraph" in block for s in TEMPLATE["sections"] for block in s["blocks"])
LISTS = sum("list" in block for s in TEMPLATE["sections"] for block in s["blocks"])


@st.composite
def handouts(draw):
    """The shipped diagnosis handout with all its running text generated."""
    data = yaml.safe_load((HANDOUTS / DIAGNOSIS).read_text(encoding="utf-8"))
    data["main_message"] = draw(sentences)
    data["key_points"] = draw(st.lists(sentences, min_size=1, max_size=5))  # the model's limit
    paragraphs = iter(draw(st.lists(sentences, min_size=PARAGRAPHS, max_size=PARAGRAPHS)))
    lists = iter(draw(st.lists(items, min_size=LISTS, max_size=LISTS)))
    for section in data["sections"]:
        for block in section["blocks"]:
            if "paragraph" in block:
                block["paragraph"] = next(paragraphs)
            elif "list" in block:
                block["list"] = next(lists)
    # each question keeps a name of the shipped handout; only its words are generated
    names = [question["name"] for question in TEMPLATE["questions"]]
    data["questions"] = [{"name": name, "ask": ask}
                         for name, ask in zip(names, draw(questions))]
    return data


def generated_texts(data) -> list[str]:
    texts = [data["main_message"], *data["key_points"],
             *(question["ask"] for question in data["questions"])]
    for section in data["sections"]:
        for block in section["blocks"]:
            texts += [block["paragraph"]] if "paragraph" in block else block.get("list", [])
    return texts


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


@settings(max_examples=40, **DETERMINISTIC)
@given(data=handouts())
def test_generated_valid_handouts_build_and_keep_every_word(data, scratch):
    with fresh_content(scratch) as folder:
        (folder / "handouts" / DIAGNOSIS).write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000),
            encoding="utf-8")
        out = folder / "out"

        with time_limit(60):
            outcome = build(Options(src=folder / "handouts", out=out, langs=("en",),
                                    topics=("diagnosis",), editions=("standard",),
                                    formats=("pdf",)))  # PDFs only: no web site

        errors = [str(p) for p in outcome.problems if p.severity == "error"]
        assert outcome.exit_code == 0, errors
        assert check_pdfs_under(out) == 1  # one topic: no packet
        text = pdf_text(out / output("en", "letter", "standard", "diagnosis"))
        wanted = {unicodedata.normalize("NFC", w) for t in generated_texts(data)
                  for w in t.split() if len(w) < 25}
        missing = sorted(w for w in wanted if not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text))
        assert not missing, f"words missing from the PDF text: {missing[:20]}"


# ---- b) invalid documents give located problems ----------------------------------------------

FILES = (DIAGNOSIS, "clinic.yaml", "en/glossary.yaml", "en/phrases.yaml",
         topic_file("staging-and-grading"), f"{SET}/set.yaml", f"{SET}/en/set.yaml")
NASTY = "\t:&*!\"'{}[]|>%@`#-?,\\ \n\r\x00\x07\x1b\x7f\x85\u2028\ufeff\ue000"
VALUE = re.compile(r"^( *(?:- )?[a-z_]+): (.+)$", re.M)


def delete_line(draw, text: str) -> str:
    lines = text.splitlines(keepends=True)
    del lines[draw(st.integers(0, len(lines) - 1))]
    return "".join(lines)


def duplicate_line(draw, text: str) -> str:
    lines = text.splitlines(keepends=True)
    at = draw(st.integers(0, len(lines) - 1))
    lines.insert(at, lines[at])
    return "".join(lines)


def insert_characters(draw, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.text(alphabet=NASTY, min_size=1, max_size=4)) + text[at:]


def shift_indentation(draw, text: str) -> str:
    lines = text.splitlines(keepends=True)
    at = draw(st.integers(0, len(lines) - 1))
    stripped = lines[at].lstrip(" ")
    lines[at] = " " * draw(st.sampled_from([0, 1, 2, 3, 4, 6, 8, 10])) + stripped
    return "".join(lines)


def swap_indentation(draw, text: str) -> str:
    lines = text.splitlines(keepends=True)
    a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    indent = [len(ln) - len(ln.lstrip(" ")) for ln in lines]
    lines[a], lines[b] = (" " * indent[b] + lines[a].lstrip(" "),
                          " " * indent[a] + lines[b].lstrip(" "))
    return "".join(lines)


def replace_value(draw, text: str) -> str:
    found = list(VALUE.finditer(text))
    if not found:
        return text
    match = draw(st.sampled_from(found))
    indent = " " * (len(match.group(1)) - len(match.group(1).lstrip(" -")) + 2)
    new = draw(st.sampled_from([
        "[a, b]", "{a: b}", "[]", "{}", "", "~", "null", "true", "0123", "1:30", "2026-11-01",
        f"\n{indent}- one\n{indent}- two", f"\n{indent}key: value\n{indent}other: 1",
        f"\n{indent}- [nested, list]", '"unterminated', "'single", "| \n", "!tag value",
    ]))
    return text[:match.start(2)] + new + text[match.end(2):]


TEXT_MUTATIONS = (delete_line, duplicate_line, insert_characters, shift_indentation,
                  swap_indentation, replace_value)


@st.composite
def broken_files(draw):
    """(file, bytes): one content file after one to three random edits."""
    rel = draw(st.sampled_from(FILES))
    text = (HANDOUTS / rel).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 3))):
        mutation = draw(st.sampled_from(TEXT_MUTATIONS))
        if text:
            text = mutation(draw, text)
    data = text.encode("utf-8")
    ending = draw(st.sampled_from(["as is", "truncate", "bytes"]))
    if ending == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    elif ending == "bytes":  # not UTF-8: a lone continuation byte, a Latin-1 letter, a NUL...
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at:]
    return rel, data


@settings(max_examples=300, **DETERMINISTIC)
@given(broken=broken_files())
def test_generated_invalid_documents_give_located_problems(broken, scratch):
    rel, data = broken
    with fresh_content(scratch) as folder:
        src = folder / "handouts"
        (src / rel).write_bytes(data)
        out = folder / "out"

        with time_limit(HANG_SECONDS):
            try:
                outcome = build(Options(src=src, out=out, langs=("en",), check=True))
            except UsageError:
                event("usage error")
                return

        event(f"exit code {outcome.exit_code}")
        event(f"{sum(p.severity == 'error' for p in outcome.problems) > 0 and 'some' or 'no'} "
              "errors reported")
        assert not out.exists(), "--check wrote something"
        if outcome.exit_code == 0:
            assert not [p for p in outcome.problems if p.severity == "error"]
        for problem in outcome.problems:
            shown = str(problem)
            assert problem.path.endswith(".yaml"), shown
            assert LOCATED.match(shown), shown
            # a problem with a whole file (line 0 inside) is shown at its line 1
            line = int(LOCATED.match(shown).group("line"))
            assert line >= 1, f"no line: {shown}"
            if not Path(problem.path).exists():  # a file the set lists but nobody wrote yet
                assert line == 1, shown
                continue
            lines = Path(problem.path).read_bytes().decode("utf-8", "replace").splitlines()
            assert line <= len(lines) + 1, f"past the end of the file: {shown}"


# ---- c) the YAML reader on anything ------------------------------------------------------------

yaml_like = st.text(alphabet=NASTY + "abcxyz0123 \n\n  - key: value", max_size=400)


@settings(max_examples=1000, **DETERMINISTIC)
@given(data=st.one_of(st.binary(max_size=2000), yaml_like.map(str.encode)))
def test_yaml_reader_never_raises(data):
    problems = Problems()

    with time_limit(HANG_SECONDS):
        result = parse_yaml(data, "fuzz.yaml", problems)

    event("read" if result is not None else "refused")
    assert result is not None or problems.errors, "nothing read and nothing said"
    for problem in problems.sorted():
        assert problem.path == "fuzz.yaml"
        assert problem.line >= 1, str(problem)
        assert LOCATED.match(str(problem)), str(problem)
