"""Content problems -> lines a person can act on: `path:line:col: error: message`."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a look) in the content, with where it is."""

    path: str
    line: int = 0
    col: int = 0
    message: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        # A problem with a whole file (missing, unreadable, not expected) points at its line 1.
        where = f"{self.path}:{self.line or 1}"
        if self.col:
            where += f":{self.col}"
        # One problem, one line: a quoted value may hold line breaks.
        message = " ".join(self.message.split("\n"))
        return f"{where}: {self.severity}: {message}"


class Problems:
    """Collects every problem of a run so all of them are reported at once."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def error(self, path, line: int, col: int, message: str) -> None:
        self._items.append(Problem(str(path), line, col, message, "error"))

    def warning(self, path, line: int, col: int, message: str) -> None:
        self._items.append(Problem(str(path), line, col, message, "warning"))

    def at(self, value, message: str, severity: str = "error") -> None:
        """Report a problem at a located value (see source.py); falls back to the file."""
        mark = getattr(value, "mark", None)
        if mark is None:
            raise TypeError(f"value without a location: {value!r}")
        self._items.append(Problem(mark.path, mark.line, mark.col, message, severity))

    def extend(self, other: Problems) -> None:
        self._items.extend(other._items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self._items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self._items if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        # Stable, readable order: by file, then by position in it.
        return sorted(dict.fromkeys(self._items))

    def __len__(self) -> int:
        return len(self._items)


def did_you_mean(word: str, choices, list_them: str = "") -> str:
    """A "; did you mean 'x'?" suffix when a close choice exists; otherwise, when `list_them`
    introduces them ("the files are"), every choice; else ""."""
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; {list_them} {', '.join(choices)}" if list_them else ""


class BuildFailure(Exception):
    """An I/O or build failure (exit 3): not the content's fault."""
