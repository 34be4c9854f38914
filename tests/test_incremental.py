"""Incremental builds (DESIGN.md part 2): a run rebuilds only the outputs whose inputs changed.

Checked from the files a run leaves and its manifest: a second run with nothing changed writes
no PDF (same bytes, same modification times, every manifest entry `written: false`) and says
so; a one-word edit rebuilds exactly that handout and its packet, in every edition, and the
result is byte-identical to a clean build; --force rebuilds everything; a deleted, changed or
damaged output, or a damaged record in .state/, is rebuilt rather than trusted.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import HANDOUTS, ROOT, run_cli

SET = "pancreatic-net"
NARROW = ("--lang", "en", "--paper", "letter", "--format", "pdf")  # the site: test_web.py


def pdfs(out: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(out.rglob("*.pdf"))}


def manifest(out: Path) -> dict[str, dict]:
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    return {entry["path"]: entry for entry in files}


@pytest.fixture
def library(tmp_path) -> Path:
    src = tmp_path / "handouts"
    shutil.copytree(HANDOUTS, src)
    shutil.copytree(ROOT / "assets" / "images", tmp_path / "assets" / "images")
    return src


def build(src: Path, out: Path, *extra):
    result = run_cli("--src", src, "--out", out, *NARROW, *extra)
    assert result.returncode == 0, result.stderr
    return result


def test_a_second_run_with_nothing_changed_writes_nothing(library, tmp_path):
    out = tmp_path / "out"
    build(library, out)
    before = pdfs(out)
    result = build(library, out)
    assert pdfs(out) == before
    assert all(entry["written"] is False for entry in manifest(out).values())
    assert set(manifest(out)) == set(before)
    assert "wrote 0 file(s)" in result.stdout and "10 up to date" in result.stdout


def test_a_one_word_edit_rebuilds_that_handout_and_its_packet_only(library, tmp_path):
    out = tmp_path / "out"
    build(library, out)
    before = pdfs(out)
    path = library / SET / "en" / "follow-up.yaml"
    text = path.read_text(encoding="utf-8")
    heading = text.split("  - heading: ", 1)[1].split("\n", 1)[0]
    path.write_text(text.replace(f"  - heading: {heading}", f"  - heading: {heading} now", 1),
                    encoding="utf-8")
    build(library, out)
    after = pdfs(out)
    changed = sorted(name for name in after if after[name] != before[name])
    assert changed == [f"{SET}/en/letter/{edition}/{name}.pdf"
                       for edition in ("large-print", "standard")
                       for name in ("follow-up", "packet")]
    written = sorted(path for path, entry in manifest(out).items() if entry["written"])
    assert written == changed
    clean = tmp_path / "clean"
    build(library, clean)
    assert {name: data for name, (_, data) in after.items()} == \
        {name: data for name, (_, data) in pdfs(clean).items()}


def test_force_rebuilds_everything(library, tmp_path):
    out = tmp_path / "out"
    build(library, out)
    build(library, out, "--force")
    assert all(entry["written"] for entry in manifest(out).values())


@pytest.mark.parametrize("damage", ["delete", "change", "state"])
def test_a_damaged_output_or_record_is_rebuilt_not_trusted(library, tmp_path, damage):
    out = tmp_path / "out"
    build(library, out)
    target = out / SET / "en" / "letter" / "standard" / "diagnosis.pdf"
    good = target.read_bytes()
    if damage == "delete":
        target.unlink()
    elif damage == "change":
        target.write_bytes(good[:-10])
    else:
        (out / ".state" / "outputs.json").write_text("{not json", encoding="utf-8")
    build(library, out)
    assert target.read_bytes() == good
    assert manifest(out)[target.relative_to(out).as_posix()]["written"] is True


def test_a_changed_clinic_file_rebuilds_every_output(library, tmp_path):
    out = tmp_path / "out"
    build(library, out)
    clinic = library / "clinic.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8").replace('"555-0199"', '"555-0198"'),
                      encoding="utf-8")
    build(library, out)
    assert all(entry["written"] for entry in manifest(out).values())


def test_a_run_with_nothing_changed_replays_the_last_without_loading_the_layout(library,
                                                                                 tmp_path):
    """unchanged.py: the same warnings, the same manifest, and ReportLab never imported."""
    out = tmp_path / "out"
    due = ("--today", "2027-12-01")   # every shipped review is due by then: warnings
    first = build(library, out, *due)
    warnings = [line for line in first.stderr.splitlines() if ": warning: " in line]
    assert warnings
    before = pdfs(out)
    again = run_cli("--src", library, "--out", out, *NARROW, *due,
                    env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert again.returncode == 0
    assert [line for line in again.stderr.splitlines() if ": warning: " in line] == warnings
    assert "reportlab" not in again.stderr   # -X importtime lists every module imported
    assert pdfs(out) == before and "wrote 0 file(s)" in again.stdout
    assert all(entry["written"] is False for entry in manifest(out).values())
    # Another day is another run: the reviews are not due yet, so no warnings.
    later = build(library, out, "--today", "2026-11-20")
    assert ": warning: " not in later.stderr and pdfs(out) == before


def test_a_changed_picture_is_never_replayed(library, tmp_path):
    out = tmp_path / "out"
    build(library, out)
    before = pdfs(out)
    picture = tmp_path / "assets" / "images" / "stage-scale.svg"
    picture.write_text(picture.read_text(encoding="utf-8").replace("</svg>",
                                                                   "<!-- x --></svg>"),
                       encoding="utf-8")
    build(library, out)
    written = sorted(path for path, entry in manifest(out).items() if entry["written"])
    assert written == [f"{SET}/en/letter/{edition}/{name}.pdf"
                       for edition in ("large-print", "standard")
                       for name in ("packet", "staging-and-grading")]
    assert {name for name in pdfs(out) if pdfs(out)[name] != before[name]} == set(written)


def test_kept_search_results_give_the_same_bytes_and_a_damaged_one_is_redone(library, tmp_path):
    """cache.py: the picture's label fit, kept from the first run, draws the same bytes as
    one computed afresh; a kept file that is damaged or not what it should be is redone."""
    out = tmp_path / "out"
    build(library, out)
    first = pdfs(out)
    kept = sorted((out / ".state" / "cache").glob("pancreas-labels-*.json"))
    assert kept
    build(library, out, "--force")   # every output again, the label fit from the kept files
    assert {name: data for name, (_, data) in pdfs(out).items()} == \
        {name: data for name, (_, data) in first.items()}
    kept[0].write_text("{not json", encoding="utf-8")
    kept[-1].write_text('{"labels": 3}', encoding="utf-8")
    build(library, out, "--force")
    assert {name: data for name, (_, data) in pdfs(out).items()} == \
        {name: data for name, (_, data) in first.items()}
    assert all(path.read_text(encoding="utf-8").startswith('{"size"') for path in kept)


def _second_set(src: Path, name: str) -> None:
    """The shipped set again under another name, titled apart, with a review past due (a
    warning every run must report, wherever it comes from)."""
    shutil.copytree(src / SET, src / name)
    for title_file in (src / name).glob("*/set.yaml"):
        text = title_file.read_text(encoding="utf-8")
        title_file.write_text(text.replace('title: "', 'title: "Second ', 1), encoding="utf-8")
    topic = src / name / "en" / "treatments.yaml"
    text = topic.read_text(encoding="utf-8")
    topic.write_text(re.sub(r'last_reviewed: "[0-9-]+"', 'last_reviewed: "2024-01-15"', text,
                            count=1), encoding="utf-8")


def test_a_library_rebuilds_only_the_set_whose_topic_changed(library, tmp_path, monkeypatch):
    from layouts import build as build_module
    from layouts.content import library as loader
    from layouts.options import Options

    _second_set(library, "second-set")
    # Both languages: the site's home page, which lists the sets, is made for all of them.
    out, narrow = tmp_path / "out", ("--paper", "letter", "--edition", "standard")
    first = run_cli("--src", library, "--out", out, *narrow)
    assert first.returncode == 0, first.stderr
    assert "second-set/en/treatments.yaml" in first.stderr   # the review past due
    path = library / SET / "en" / "diagnosis.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("lies deep", "sits deep", 1),
                    encoding="utf-8")
    loaded = []
    real = loader._load_set
    monkeypatch.setattr(loader, "_load_set", lambda folder, *args: loaded.append(
        folder.name) or real(folder, *args))
    outcome = build_module.build(Options(src=library, out=out, papers=("letter",),
                                         editions=("standard",)))
    assert outcome.exit_code == 0
    assert loaded == [SET]   # the other set's files are as the last run found them
    written = sorted(entry["path"] for entry in outcome.written if entry["written"])
    assert written == sorted([f"{SET}/en/letter/standard/diagnosis.pdf",
                              f"{SET}/en/letter/standard/packet.pdf",
                              f"site/{SET}/en/diagnosis.html",
                              # the site offers both editions, whatever the run prints
                              *(f"site/{SET}/en/{edition}/{name}.pdf"
                                for edition in ("standard", "large-print")
                                for name in ("diagnosis", "packet"))])
    # The manifest lists every output, and the other set's warning is still reported.
    assert set(manifest(out)) == {entry["path"] for entry in outcome.written}
    assert {entry["set"] for entry in outcome.written} == {SET, "second-set", None}
    assert [str(p) for p in outcome.problems] == [
        line for line in first.stderr.splitlines() if ": warning: " in line]
    # The same bytes and manifest as a run that builds everything.
    clean = tmp_path / "clean"
    assert run_cli("--src", library, "--out", clean, *narrow, "--force").returncode == 0
    outputs = lambda folder: {p.relative_to(folder).as_posix(): p.read_bytes()  # noqa: E731
                              for p in folder.rglob("*") if p.is_file()
                              and ".state" not in p.parts and p.name != "manifest.json"}
    assert outputs(out) == outputs(clean)
    assert [{**entry, "written": None} for entry in manifest(out).values()] == \
        [{**entry, "written": None} for entry in manifest(clean).values()]
    # A set's title is on the site's home page: a changed title rebuilds that page too.
    title = library / "second-set" / "en" / "set.yaml"
    title.write_text(title.read_text(encoding="utf-8").replace("Second ", "Other "),
                     encoding="utf-8")
    assert run_cli("--src", library, "--out", out, *narrow).returncode == 0
    assert "Other Pancreatic NET" in (out / "site" / "index.html").read_text(encoding="utf-8")


def test_a_picture_changed_while_the_process_runs_is_drawn_anew(library, tmp_path):
    """--watch builds again in the same process: a logo saved over since the last build is
    read again, not taken from what the process read before."""
    from PIL import Image

    from layouts import build as build_module
    from layouts.options import Options

    out = tmp_path / "out"
    options = Options(src=library, out=out, langs=("en",), papers=("letter",),
                      formats=("pdf",))
    assert build_module.build(options).exit_code == 0
    logo = tmp_path / "assets" / "images" / "logo.png"
    with Image.open(logo) as image:
        image.convert("RGB").point(lambda value: 255 - value).save(logo)
    outcome = build_module.build(options)
    assert outcome.exit_code == 0
    assert all(entry["written"] for entry in outcome.written)
    clean = tmp_path / "clean"
    build(library, clean)
    assert {name: data for name, (_, data) in pdfs(out).items()} == \
        {name: data for name, (_, data) in pdfs(clean).items()}
