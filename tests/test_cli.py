"""The command line as scripts and CI use it (DESIGN.md part 2).

Exit codes (0 built, 1 content errors, 2 usage errors, 3 I/O failure), `--check` writing nothing,
`--strict`, `--clinic` for another site, the narrowing options and the exact output paths they
produce (`<set>/<lang>/<paper>/<edition>/<topic>.pdf`, the packet only from a run that builds
every topic of its set, and never replaced by a narrowed run), and the manifest: exactly the
files the run wrote, sorted by path, with path/set/topic/lang/paper/edition/format/pages/sha256
that match the files themselves, and no timestamps.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pypdf
import pytest

from conftest import HANDOUTS, SET, TOPICS, copy_assets, output, read_content, run_cli, topic_file
from conftest import languages as languages_in

REQUIRED_KEYS = {"path", "set", "topic", "lang", "paper", "edition", "format", "pages", "sha256",
                 "written"}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{2}:\d{2}:\d{2}|\bD:\d{8}")


def files_under(out: Path) -> dict[str, bytes]:
    """Every file below `out`, by path relative to it (posix), with its bytes; the build's own
    bookkeeping in `.state/` (DESIGN.md: what incremental runs remember) is left out."""
    if not out.exists():
        return {}
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).as_posix().startswith(".state/")}


def printed(out: Path) -> set[str]:
    """The files below `out` outside the web site (`site/`): the printable PDFs and manifest."""
    return {path for path in files_under(out) if not path.startswith("site/")}


def expected_paths(langs, papers, editions, topics) -> set[str]:
    """The PDFs of the shipped set a run writes: the packet only when it builds every topic."""
    packet = ("packet",) if set(topics) == set(TOPICS) else ()
    return {output(lang, paper, edition, name)
            for lang in langs for paper in papers for edition in editions
            for name in (*topics, *packet)}


def read_manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def assert_no_traceback(result) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout


def assert_manifest_matches_files(out: Path) -> list[dict]:
    """The manifest's shape, order and every sha256 and page count, checked against the files."""
    manifest = read_manifest(out)
    assert set(manifest) == {"files"}, f"unexpected top-level keys: {sorted(manifest)}"
    entries = manifest["files"]
    paths = [e["path"] for e in entries]
    assert paths == sorted(paths), "manifest entries are not sorted by path"
    assert len(paths) == len(set(paths)), f"a path is listed twice: {paths}"
    for entry in entries:
        assert REQUIRED_KEYS <= set(entry), f"missing keys in {entry}"
        assert isinstance(entry["written"], bool), entry
        data = (out / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), entry["path"]
        if entry["format"] == "pdf":
            assert entry["pages"] == len(pypdf.PdfReader(out / entry["path"]).pages), \
                entry["path"]
        if entry["path"].startswith("site/"):  # the web site: its pages, PDFs and assets
            assert entry["format"] in ("html", "pdf", "asset"), entry
            continue
        assert entry["path"] == output(entry["lang"], entry["paper"], entry["edition"],
                                       entry["topic"], entry["set"]), entry
        assert entry["format"] == "pdf", entry
    return entries


def printed_entries(entries: list[dict]) -> set[str]:
    """The manifest's paths outside the web site."""
    return {e["path"] for e in entries if not e["path"].startswith("site/")}


