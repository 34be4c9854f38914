"""A patients file and the blank packet -> one filled packet per patient, over several processes.

Each worker process receives the blank packet once (inherited when the pool starts) and then
only lists of rows; it fills and writes each packet itself, so packets never travel between
processes. `--shard K/N` keeps every N-th row from the K-th, so a CI matrix can share a batch.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..workers import run_in_workers
from .fill import BlankPacket
from .patients import PatientRow

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


_blank: BlankPacket | None = None
_folder: Path | None = None
_flatten = False


def _start(blank: BlankPacket, folder: Path, flatten: bool) -> None:
    global _blank, _folder, _flatten
    _blank, _folder, _flatten = blank, folder, flatten


def _fill_rows(rows: list[PatientRow]) -> list[tuple[str, str]]:
    from ..write import write_atomically

    done = []
    for row in rows:
        pdf = _blank.fill(row.values, flatten=_flatten)
        write_atomically(_folder / f"{row.id}.pdf", pdf)
        done.append((row.id, hashlib.sha256(pdf).hexdigest()))
    return done


def fill_all(blank: BlankPacket, rows: list[PatientRow], folder: Path, flatten: bool,
             jobs: int) -> dict[str, str]:
    """Fill and write a packet per row; returns id -> sha256 of what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    chunks = [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]
    progress = _Progress(len(rows))
    written: dict[str, str] = {}
    if jobs <= 1 or len(chunks) <= 1:
        _start(blank, folder, flatten)
        for chunk in chunks:
            written.update(_fill_rows(chunk))
            progress.advance(len(chunk))
    else:
        # Workers inherit the parsed blank packet instead of each parsing it again.
        for done in run_in_workers(_fill_rows, chunks, jobs, _start, (blank, folder, flatten)):
            written.update(done)
            progress.advance(len(done))
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
