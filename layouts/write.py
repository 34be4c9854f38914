"""Rendered files -> the output folder: atomic writes, the output lock, signals, the manifest.

Each file is written under a temporary name and renamed over the old one, so a failed, stopped
or killed run leaves every earlier file as it was; two runs into one folder take turns.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import sys
from pathlib import Path

from .content.errors import BuildFailure

TEMP_PREFIX = ".partial-"
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700   # readable by their owner only


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up runs; it exits with 143."""


def write_manifest(folder: Path, entries: list[dict], mode: int | None = None) -> None:
    """Write `folder/manifest.json` listing `entries`, sorted by path."""
    entries.sort(key=lambda e: e["path"])
    manifest = json.dumps({"files": entries}, indent=2, ensure_ascii=False) + "\n"
    write_atomically(folder / "manifest.json", manifest.encode("utf-8"), mode)


def private_folder(folder: Path) -> Path:
    """Make `folder` (and any missing parents) and leave it readable by its owner only,
    including when an earlier version of the tool made it open to everyone."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    os.chmod(folder, PRIVATE_FOLDER)
    return folder


def write_all(out: Path, made, kept: dict, preview: bool = False,
              state: dict | None = None, run_record=None) -> list[dict]:
    """Write every new file (and a PDF's preview), then the manifest of this run's whole selection
    and the state the next run reads, each atomically; return the manifest entries.

    made: (relative path, manifest metadata, rendered result, input key) of each new file,
    where the result is a rendered PDF or, for any other file (a web page, a stylesheet), its
    bytes; kept: relative path -> the record of a file found up to date and left alone;
    state: more files for .state/ (relative path -> bytes), such as kept search results;
    run_record(entries): the bytes of the run's record (unchanged.py), written last.
    """
    from .state import STATE_FILE, read_state, state_bytes
    from .unchanged import RUN_FILE

    if preview:
        from .pdf.preview import contact_sheet
    entries, records = [], {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        with locked(out), terminate_cleanly():
            remove_stale_temporaries(out)
            for relative, meta, result, key in made:
                target = out / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(result, bytes):
                    write_atomically(target, result)
                    entry = {"path": relative, **meta,
                             "sha256": hashlib.sha256(result).hexdigest()}
                    records[relative] = {"key": key, "entry": entry}
                    entries.append({**entry, "written": True})
                    continue
                write_atomically(target, result.pdf)
                entry = {"path": relative, **meta, "pages": result.pages,
                         "sha256": hashlib.sha256(result.pdf).hexdigest(),
                         "fields": sorted({spot.name for spot in result.field_spots})}
                if preview:
                    sheet = relative.removesuffix(".pdf") + ".preview.png"
                    write_atomically(out / sheet, contact_sheet(result.pdf))
                    entry["preview"] = sheet
                records[relative] = {"key": key, "entry": entry}
                entries.append({**entry, "written": True})
            for relative, record in kept.items():
                records[relative] = record
                entries.append({**record["entry"], "written": False})
            write_manifest(out, entries)
            _write_state(out, state or {})
            # Records of outputs outside this run's selection stay for a later, wider run.
            (out / STATE_FILE).parent.mkdir(exist_ok=True)
            write_atomically(out / STATE_FILE, state_bytes({**read_state(out), **records}))
            if run_record is not None:
                write_atomically(out / RUN_FILE, run_record(entries))
    except OSError as e:
        raise BuildFailure(f"{e.filename or out}: cannot write ({e.strerror or e}); each "
                           "earlier file is either as it was or complete and new") from e
    return entries


def keep_state(out: Path, files: dict[str, bytes]) -> None:
    """Write more files for .state/ (relative path -> bytes), such as kept search results,
    under the output lock."""
    if not files:
        return
    try:
        with locked(out), terminate_cleanly():
            _write_state(out, files)
    except OSError as e:
        raise BuildFailure(f"{e.filename or out}: cannot write ({e.strerror or e}); each "
                           "earlier file is either as it was or complete and new") from e


def _write_state(out: Path, files: dict[str, bytes]) -> None:
    for relative, data in sorted(files.items()):
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out / relative, data)


@contextlib.contextmanager
def locked(out: Path):
    """Two builds into one folder take turns instead of interleaving their files."""
    fd = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Said once, so a wait is never mistaken for a hang.
            print(f"make_pdfs.py: waiting for another build of {out} to finish",
                  file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def terminate_cleanly():
    """Turn SIGTERM into an exception so temporary files are removed before exiting."""
    def stop(signum, frame):
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: no signal handling there
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def write_atomically(target: Path, data: bytes, mode: int | None = None) -> None:
    """Replace target with data: readers see the old file or the whole new one, never half.
    With `mode`, the file has exactly those permissions from the moment it exists."""
    temp = target.parent / f"{TEMP_PREFIX}{target.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        if mode is not None:
            os.fchmod(fd, mode)   # exactly `mode`, whatever the umask
        with open(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def remove_stale_temporaries(out: Path) -> None:
    """Remove what a run killed outright (SIGKILL, power cut) left between write and rename."""
    for stale in out.rglob(f"{TEMP_PREFIX}*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()
