"""What a run did: its problems, the files it listed, its exit code (make_pdfs.py reports it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .content.errors import Problem


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    written: list[dict] = field(default_factory=list)
    exit_code: int = 0
    rows: int = 0                 # --fill: the patient rows that are good (in this shard)
    listing: str = ""             # --list-fields: the header line to print
