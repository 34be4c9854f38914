"""A run whose inputs are all as the last run found them -> that run's outcome, replayed.

A build reads and checks every content file before it can tell what is up to date, which at
library scale takes seconds even when nothing changed (and importing the layout libraries takes
a third of a second more). So a run that wrote its outputs also records a digest of everything
its result depends on: its options, the day (a review falls due on a day), the tool, and the
bytes of every file in the content folder, the clinic file and the assets folder. When the
digest is the same and every file the run listed is as it left it (size and time), the result
would be the same: the run rewrites the manifest (every file "written": false), reports the same
warnings and stops, without importing ReportLab. The record names no folder of the machine, so
it is the same wherever the checkout and the output folder are.

The record also keeps a digest per set. When only some sets' topic files changed, a run loads,
checks and builds those sets alone, and keeps the other sets' outputs and warnings from the
record (`changed_sets`): in a library, a one-word edit costs one set, not all of them.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .content.errors import Problem
from .outcome import Outcome
from .state import STATE_FILE, read_state, tool_hash

RUN_FILE = STATE_FILE.parent / "run.json"
# What makes a folder a set (content/library.py's SET_FILE): importing the content model to
# read it would cost a no-op run a fifth of its time.
SET_FILE = "set.yaml"
_VERSION = 3


@dataclass(frozen=True)
class RunInputs:
    """Digests of a run's inputs: of all of them, of all but the sets' own folders, and of
    each set's folder (its set.yaml files, which give its titles, and all its files)."""

    whole: str
    shared: str
    sets: dict   # set name -> (digest of its set.yaml files, digest of all its files)


def run_digest(options) -> RunInputs | None:
    """The digests of a run's inputs, or None for a run that is never replayed (one that only
    checks, fills, lists fields or rebuilds everything)."""
    if options.check or options.fill or options.list_fields or options.force:
        return None
    src = Path(options.src)
    # Where the folders are is not an input (their files' bytes are); which clinic file is.
    chosen = {name: value for name, value in dataclasses.asdict(options).items()
              if name not in ("jobs", "src", "out", "clinic")}
    try:
        chosen["clinic"] = _clinic_choice(options)
    except OSError:
        return None
    today = options.today or datetime.date.today()
    shared = hashlib.sha256(f"{_VERSION} {tool_hash()} {today.isoformat()} ".encode())
    shared.update(json.dumps(chosen, sort_keys=True, default=str).encode())
    out = options.out.resolve()
    sets = {path.parent.name: (hashlib.sha256(), hashlib.sha256())
            for path in src.glob(f"*/{SET_FILE}")}
    try:
        for folder in (src, options.assets):
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file() and out not in path.resolve().parents:
                    relative = path.relative_to(folder)
                    line = relative.as_posix().encode() + b"\0" + _sha256(path).encode()
                    owner = sets.get(relative.parts[0]) if folder is src and len(
                        relative.parts) > 1 else None
                    if owner is None:
                        shared.update(line)
                        continue
                    if relative.name == SET_FILE:
                        owner[0].update(line)
                    owner[1].update(line)
    except OSError:
        return None   # a file that cannot be read: the full run says which, and why
    per_set = {name: (titles.hexdigest(), files.hexdigest())
               for name, (titles, files) in sorted(sets.items())}
    whole = hashlib.sha256(shared.digest())
    whole.update(json.dumps(per_set, sort_keys=True).encode())
    return RunInputs(whole.hexdigest(), shared.hexdigest(), per_set)


@dataclass(frozen=True)
class Narrowed:
    """What a run needs to build only the sets whose files changed since the last run."""

    sets: tuple[str, ...]    # the sets to build
    kept: dict               # the last run's other outputs: path -> state record (state.py)
    problems: list[Problem]  # the last run's problems in the other sets' files


