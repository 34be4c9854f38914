"""A run whose inputs are all as the last run found them -> that run's outcome, replayed.

A build reads and checks every content file before it can tell what is up to date, which at
library scale takes seconds even when nothing changed (and importing the layout libraries takes
a third of a second more). So a run that wrote its outputs also records a digest of everything
its result depends on: its options, the day (a review falls due on a day), the tool, and the
bytes of every file in the content folder, the clinic file and the assets folder; and the size
and modification time of every file it listed. When all of them are the same, the result would
be the same: the run rewrites the manifest (every file "written": false), reports the same
warnings and stops, without importing ReportLab.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from pathlib import Path

from .content.errors import Problem
from .outcome import Outcome
from .state import STATE_FILE, tool_hash

RUN_FILE = STATE_FILE.parent / "run.json"
_VERSION = 1


def run_digest(options) -> str | None:
    """The digest of a run's inputs, or None for a run that is never replayed (one that only
    checks, fills, lists fields or rebuilds everything)."""
    if options.check or options.fill or options.list_fields or options.force:
        return None
    chosen = {name: value for name, value in dataclasses.asdict(options).items()
              if name != "jobs"}   # how many processes never changes what is made
    today = options.today or datetime.date.today()
    digest = hashlib.sha256(f"{_VERSION} {tool_hash()} {today.isoformat()} ".encode())
    digest.update(json.dumps(chosen, sort_keys=True, default=str).encode())
    out = options.out.resolve()
    for folder in (options.src, options.assets):
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and out not in path.resolve().parents:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    if options.clinic and options.clinic.is_file():
        digest.update(hashlib.sha256(options.clinic.read_bytes()).digest())
    return digest.hexdigest()


def _outputs(out: Path, entries: list[dict]) -> dict[str, list[int]]:
    """Each listed file (and contact sheet), and the record of what made them -> [size,
    modification time in ns]: a file changed or gone since makes the next run a full one."""
    found = {}
    paths = [STATE_FILE.as_posix(), *(relative for entry in entries
                                      for relative in (entry["path"], entry.get("preview"))
                                      if relative)]
    for relative in paths:
        stat = (out / relative).stat()
        found[relative] = [stat.st_size, stat.st_mtime_ns]
    return found


def record_bytes(options, digest: str, outcome: Outcome) -> bytes:
    """What a run that wrote its outputs leaves for the next one to compare with."""
    entries = [{key: value for key, value in entry.items() if key != "written"}
               for entry in outcome.written]
    data = {"version": _VERSION, "digest": digest,
            "problems": [dataclasses.asdict(p) for p in outcome.problems],
            "entries": entries, "outputs": _outputs(options.out, entries)}
    return (json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def replay(options) -> Outcome | None:
    """The outcome of a run whose inputs and outputs are as the last run left them (the
    manifest rewritten, nothing else), or None when anything differs."""
    digest = run_digest(options)
    if digest is None:
        return None
    try:
        data = json.loads((options.out / RUN_FILE).read_text(encoding="utf-8"))
        if data.get("version") != _VERSION or data.get("digest") != digest:
            return None
        entries = data["entries"]
        if _outputs(options.out, entries) != data["outputs"]:
            return None
        problems = [Problem(**problem) for problem in data["problems"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None   # no record, a damaged one, or an output gone: the full run decides
    from .write import locked, terminate_cleanly, write_manifest

    with locked(options.out), terminate_cleanly():
        write_manifest(options.out, [{**entry, "written": False} for entry in entries])
    return Outcome(problems, [{**entry, "written": False} for entry in entries])
