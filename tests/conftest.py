"""Shared fixtures: a real build of the shipped content, and a way to run the command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pdf_checks import check_pdfs_under

ROOT = Path(__file__).resolve().parent.parent
HANDOUTS = ROOT / "handouts"
ASSETS = ROOT / "assets"
SET = "pancreatic-net"  # the set of handouts the project ships
TOPICS = ("diagnosis", "staging-and-grading", "treatments", "follow-up")  # its order, set.yaml's


def topic_file(topic: str, lang: str = "en", set_name: str = SET) -> str:
    """A topic's file, relative to the content folder: <set>/<lang>/<topic>.yaml."""
    return f"{set_name}/{lang}/{topic}.yaml"


def output(lang: str, paper: str, edition: str, name: str, set_name: str = SET) -> str:
    """A built PDF's path relative to --out: <set>/<lang>/<paper>/<edition>/<name>.pdf."""
    return f"{set_name}/{lang}/{paper}/{edition}/{name}.pdf"


def languages(src: Path = HANDOUTS) -> list[str]:
    """The language folders of a content folder: those holding phrases.yaml."""
    return sorted(d.name for d in src.iterdir() if (d / "phrases.yaml").is_file())


def read_content(rel: str, src: Path = HANDOUTS):
    """A content file, relative to the content folder, read as plain YAML (test expectations
    come from the content, never from the code under test)."""
    return yaml.safe_load((src / rel).read_text(encoding="utf-8"))


def warning_signs(topic: str, lang: str = "en", src: Path = HANDOUTS) -> list[str]:
    """The warning signs page 1 of a handout shows: the clinic's, the set's, the topic's own."""
    clinic = read_content("clinic.yaml", src)["languages"][lang]["warning_signs"]["signs"]
    own_set = read_content(f"{SET}/{lang}/set.yaml", src).get("warning_signs", [])
    own = read_content(topic_file(topic, lang), src).get("warning_signs", [])
    return [*clinic, *own_set, *own]


def load_content(src: Path = HANDOUTS, langs: tuple[str, ...] = ()):
    """The checked model of a content folder (with its own clinic.yaml), as a build loads it."""
    from layouts.content.errors import Problems
    from layouts.content.library import Selection, load

    problems = Problems()
    content = load(src, src / "clinic.yaml", Selection(langs=langs), problems)
    assert content is not None, [str(p) for p in problems.sorted()]
    return content


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
    path = built / output(lang, paper, edition, name)
    assert path.is_file(), f"{path} was not built"
    return path


@pytest.fixture
def content(tmp_path) -> Path:
    """A private copy of the shipped content that a test may break, with the pictures and logo
    it needs in an assets folder beside it (where a build looks for them)."""
    target = tmp_path / "handouts"
    shutil.copytree(HANDOUTS, target)
    copy_assets(tmp_path)
    return target


def copy_assets(folder: Path) -> Path:
    """Give a content folder inside `folder` the shipped images, in folder/assets/images."""
    target = folder / "assets" / "images"
    if not target.exists():
        shutil.copytree(ASSETS / "images", target)
    return target.parent


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
