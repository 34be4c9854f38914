"""This run's planned outputs and what earlier runs wrote (<out>/.state/) -> which are up to date.

An output is up to date when its file is there with the bytes an earlier run recorded and the
inputs it is made from hash the same now: its render job (the documents, which hold every word,
phone and field name it prints, with its edition and paper), the bytes of the logo and pictures
it draws, and the tool itself (its code, fonts and libraries' versions, not a version string).
So a one-word edit rebuilds that handout, its packet and its page, and nothing else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import cache
from importlib import metadata
from pathlib import Path

STATE_FILE = Path(".state") / "outputs.json"
_VERSION = 1
_TOOL = Path(__file__).resolve().parent.parent
# The libraries whose version can change the bytes of an output.
_LIBRARIES = ("reportlab", "pypdf", "PyYAML", "svglib", "lxml", "pillow")


@cache
def tool_hash() -> str:
    """A digest of everything of the tool's own that shapes an output."""
    digest = hashlib.sha256()
    files = [_TOOL / "make_pdfs.py", *sorted((_TOOL / "layouts").rglob("*.py")),
             *sorted((_TOOL / "layouts").rglob("*.css")),
             *sorted((_TOOL / "assets" / "fonts").glob("*"))]
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(_TOOL).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none".encode())
    return digest.hexdigest()


def file_digest(path) -> str:
    """A file's SHA-256, read again only when its size or time changes: a --watch process
    lives through edits of the pictures it draws."""
    found = Path(path).stat()
    return _digest(str(path), found.st_size, found.st_mtime_ns)


@cache
def _digest(path: str, size: int, modified: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def input_key(job, files: list[Path], seen: dict | None = None) -> str:
    """The digest of everything an output is made from; `files` are the assets it draws.
    `seen` keeps each document's digest for the run: a library's handout is in the jobs of
    every edition, paper and packet, and describing it is most of the work."""
    seen = {} if seen is None else seen
    digest = hashlib.sha256(tool_hash().encode())
    if hasattr(job, "pictures"):
        # The logo's and pictures' paths say where the checkout is, not what is drawn: their
        # bytes count instead (`files`). A packet's parts only lend it their layouts, which
        # give the same bytes as its own (pdf/replay.py): its documents say what it prints.
        digest.update(repr(dataclasses.replace(job, documents=(), logo_path=None,
                                               pictures={}, parts=())).encode("utf-8"))
        for document in job.documents:
            if id(document) not in seen:
                seen[id(document)] = (document, hashlib.sha256(
                    repr(document).encode("utf-8")).hexdigest())
            digest.update(seen[id(document)][1].encode())
    else:
        digest.update(repr(job).encode("utf-8"))
    for path in sorted(map(str, files)):
        digest.update(file_digest(path).encode())
    return digest.hexdigest()


def read_state(out: Path) -> dict:
    """What earlier runs recorded: path -> {"key", "entry"}; empty when unreadable."""
    try:
        data = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _VERSION:
        return {}
    outputs = data.get("outputs")
    return outputs if isinstance(outputs, dict) else {}


def is_up_to_date(out: Path, path: str, key: str, recorded: dict, preview: bool) -> bool:
    """The file is there, with the bytes recorded when it was made from the same inputs (and
    its contact sheet, when the run wants one)."""
    record = recorded.get(path)
    if not isinstance(record, dict) or record.get("key") != key:
        return False
    entry = record.get("entry") or {}
    try:
        data = (out / path).read_bytes()
    except OSError:
        return False
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        return False
    sheet = entry.get("preview")
    return not preview or bool(sheet and (out / sheet).is_file())


def state_bytes(records: dict) -> bytes:
    """The record this run leaves for the next: path -> its input key and manifest entry."""
    data = {"version": _VERSION, "outputs": dict(sorted(records.items()))}
    # Not indented: the library's fast encoder takes no indent, and no one reads this file.
    return (json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n").encode()
