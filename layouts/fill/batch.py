"""Checked patient rows and blank packets -> one filled packet per row, over several processes.

Each worker process receives the blank packets once (inherited when the pool starts) and then
only lists of rows; it fills and writes each packet itself, so packets never travel between
processes. `--shard K/N` keeps every N-th row from the K-th, so a CI matrix can share a batch.
Packets are written readable by their owner only, into a folder only its owner can open. A
stopped fill stops its workers, waits for them, and removes what they had half written, so it
leaves complete packets and nothing else.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..content.errors import BuildFailure, Problems
from ..workers import run_in_workers
from ..write import (
    PRIVATE_FILE,
    locked,
    private_folder,
    remove_stale_temporaries,
    terminate_cleanly,
    write_atomically,
    write_manifest,
)
from .fill import BlankPacket, Geometry
from .patients import (
    CHOICE_COLUMNS,
    Catalog,
    Choice,
    PatientRow,
    field_catalog,
    header_names,
    read_patients,
)

CHUNK = 25  # rows per task: large enough to amortise the hand-off, small enough to balance


@dataclass(frozen=True)
class Shard:
    number: int   # from 1
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """'2/4' -> Shard(2, 4); ValueError with a plain message otherwise."""
        try:
            number, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise ValueError(f"--shard {text}: write it as K/N, such as 1/4") from None
        if not 1 <= number <= count:
            raise ValueError(f"--shard {text}: K must be from 1 to N")
        return cls(number, count)

    def keeps(self, row: PatientRow) -> bool:
        return row.index % self.count == self.number - 1


class Packets:
    """The blank packets a fill may use, each rendered the first time a row needs it.

    `render(choice)` returns a rendered blank packet (its `pdf`, `field_spots` and `pages`);
    `sets` are the sets a row may name ("" alone while the content has no named sets);
    `options` what the `lang`, `edition` and `paper` columns may say; `defaults` what a row
    gets when it says nothing (the run's options; None: the row must say).
    """

    def __init__(self, render: Callable, sets: Sequence[str],
                 options: Mapping[str, Sequence[str]], defaults: Mapping[str, str | None]):
        self.render, self.sets, self.options, self.defaults = render, sets, options, defaults
        self._rendered: dict[Choice, object] = {}
        self._geometry: dict[Choice, Geometry] = {}

    def rendered(self, choice: Choice):
        if choice not in self._rendered:
            self._rendered[choice] = self.render(choice)
        return self._rendered[choice]

    def catalog(self) -> Catalog:
        """Each set's fields, read from its packet in the default (or first) choices: field
        names are the same in every language, edition and paper."""
        fields = {}
        for name in self.sets:
            choice = Choice(name, *(self.defaults.get(c) or self.options[c][0]
                                    for c in CHOICE_COLUMNS[1:]))
            fields[name] = field_catalog(self.rendered(choice).field_spots)
        return Catalog(fields, self.options, self.defaults)

    def fits(self, choice: Choice, name: str, value: str) -> bool:
        if choice not in self._geometry:
            self._geometry[choice] = Geometry(list(self.rendered(choice).field_spots),
                                              choice.edition)
        return self._geometry[choice].fits(name, value)


def field_header(packets: Packets) -> str:
    """The header line of a patients file with every field, ready for Excel."""
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(header_names(packets.catalog()))
    return line.getvalue()


@dataclass
class FillOutcome:
    rows: int = 0                                       # good rows (in this shard)
    written: list[dict] = field(default_factory=list)   # manifest entries of written packets


def fill_patients(patients: Path, packets: Packets, problems: Problems, out: Path | None,
                  flatten: bool = False, jobs: int = 1, shard: Shard | None = None,
                  shown_as: str | None = None) -> FillOutcome:
    """Read and check a patients file, then write a packet per good row into `<out>/filled/`
    with its manifest there; with `out` None, only check (write nothing)."""
    rows = read_patients(patients, packets.catalog(), problems, packets.fits, shown_as)
    rows = [row for row in rows if shard is None or shard.keeps(row)]
    outcome = FillOutcome(len(rows))
    if out is None:
        return outcome
    blanks = {}
    for choice in dict.fromkeys(row.choice for row in rows):
        rendered = packets.rendered(choice)
        blanks[choice] = BlankPacket(rendered.pdf, list(rendered.field_spots), choice.edition)
    folder = out / "filled"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with locked(out), terminate_cleanly():
            remove_stale_temporaries(out)
            written = fill_all(blanks, rows, folder, flatten, jobs)
            by_id = {row.id: row for row in rows}
            for row_id, digest in sorted(written.items()):
                choice = by_id[row_id].choice
                outcome.written.append({
                    "path": f"filled/{row_id}.pdf", **({"set": choice.set} if choice.set else {}),
                    "topic": "packet", "lang": choice.lang, "paper": choice.paper,
                    "edition": choice.edition, "pages": packets.rendered(choice).pages,
                    "sha256": digest, "filled": True, "flattened": flatten})
            # Only the fill's own manifest: the build's <out>/manifest.json is left as it was.
            write_manifest(folder, outcome.written, PRIVATE_FILE)
    except OSError as e:
        raise BuildFailure(f"{e.filename or out}: cannot write ({e.strerror or e}); every "
                           "packet written is complete") from e
    return outcome


_blanks: dict[Choice, BlankPacket] = {}
_folder: Path | None = None
_flatten = False


def _start(blanks: dict[Choice, BlankPacket], folder: Path, flatten: bool) -> None:
    global _blanks, _folder, _flatten
    _blanks, _folder, _flatten = blanks, folder, flatten


def _fill_rows(rows: list[PatientRow]) -> list[tuple[str, str]]:
    done = []
    for row in rows:
        pdf = _blanks[row.choice].fill(row.values, flatten=_flatten)
        write_atomically(_folder / f"{row.id}.pdf", pdf, PRIVATE_FILE)
        done.append((row.id, hashlib.sha256(pdf).hexdigest()))
    return done


def fill_all(blanks: dict[Choice, BlankPacket], rows: list[PatientRow], folder: Path,
             flatten: bool, jobs: int) -> dict[str, str]:
    """Fill and write a packet per row into `folder`, each into the blank packet of its
    choice; returns id -> sha256 of what was written."""
    private_folder(folder)
    chunks = [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]
    progress = _Progress(len(rows))
    written: dict[str, str] = {}
    if jobs <= 1 or len(chunks) <= 1:
        _start(blanks, folder, flatten)
        try:
            for chunk in chunks:
                written.update(_fill_rows(chunk))
                progress.advance(len(chunk))
        except BaseException:
            progress.finish()
            remove_stale_temporaries(folder)   # a second Ctrl-C may have cut a clean-up short
            raise
    else:
        # Workers inherit the parsed blank packets instead of each parsing them again.
        results = run_in_workers(_fill_rows, chunks, jobs, _start, (blanks, folder, flatten))
        try:
            for done in results:
                written.update(done)
                progress.advance(len(done))
        except BaseException:
            progress.finish()
            results.close()                    # stops the workers and waits for them
            remove_stale_temporaries(folder)   # what a stopped worker was writing
            raise
    progress.finish()
    return written


class _Progress:
    """A one-line progress bar on a terminal; silent in CI and when output is not a terminal."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.shown = sys.stderr.isatty() and not os.environ.get("CI") and total > 0

    def advance(self, count: int) -> None:
        self.done += count
        if self.shown:
            width = 30
            filled = width * self.done // self.total
            sys.stderr.write(f"\rfilling packets [{'#' * filled}{'.' * (width - filled)}] "
                             f"{self.done}/{self.total}")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