def assert_no_timestamps(value, where="manifest") -> None:
    """No key that names a time, and no value that looks like a date-time."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert not re.search(r"time|date|created|generated|built_at", key, re.I), \
                f"{where}: key '{key}' looks like a timestamp"
            assert_no_timestamps(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_no_timestamps(item, f"{where}[{index}]")
    elif isinstance(value, str):
        assert not TIMESTAMP.search(value), f"{where}: '{value}' looks like a timestamp"


def add_question(content: Path, topic: str = "diagnosis") -> None:
    """Give an English handout more than seven questions: a warning, not an error (the runs
    that use it build English only, so Spanish lacking the question is no concern)."""
    path = content / topic_file(topic)
    text = path.read_text(encoding="utf-8")
    count = 8 - len(read_content(topic_file(topic), content)["questions"])
    assert count >= 1
    extra = "".join(f"  - name: anything_else_{n}\n"
                    f"    ask: Is there anything else I should ask, number {n}?\n"
                    for n in range(count))
    path.write_text(text.replace("questions:\n", "questions:\n" + extra, 1), encoding="utf-8")
    assert extra in path.read_text(encoding="utf-8")


# ---- exit codes ---------------------------------------------------------------------------------

def test_full_build_writes_exactly_the_documented_paths(built):
    """The shared build (both editions, letter and a4) exits 0 and writes only what it should."""
    on_disk = set(files_under(built))
    expected = expected_paths(languages_in(HANDOUTS), ["letter", "a4"],
                              ["standard", "large-print"], TOPICS)
    assert f"{SET}/en/letter/standard/packet.pdf" in expected
    assert {p for p in on_disk if not p.startswith("site/")} == expected | {"manifest.json"}
    # A full build also writes the web site: a page per handout and an index per language.
    pages = {f"site/{SET}/{lang}/{name}.html" for lang in languages_in(HANDOUTS)
             for name in (*TOPICS, "index")}
    assert pages <= on_disk
    entries = assert_manifest_matches_files(built)
    assert printed_entries(entries) == expected
    assert {e["path"] for e in entries} == on_disk - {"manifest.json"}
    assert all(e["written"] for e in entries)
    assert_no_timestamps(read_manifest(built))


def test_no_arguments_builds_everything_on_the_clinic_paper_into_build(tmp_path):
    """`python make_pdfs.py` alone: handouts/ -> build/, both editions, clinic.yaml's paper."""
    shutil.copytree(HANDOUTS, tmp_path / "handouts")
    copy_assets(tmp_path)
    clinic = tmp_path / "handouts" / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8")
    assert re.search(r"^paper: letter\s*$", text, re.M), "shipped clinic.yaml should say letter"
    clinic.write_text(re.sub(r"^paper: letter", "paper: a4", text, flags=re.M), encoding="utf-8")

    result = run_cli(cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    assert printed(tmp_path / "build") == (
        expected_paths(languages_in(tmp_path / "handouts"), ["a4"], ["standard", "large-print"],
                       TOPICS) | {"manifest.json"})


def test_content_error_exits_1_and_writes_nothing(content, tmp_path):
    path = content / topic_file("follow-up")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("review_every_months: 12", "review_every_months: often", 1),
                    encoding="utf-8")
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out)

    assert result.returncode == 1, result.stderr
    assert_no_traceback(result)
    assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: error: .*whole number", result.stderr,
                     re.M), result.stderr
    assert files_under(out) == {}


@pytest.mark.parametrize("args, phrase", [
    (["--topic", "nope"], "nope"),
    (["--topic", "diagnosys"], "did you mean 'diagnosis'"),
    (["--set", "nope"], SET),
    (["--lang", "xx"], "xx"),
    (["--edition", "huge-print"], "huge-print"),
    (["--paper", "b5"], "b5"),
    (["--no-such-option"], "no-such-option"),
    (["--src", "{tmp}/missing"], "missing"),
], ids=["topic", "topic-typo", "set", "lang", "edition", "paper", "option", "src"])
def test_usage_errors_exit_2_and_write_nothing(args, phrase, tmp_path):
    out = tmp_path / "out"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]

    result = run_cli(*args, "--out", out)

    assert result.returncode == 2, (result.returncode, result.stderr)
    assert_no_traceback(result)
    assert phrase in result.stderr
    assert "error" in result.stderr
    assert not out.exists()


def test_out_under_a_regular_file_exits_3(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("just a file\n")

    result = run_cli("--out", blocker / "build", "--edition", "standard", "--topic", "diagnosis",
                     "--lang", "en")

    assert result.returncode == 3, (result.returncode, result.stderr)
    assert_no_traceback(result)
    assert str(blocker) in result.stderr
    assert blocker.read_text() == "just a file\n"


def test_target_occupied_by_a_folder_exits_3_and_leaves_no_temporary_file(tmp_path):
    """An I/O failure in the middle of writing: exit 3, and no temporary file is left behind."""
    out = tmp_path / "out"
    (out / output("en", "letter", "standard", "follow-up")).mkdir(parents=True)

    result = run_cli("--out", out, "--edition", "standard", "--paper", "letter",
                     "--topic", "diagnosis", "--topic", "follow-up", "--lang", "en")

    assert result.returncode == 3, (result.returncode, result.stderr)
    assert_no_traceback(result)
    assert "follow-up.pdf" in result.stderr
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".partial-")
                 or p.name.endswith(".tmp")]
    assert leftovers == []


# ---- --check and --strict -----------------------------------------------------------------------

def test_check_on_shipped_content_exits_0_and_writes_nothing(tmp_path):
    out = tmp_path / "out"

    result = run_cli("--check", "--out", out)

    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    assert " error:" not in result.stderr
    assert not out.exists()


def test_check_leaves_an_existing_build_untouched(tmp_path, content):
    out = tmp_path / "out"
    assert run_cli("--src", content, "--out", out, "--edition", "standard",
                   "--topic", "diagnosis", "--lang", "en").returncode == 0
    before = files_under(out)
    add_question(content)  # different content, so a write would show

    result = run_cli("--src", content, "--out", out, "--check", "--lang", "en")

    assert result.returncode == 0, result.stderr
    assert files_under(out) == before


