"""Byte-identical whatever the folder (DESIGN.md part 2, issue 15): two copies of the tool and
its content in different folders (different lengths, one with a space) build the same bytes,
so no absolute path, temporary name or process detail reaches a PDF or the manifest."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PARTS = ("make_pdfs.py", "layouts", "handouts", "assets")
NARROW = ("--lang", "en", "--edition", "standard", "--paper", "letter")


def checkout(folder: Path) -> Path:
    for part in PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, folder / part,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, folder / part)
    return folder


def build(folder: Path) -> dict[str, bytes]:
    result = subprocess.run([sys.executable, "make_pdfs.py", "--out", "build", *NARROW],
                            cwd=folder, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = folder / "build"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".state" not in p.parts}


def test_two_checkouts_in_different_folders_build_the_same_bytes(tmp_path):
    first = build(checkout(tmp_path / "a"))
    second = build(checkout(tmp_path / "a much longer folder name" / "checkout"))
    assert first.keys() == second.keys()
    assert any(name.endswith(".pdf") for name in first)
    different = [name for name in first if first[name] != second[name]]
    assert different == []
