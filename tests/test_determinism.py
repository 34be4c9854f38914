"""Byte-identical rebuilds (DESIGN.md part 2: deterministic).

The same content is built twice in separate processes, from different working folders, in
different time zones, with a different hash seed, at least one second apart, and with
SOURCE_DATE_EPOCH unset (so the tool cannot lean on it): every PDF and the manifest must be
equal byte for byte. One edition on one paper keeps it fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import HANDOUTS, ROOT

NARROW = ("--lang", "en", "--edition", "standard", "--paper", "letter")


def build_in(workdir: Path, out: Path, tz: str, hash_seed: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(TZ=tz, PYTHONHASHSEED=hash_seed)
    workdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([sys.executable, str(ROOT / "make_pdfs.py"), "--src", str(HANDOUTS),
                             "--out", str(out), *NARROW],
                            cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def files_under(out: Path) -> dict[str, bytes]:
    """The outputs: not .state/, which keeps what the run saw for the next one to compare,
    today's date included, and today is another date in another time zone for part of a
    day."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).as_posix().startswith(".state/")}


def test_rebuilds_are_byte_identical(tmp_path):
    first, second = tmp_path / "first" / "out", tmp_path / "second" / "out"
    build_in(tmp_path / "cwd-a", first, "UTC", "1")
    started = time.time()
    time.sleep(max(0.0, 1.1 - (time.time() % 1)))  # cross a second boundary: clocks must not leak
    assert int(time.time()) > int(started)
    build_in(tmp_path / "cwd-b" / "deeper", second, "Asia/Kolkata", "2")

    a, b = files_under(first), files_under(second)

    assert set(a) == set(b)
    assert "manifest.json" in a
    assert sum(name.endswith(".pdf") and not name.startswith("site/") for name in a) == 5, \
        sorted(a)
    assert {"site/pancreatic-net/en/index.html", "site/pancreatic-net/en/diagnosis.html"} <= set(a)
    different = sorted(name for name in a if a[name] != b[name])
    assert different == [], f"these files differ between two builds: {different}"


def test_output_does_not_depend_on_the_content_folder_or_output_path(tmp_path, content):
    """The same content (and its assets) from another folder, written to a differently named
    folder, is identical."""
    build_in(tmp_path / "cwd-a", tmp_path / "a", "UTC", "0")
    env_out = tmp_path / "elsewhere" / "named-differently"
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run([sys.executable, str(ROOT / "make_pdfs.py"), "--src", "handouts",
                             "--out", str(env_out), *NARROW],
                            cwd=content.parent, env={**env, "TZ": "America/Los_Angeles"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    a, b = files_under(tmp_path / "a"), files_under(env_out)

    assert set(a) == set(b)
    assert [name for name in a if a[name] != b[name]] == []