def test_check_reports_content_errors_with_exit_1(content, tmp_path):
    path = content / topic_file("treatments")
    path.write_text(path.read_text(encoding="utf-8").replace(
        'last_reviewed: "2026-11-01"', "last_reviewed: 2026-13-45", 1), encoding="utf-8")

    result = run_cli("--src", content, "--out", tmp_path / "out", "--check")

    assert result.returncode == 1
    assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: error: .*YYYY-MM-DD", result.stderr,
                     re.M), result.stderr
    assert not (tmp_path / "out").exists()


def test_warnings_build_without_strict(content, tmp_path):
    add_question(content)
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, "--edition", "standard",
                     "--topic", "diagnosis", "--lang", "en")

    assert result.returncode == 0, result.stderr
    path = content / topic_file("diagnosis")
    assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: warning: .*questions", result.stderr,
                     re.M), result.stderr
    assert printed(out) == expected_paths(["en"], ["letter"], ["standard"],
                                          ["diagnosis"]) | {"manifest.json"}


@pytest.mark.parametrize("check", [False, True], ids=["build", "check"])
def test_strict_turns_warnings_into_a_failure(content, tmp_path, check):
    add_question(content)
    out = tmp_path / "out"

    result = run_cli("--src", content, "--out", out, "--strict", "--edition", "standard",
                     "--topic", "diagnosis", "--lang", "en", *(["--check"] if check else []))

    assert result.returncode == 1, result.stderr
    assert_no_traceback(result)
    assert "questions" in result.stderr
    assert not out.exists()