def changed_sets(options, inputs: RunInputs | None) -> Narrowed | None:
    """When the last run had the same inputs but the topic files of some sets, what a run
    building only those sets keeps of it; None when anything else differs (the clinic file,
    a language, the assets, the tool, the options, the day, a set's titles, the sets there
    are) or any output of the other sets is not as that run left it."""
    if inputs is None or options.sets or options.topics:
        return None
    out = options.out
    try:
        data = _last_record(out)
        before = data["sets"]
        if data["shared"] != inputs.shared or sorted(before) != sorted(inputs.sets):
            return None
        changed = tuple(name for name in inputs.sets if before[name] != list(inputs.sets[name]))
        if not changed or len(changed) == len(inputs.sets) or any(
                before[name][0] != inputs.sets[name][0] for name in changed):
            return None
        state = read_state(out)
        others = [entry for entry in data["entries"] if entry["set"] not in changed]
        kept = {}
        for entry in others:
            record = state.get(entry["path"])
            if not isinstance(record, dict) or record.get("entry") != entry:
                return None
            kept[entry["path"]] = record
        if not _as_left(out, data, others):
            return None
        folders = [(Path(options.src) / name).resolve() for name in changed]
        problems = [Problem(**problem) for problem in data["problems"]]
        problems = [p for p in problems
                    if not any(Path(p.path).resolve().is_relative_to(f) for f in folders)]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None   # no record, a damaged one, or an output gone: the full run decides
    return Narrowed(changed, kept, problems)


def _clinic_choice(options) -> str | None:
    """The clinic file the options name: its place in the content folder, or its bytes."""
    if options.clinic is None:
        return None
    try:
        return options.clinic.resolve().relative_to(Path(options.src).resolve()).as_posix()
    except ValueError:
        return "outside:" + (_sha256(options.clinic) if options.clinic.is_file() else "")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_bytes(inputs: RunInputs, problems: list[Problem], entries: list[dict],
                 out: Path) -> bytes:
    """What a run that wrote its outputs leaves for the next one to compare with: written
    last, under the output lock (write.write_all), once the state it names is on disk."""
    entries = [{key: value for key, value in entry.items() if key != "written"}
               for entry in entries]
    data = {"version": _VERSION, "digest": inputs.whole, "shared": inputs.shared,
            "sets": inputs.sets,
            "problems": [dataclasses.asdict(p) for p in problems],
            "entries": sorted(entries, key=lambda entry: entry["path"]),
            "files": _other_files(out, entries),
            "on_disk": {entry["path"]: _on_disk(out / entry["path"]) for entry in entries}}
    return (json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _on_disk(path: Path) -> list[int]:
    """A file's size and modification time: an output the run wrote and no one has touched
    since has both as the run left them. Checking them, not the bytes, keeps a library's
    no-op run from reading a thousand PDFs; any write changes the time."""
    found = path.stat()
    return [found.st_size, found.st_mtime_ns]


def _other_files(out: Path, entries: list[dict]) -> dict[str, str]:
    """The files a run leaves that its manifest entries give no digest for -> SHA-256: the
    record of what made the outputs, and the contact sheets."""
    paths = [STATE_FILE.as_posix(), *(entry["preview"] for entry in entries
                                      if entry.get("preview"))]
    return {relative: _sha256(out / relative) for relative in paths}


def _last_record(out: Path) -> dict:
    """The record the last run left (ValueError when it is of another version)."""
    data = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
    if data.get("version") != _VERSION:
        raise ValueError("a record of another version")
    return data


def _as_left(out: Path, data: dict, entries: list[dict]) -> bool:
    """These outputs, and the files the record names beside them, are as the run left them."""
    return _other_files(out, data["entries"]) == data["files"] and all(
        _on_disk(out / entry["path"]) == data["on_disk"][entry["path"]] for entry in entries)


def replay(options, inputs: RunInputs | None) -> Outcome | None:
    """The outcome of a run whose inputs (run_digest's) and outputs are as the last run left
    them (the manifest rewritten, nothing else), or None when anything differs."""
    if inputs is None:
        return None
    out = options.out
    try:
        data = _last_record(out)
        entries = data["entries"]
        if data["digest"] != inputs.whole or not _as_left(out, data, entries):
            return None
        problems = [Problem(**problem) for problem in data["problems"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None   # no record, a damaged one, or an output gone: the full run decides
    from .write import locked, terminate_cleanly, write_manifest

    listed = [{**entry, "written": False} for entry in entries]
    with locked(out), terminate_cleanly():
        write_manifest(out, listed)
    return Outcome(problems, listed)
