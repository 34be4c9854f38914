"""Shared fixtures: a real build of the shipped content, and a way to run the command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pdf_checks import check_pdfs_under

ROOT = Path(__file__).resolve().parent.parent
HANDOUTS = ROOT / "handouts"
TOPICS = ("diagnosis", "staging-and-grading", "treatments", "follow-up")


def run_cli(*args, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    """Run make_pdfs.py in a fresh process, as staff and CI do; returns CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run([sys.executable, str(ROOT / "make_pdfs.py"), *map(str, args)],
                            cwd=cwd or ROOT, env=full_env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode == 0:  # every PDF a successful run leaves is checked structurally
        check_pdfs_under(Path(cwd or ROOT) / _out_argument(args))
    return result


def _out_argument(args) -> str:
    """The --out folder a make_pdfs.py command line names (default: build)."""
    args = [str(a) for a in args]
    for i, arg in enumerate(args):
        if arg == "--out" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--out="):
            return arg.removeprefix("--out=")
    return "build"


PROBLEM = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<col>\d+))?: "
                     r"(?P<severity>error|warning): (?P<message>.*)$")


def problems(stderr: str) -> list[dict]:
    """The located problems a run printed, as dicts (path, line, col, severity, message)."""
    found = []
    for text in stderr.splitlines():
        match = PROBLEM.match(text)
        if match:
            found.append({**match.groupdict(), "line": int(match["line"]),
                          "path": Path(match["path"]).resolve()})
    return found


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The shipped content built once for the whole session (both editions, Letter and A4)."""
    out = tmp_path_factory.mktemp("build")
    result = run_cli("--out", out, "--paper", "letter", "--paper", "a4")
    assert result.returncode == 0, result.stderr
    return out


def built_pdf(built: Path, lang: str, paper: str, edition: str, name: str) -> Path:
    """One PDF of the `built` output, by the layout DESIGN.md gives `make_pdfs.py`."""
    path = built / lang / paper / edition / f"{name}.pdf"
    assert path.is_file(), f"{path} was not built"
    return path


@pytest.fixture
def content(tmp_path) -> Path:
    """A private copy of the shipped content that a test may break."""
    target = tmp_path / "handouts"
    shutil.copytree(HANDOUTS, target)
    return target


def replace(content: Path, rel: str, old: str, new: str) -> None:
    """Replace the first `old` in content/rel with `new` (fails loudly if the content changed)."""
    path = content / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{rel} no longer contains {old!r}; update this test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def locate(content: Path, rel: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first `needle` in content/rel."""
    text = (content / rel).read_text(encoding="utf-8")
    at = text.index(needle)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def full_name(node) -> str:
    """A form field's fully qualified name, read up its /Parent chain."""
    parts = []
    while node is not None:
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts))