def test_strict_passes_clean_content(tmp_path):
    result = run_cli("--check", "--strict", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr


# ---- narrowing and paths ------------------------------------------------------------------------

@pytest.mark.parametrize("args, langs, papers, editions, topics", [
    (["--topic", "diagnosis", "--edition", "standard", "--lang", "en"],
     ["en"], ["letter"], ["standard"], ["diagnosis"]),
    (["--topic", "treatments", "--topic", "diagnosis", "--edition", "large-print",
      "--paper", "a4", "--lang", "en"],
     ["en"], ["a4"], ["large-print"], ["diagnosis", "treatments"]),
    (["--topic", "follow-up", "--paper", "a4", "--paper", "letter", "--lang", "en"],
     ["en"], ["a4", "letter"], ["standard", "large-print"], ["follow-up"]),
    (["--edition", "standard", "--edition", "large-print", "--topic", "staging-and-grading",
      "--lang", "en"],
     ["en"], ["letter"], ["standard", "large-print"], ["staging-and-grading"]),
], ids=["one-topic", "two-topics-a4", "two-papers", "two-editions"])
def test_narrowing_options_write_exactly_the_expected_paths(tmp_path, args, langs, papers,
                                                            editions, topics):
    out = tmp_path / "out"

    result = run_cli("--out", out, *args, "--format", "pdf")  # PDFs only: no web site

    assert result.returncode == 0, result.stderr
    expected = expected_paths(langs, papers, editions, topics)
    assert set(files_under(out)) == expected | {"manifest.json"}
    entries = assert_manifest_matches_files(out)
    assert {e["path"] for e in entries} == expected
    assert f"wrote {len(expected)} file(s)" in result.stdout


def test_repeating_edition_or_paper_does_not_repeat_the_work(tmp_path):
    """`--edition standard --edition standard` is one edition: each file written and listed once."""
    out = tmp_path / "out"

    result = run_cli("--out", out, "--topic", "diagnosis", "--topic", "diagnosis",
                     "--edition", "standard", "--edition", "standard",
                     "--paper", "a4", "--paper", "a4", "--lang", "en", "--format", "pdf")

    assert result.returncode == 0, result.stderr
    paths = [e["path"] for e in read_manifest(out)["files"]]
    assert paths == [output("en", "a4", "standard", "diagnosis")], paths
    assert "wrote 1 file(s)" in result.stdout, result.stdout


def test_repeating_lang_builds_that_language_once(tmp_path):
    out = tmp_path / "out"

    result = run_cli("--out", out, "--topic", "diagnosis", "--edition", "standard",
                     "--paper", "a4", "--lang", "en", "--lang", "en", "--format", "pdf")

    assert result.returncode == 0, result.stderr
    paths = [e["path"] for e in read_manifest(out)["files"]]
    assert paths == [output("en", "a4", "standard", "diagnosis")], paths


def test_packet_holds_every_topic_in_the_sets_order(tmp_path):
    """Asked for the topics in another order, the packet still runs in set.yaml's order."""
    out = tmp_path / "out"
    asked = [arg for topic in reversed(TOPICS) for arg in ("--topic", topic)]
    result = run_cli("--out", out, *asked, "--edition", "standard", "--paper", "letter",
                     "--lang", "en")
    assert result.returncode == 0, result.stderr
    titles = [pypdf.PdfReader(out / output("en", "letter", "standard", t)).metadata.title
              for t in TOPICS]
    assert all(titles), titles
    packet = pypdf.PdfReader(out / output("en", "letter", "standard", "packet"))
    cover = read_content(f"{SET}/en/set.yaml")["title"]  # the packet opens with its cover
    assert [item.title for item in packet.outline] == [cover, *titles]
    # Each handout starts on an odd page, so the packet has at least the handouts' pages.
    pages = sum(len(pypdf.PdfReader(out / output("en", "letter", "standard", t)).pages)
                for t in TOPICS)
    assert len(packet.pages) >= pages


# ---- the manifest -------------------------------------------------------------------------------

def test_manifest_lists_only_this_runs_selection(tmp_path, content):
    """A narrowed run lists only its own selection's outputs, each saying whether this run
    wrote it; earlier files stay, unlisted, and the packet is left be."""
    out = tmp_path / "out"
    narrow = ("--src", content, "--out", out, "--edition", "standard", "--lang", "en",
              "--format", "pdf")
    assert run_cli(*narrow).returncode == 0
    first = {e["path"] for e in read_manifest(out)["files"]}
    assert first == expected_paths(["en"], ["letter"], ["standard"], TOPICS)

    packet = out / output("en", "letter", "standard", "packet")
    before = packet.read_bytes()

    result = run_cli(*narrow, "--topic", "follow-up")  # nothing changed: nothing to write

    assert result.returncode == 0, result.stderr
    entries = assert_manifest_matches_files(out)
    assert [e["path"] for e in entries] == [output("en", "letter", "standard", "follow-up")]
    assert [e["written"] for e in entries] == [False]
    assert {e["topic"] for e in entries} == {"follow-up"}
    assert set(files_under(out)) == first | {"manifest.json"}
    assert packet.read_bytes() == before

    add_question(content, "follow-up")  # now follow-up changed: it is written, the packet not
    result = run_cli(*narrow, "--topic", "follow-up")

    assert result.returncode == 0, result.stderr
    entries = assert_manifest_matches_files(out)
    assert [(e["path"], e["written"]) for e in entries] == [
        (output("en", "letter", "standard", "follow-up"), True)]
    assert set(files_under(out)) == first | {"manifest.json"}
    assert packet.read_bytes() == before


def test_manifest_entries_describe_their_files(tmp_path):
    out = tmp_path / "out"
    result = run_cli("--out", out, "--edition", "large-print", "--paper", "a4",
                     "--topic", "staging-and-grading", "--lang", "en", "--format", "pdf")
    assert result.returncode == 0, result.stderr

    entries = assert_manifest_matches_files(out)

    by_topic = {e["topic"]: e for e in entries}
    assert set(by_topic) == {"staging-and-grading"}
    for entry in entries:
        assert (entry["set"], entry["lang"], entry["paper"], entry["edition"],
                entry["format"]) == (SET, "en", "a4", "large-print", "pdf")
        assert isinstance(entry["pages"], int) and entry["pages"] >= 1
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
    assert_no_timestamps(read_manifest(out))
    raw = (out / "manifest.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in raw, "the manifest should hold paths relative to --out"


def test_clinic_option_builds_the_same_content_for_another_site(tmp_path):
    """`--clinic FILE`: another site's name prints in the banner and wherever content says
    {clinic} (the sources), and the content folder's own clinic is nowhere."""
    shipped = (HANDOUTS / "clinic.yaml").read_text(encoding="utf-8")
    own_name = re.search(r"(?m)^name: (.+)$", shipped)[1]
    other = tmp_path / "other-site.yaml"
    other.write_text(shipped.replace(own_name, "Oak Hill Clinic"), encoding="utf-8")
    out = tmp_path / "out"

    result = run_cli("--src", HANDOUTS, "--clinic", other, "--out", out, "--lang", "en",
                     "--topic", "diagnosis", "--edition", "standard", "--paper", "letter")

    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(out / output("en", "letter", "standard", "diagnosis"))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    sources = read_content(topic_file("diagnosis"))["sources"]
    credited = [s.replace("{clinic}", "Oak Hill Clinic") for s in sources if "{clinic}" in s]
    assert credited and all(" ".join(s.split()) in text for s in credited)
    assert text.count("Oak Hill Clinic") >= 2  # the banner and the sources, at least
    assert own_name not in text
    assert reader.metadata.author == "Oak Hill Clinic"
