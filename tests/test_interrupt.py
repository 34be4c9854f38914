"""All or nothing, and atomic writes (DESIGN.md part 2).

(a) A run with a content error changes nothing in an earlier build, byte for byte.
(b) A run stopped by SIGTERM (exit 143) or Ctrl-C (130), or killed by SIGKILL, at any moment
    leaves every PDF either exactly as it was or complete and valid (never half written); after
    SIGTERM or Ctrl-C no temporary file remains, and after SIGKILL the next run removes any that
    were left.
(c) Two builds into one folder at the same time both succeed and leave a manifest whose sha256
    values match the files on disk.

The new content differs from the earlier one, so an old file and a replaced file can be told
apart. Kills are sent both after fixed delays and the moment the output folder starts to change,
which is the window that matters.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT, SET, output, run_cli, topic_file

# PDFs only (--format pdf): the web site a full run also writes goes through the same writes.
NARROW = ("--lang", "en", "--edition", "standard", "--paper", "letter", "--topic", "diagnosis",
          "--topic", "follow-up", "--format", "pdf")
TEMP_PREFIX = ".partial-"


def files_under(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file()}


def temporaries(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*")
                  if p.name.startswith(TEMP_PREFIX) or p.name.endswith(".tmp"))


def change_main_message(content: Path, topic: str, words: str) -> None:
    path = content / topic_file(topic)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, ln in enumerate(lines) if ln.startswith("main_message:"))
    lines[index] = f"main_message: {words}\n"
    path.write_text("".join(lines), encoding="utf-8")


def is_complete_pdf(data: bytes) -> bool:
    if not data.startswith(b"%PDF-") or not data.rstrip().endswith(b"%%EOF"):
        return False
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
        return len(reader.pages) >= 1 and all(page.extract_text() is not None
                                              for page in reader.pages[:1])
    except Exception:
        return False


def assert_intact(out: Path, before: dict[str, bytes]) -> None:
    """Every earlier file is still there, and each PDF is its old self or a complete new one."""
    now = files_under(out)
    missing = sorted(set(before) - set(now))
    assert missing == [], f"earlier files disappeared: {missing}"
    for name, data in now.items():
        if name.endswith(".pdf") and data != before.get(name):
            assert is_complete_pdf(data), f"{name} is neither the earlier file nor a whole PDF"
        if name == "manifest.json" and data != before[name]:
            json.loads(data)  # a replaced manifest is whole JSON, not a fragment


def start_build(content: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "make_pdfs.py"), "--src", str(content),
                             "--out", str(out), *NARROW],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_writes(process: subprocess.Popen, out: Path, timeout: float = 30) -> bool:
    """Poll until the run starts changing its output folder (True) or ends (False).

    A change is a new entry (such as a temporary file) or an existing file whose size, time or
    inode changes, so a run that wrote straight into its targets would be caught half way too.
    """
    folder = out / SET / "en" / "letter" / "standard"

    def snapshot():
        with os.scandir(folder) as entries:
            return {e.name: (e.inode(), e.stat().st_size, e.stat().st_mtime_ns) for e in entries}

    start = snapshot()
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if snapshot() != start:
                return True
        except FileNotFoundError:  # an entry vanished while being looked at: a rename
            return True
    return False


@pytest.fixture
def earlier(content, tmp_path):
    """An earlier build in `out`, and content changed since then (returned: content, out, bytes)."""
    out = tmp_path / "out"
    result = run_cli("--src", content, "--out", out, *NARROW)
    assert result.returncode == 0, result.stderr
    before = files_under(out)
    assert sum(name.endswith(".pdf") for name in before) == 2  # narrowed: no packet
    change_main_message(content, "diagnosis", "Every test helps your care team plan your care.")
    change_main_message(content, "follow-up", "Keep going to every visit after treatment.")
    return content, out, before


# ---- (a) a content error changes nothing --------------------------------------------------------

def test_content_error_leaves_an_earlier_build_byte_for_byte(earlier):
    content, out, before = earlier
    path = content / topic_file("treatments")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "review_every_months: 12", "review_every_months: soon", 1), encoding="utf-8")
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}

    result = run_cli("--src", content, "--out", out, *NARROW)

    assert result.returncode == 1, result.stderr
    assert files_under(out) == before
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
    assert temporaries(out) == []


def test_the_changed_content_does_change_the_files(earlier):
    """Control for the tests below: without an error or a kill, files really are replaced."""
    content, out, before = earlier
    result = run_cli("--src", content, "--out", out, *NARROW)
    assert result.returncode == 0, result.stderr
    after = files_under(out)
    changed = sorted(name for name in before if after[name] != before[name])
    assert changed == [".state/outputs.json", ".state/run.json", "manifest.json",
                       output("en", "letter", "standard", "diagnosis"),
                       output("en", "letter", "standard", "follow-up")]


# ---- (b) killed mid-write -----------------------------------------------------------------------

DELAYS = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0]  # a run takes about 0.5-1 s


def test_sigterm_after_various_delays_leaves_files_intact_and_no_temporary(earlier):
    content, out, before = earlier
    for delay in DELAYS:
        process = start_build(content, out)
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)

        assert "Traceback" not in stderr, (delay, stderr)
        # 143 once the run handles SIGTERM; killed outright (-15) while Python still starts.
        assert process.returncode in (0, 143, -signal.SIGTERM), (delay, process.returncode,
                                                                 stderr)
        assert_intact(out, before)
        assert temporaries(out) == [], f"a run stopped after {delay} s left a temporary file"
        before = files_under(out)  # the next round starts from whatever is there now


def test_sigterm_while_writing_leaves_files_intact_and_no_temporary(earlier):
    """SIGTERM the moment the output folder starts to change, i.e. in the middle of the writes."""
    content, out, before = earlier
    hits, codes = 0, []
    for _ in range(3):
        process = start_build(content, out)
        hit = wait_for_writes(process, out)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        hits += hit
        codes.append(process.returncode)

        assert "Traceback" not in stderr, stderr
        assert process.returncode in (0, 143), (process.returncode, stderr)
        assert_intact(out, before)
        assert temporaries(out) == [], "a stopped run left a temporary file"
        before = files_under(out)
    assert hits >= 1, "never caught a run while it was writing; the test proved nothing"
    assert 143 in codes, f"no run was stopped inside the writes (exit codes {codes})"


def test_ctrl_c_while_writing_exits_130_and_leaves_files_intact(earlier):
    """Ctrl-C at a terminal signals every process of the command, workers included."""
    content, out, before = earlier
    codes = []
    for _ in range(3):
        process = subprocess.Popen([sys.executable, str(ROOT / "make_pdfs.py"), "--src",
                                    str(content), "--out", str(out), *NARROW, "--jobs", "2"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        wait_for_writes(process, out)
        with contextlib.suppress(ProcessLookupError):  # the run may have ended just now
            os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        codes.append(process.returncode)

        assert "Traceback" not in stderr, stderr
        assert process.returncode in (0, 130), (process.returncode, stderr)
        assert_intact(out, before)
        assert temporaries(out) == [], "a run stopped with Ctrl-C left a temporary file"
        before = files_under(out)
    assert 130 in codes, f"no run was stopped by Ctrl-C (exit codes {codes})"


def test_sigkill_leaves_files_intact_and_the_next_run_cleans_up(earlier):
    content, out, before = earlier
    left_behind = 0
    for moment in ("while-writing", 0.1, 0.4, 0.7, "while-writing"):
        process = start_build(content, out)
        if moment == "while-writing":
            wait_for_writes(process, out)
        else:
            time.sleep(moment)
        process.kill()
        process.communicate(timeout=60)

        assert_intact(out, {k: v for k, v in before.items()
                            if not Path(k).name.startswith(TEMP_PREFIX)})
        before = files_under(out)
        left_behind += bool(temporaries(out))

    result = run_cli("--src", content, "--out", out, *NARROW)
    assert result.returncode == 0, result.stderr
    assert temporaries(out) == [], f"left after the next run ({left_behind} kill(s) left some)"
    assert_manifest_matches(out)


def test_next_run_removes_temporaries_a_killed_run_left(earlier):
    """SIGKILL between write and rename leaves `.partial-<name>.<pid>.tmp`; the next run
    removes it."""
    content, out, _ = earlier
    folder = out / SET / "en" / "letter" / "standard"
    left = [folder / f"{TEMP_PREFIX}diagnosis.pdf.999999.tmp",
            out / f"{TEMP_PREFIX}manifest.json.1.tmp"]
    for path in left:
        path.write_bytes(b"%PDF-1.4 half a file")
    assert len(temporaries(out)) == 2

    result = run_cli("--src", content, "--out", out, *NARROW)

    assert result.returncode == 0, result.stderr
    assert temporaries(out) == []


# ---- (c) two builds at once ---------------------------------------------------------------------

def assert_manifest_matches(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"], manifest
    for entry in manifest["files"]:
        data = (out / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert is_complete_pdf(data), entry["path"]


def test_two_builds_into_one_folder_at_once(content, tmp_path):
    """Different content from two runs at once: both succeed, and the result is consistent."""
    other = tmp_path / "other"
    shutil.copytree(content, other)
    change_main_message(other, "diagnosis", "Every test helps your care team plan your care.")
    out = tmp_path / "out"
    for _ in range(2):
        first, second = start_build(content, out), start_build(other, out)
        results = [(p, *p.communicate(timeout=120)) for p in (first, second)]

        for process, _, stderr in results:
            assert process.returncode == 0, stderr
        assert temporaries(out) == []
        assert_manifest_matches(out)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert len(manifest["files"]) == 2  # the two topics; a narrowed run has no packet
        assert {e["path"] for e in manifest["files"]} == {
            p for p in files_under(out) if p.endswith(".pdf")}
