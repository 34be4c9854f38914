"""A patients CSV file -> checked rows of field values, every problem located, no value shown.

Line 1 names the columns: `id` (it names the row's file), optionally `set`, `lang`, `edition`
and `paper` (what this row's packet is; empty cells take the run's choice), and fields, in full
(`staging-and-grading.stage`) or by their last part (`stage`) where that names one blank. Names
match ignoring case, with spaces and `-` read as `_`, so Excel's `Patient Name` is
`patient_name`. Which fields exist comes from the caller's `Catalog`; nothing here knows a
field name.

Patient values never appear in a message: not a cell, not a header cell (a file without its
header line has a patient there), not even one character. Problems name the file, line,
column, the row's id once it is known to be a safe id, and the column's field name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from ..content.errors import Problems, did_you_mean
from ..pdf.blanks import FieldSpot
from ..pdf.markup import unprintable
from . import records
from .records import FileProblem, Record

MAX_ID = 64
# Letters, digits, - and _, starting with a letter or digit (a leading - reads as an option).
_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_ID - 1}}}\Z")
# Names Windows keeps for devices, with or without an extension: no file can be called that.
_DEVICE = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?\Z", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-]+")
_TICKED = {"x", "yes", "y", "true", "1", "checked", "\u2713", "\u2714"}
_NOT_TICKED = {"", "no", "n", "false", "0"}
CHOICE_COLUMNS = ("set", "lang", "edition", "paper")
_SHARED_VALUES = 1 << 16   # distinct values kept once each; a bound on what that costs
_BROKEN = {  # records.Record.how -> what is wrong
    "unclosed": "the quote that opens this cell is not closed on its line (this blank takes "
                "one line, so its cell cannot hold a line break)",
    "end": "the quote that opens this cell is not closed before the end of the file",
    "too far": f"the quote that opens this cell is not closed within {records.MAX_CELL_LINES} "
               "lines or before the end of the file, so the lines after it are read as rows",
    "text after": "text follows the quote that closes this cell",
    "taken": "the quote that opens this cell is not closed on its line, and a quote on a later "
             "line cannot close it, so the lines after it are read as rows",
}


@dataclass(frozen=True)
class Field:
    """A fillable field of a blank packet."""

    name: str                      # full name, "<topic>.<field>"
    kind: str                      # text, multiline, checkbox or radio
    choices: tuple[str, ...] = ()  # a radio group's values
    label: str = ""                # what the blank says it is for (its tooltip)

    def same_blank_as(self, other: Field) -> bool:
        """Two fields that a short column name may fill together: the same kind of blank
        asking for the same thing."""
        return (self.kind, self.choices, self.label) == (other.kind, other.choices, other.label)


def field_catalog(spots: Sequence[FieldSpot]) -> dict[str, Field]:
    """The fields of a rendered packet, by full name, in the order they were drawn."""
    catalog: dict[str, Field] = {}
    for spot in spots:
        known = catalog.get(spot.name)
        if spot.kind == "radio":
            choices = (known.choices if known else ()) + (spot.value,)
            catalog[spot.name] = Field(spot.name, "radio", choices, spot.tooltip)
        elif known is None:
            catalog[spot.name] = Field(spot.name, spot.kind, (), spot.tooltip)
    return catalog


class Choice(NamedTuple):
    """Which packet a row is filled into."""

    set: str
    lang: str
    edition: str
    paper: str


@dataclass(frozen=True)
class Catalog:
    """What a patients file is read against: the fields of each set's packet, what the choice
    columns may say, and what a row gets when it says nothing (None: the row must say).

    Today's content has one unnamed set, "", which a `set` column cannot name.
    """

    fields: Mapping[str, Mapping[str, Field]]     # set -> its fields by full name
    options: Mapping[str, Sequence[str]]          # "lang", "edition", "paper" -> allowed values
    defaults: Mapping[str, str | None]            # each of CHOICE_COLUMNS -> the run's choice

    def allowed(self, column: str) -> list[str]:
        if column == "set":
            return [name for name in self.fields if name]
        return list(self.options.get(column, ()))


@dataclass(frozen=True, slots=True)
class PatientRow:
    id: str
    line: int
    index: int                      # position among the file's rows, from 0 (for shards)
    values: dict[str, str | bool]   # full field name -> text, or True for a ticked box
    choice: Choice


# A value's text fits the field's blank(s) in the packet it is filled into (see fill.Geometry).
Fits = Callable[[Choice, str, str], bool]


def normalise(name: str) -> str:
    """A column or field name as it is matched: lower case, spaces and - read as _."""
    return _SEPARATORS.sub("_", name.strip().lower())


def short_name(full: str) -> str:
    return full.rpartition(".")[2]


def header_names(catalog: Catalog) -> list[str]:
    """The columns a patients file may use, each field once, as `--list-fields` prints them:
    `id`, then every field by its short name where that names one blank, else in full."""
    names = ["id"]
    for full, _ in _fields_in_order(catalog):
        key = normalise(short_name(full))
        usable = _resolve(key, catalog)[0] == "field" and _targets_of(key, catalog) is not None
        column = short_name(full) if usable else full
        if column not in names:
            names.append(column)
    return names


def _fields_in_order(catalog: Catalog) -> list[tuple[str, Field]]:
    seen: dict[str, Field] = {}
    for fields in catalog.fields.values():
        for full, f in fields.items():
            seen.setdefault(full, f)
    return list(seen.items())


def _resolve(key: str, catalog: Catalog) -> tuple[str, str]:
    """What a normalised column name is: ("id" | a choice column | "field" | "full" |
    "unknown" | "unnamed", the name to show)."""
    if not key:
        return "unnamed", ""
    if key == "id" or key in CHOICE_COLUMNS:
        return key, key
    for fields in catalog.fields.values():
        for full in fields:
            if normalise(full) == key:
                return "full", full
    for fields in catalog.fields.values():
        for full in fields:
            if normalise(short_name(full)) == key:
                return "field", short_name(full)
    return "unknown", ""


def _targets_of(key: str, catalog: Catalog) -> dict[str, tuple[str, ...]] | None:
    """Set -> the fields a short column name fills there; None if in some set it fits blanks
    that are not the same blank."""
    targets = {}
    for set_name, fields in catalog.fields.items():
        found = [f for full, f in fields.items() if normalise(short_name(full)) == key]
        if not found:
            continue
        if any(not f.same_blank_as(found[0]) for f in found[1:]):
            return None
        targets[set_name] = tuple(f.name for f in found)
    return targets


@dataclass(frozen=True)
class _Column:
    index: int
    role: str      # "id", a choice column, "field", "unnamed" (empty on line 1) or "ignored"
    name: str = ""                          # shown in messages: a field or column name
    fields: Mapping[str, tuple[str, ...]] | None = None   # set -> full names it fills
    multiline: bool = False                 # may a quoted cell hold line breaks


class _Reader:
    """Reads one patients file against a catalog, collecting problems as it goes."""

    def __init__(self, path: str, catalog: Catalog, problems: Problems, fits: Fits | None):
        self.path, self.catalog, self.problems, self.fits = path, catalog, problems, fits
        self.header_failed = False
        self.delimiter = ","
        # Where each id was first seen, by its lower case; every sighting of an id seen twice.
        self.ids: dict[str, tuple[int, int, str]] = {}
        self.twins: dict[str, list[tuple[int, int, str]]] = {}
        self.choices: dict[Choice, Choice] = {}   # one object per choice, for a million rows
        self.seen: dict[str, str] = {}              # values kept once however many rows repeat

    def error(self, place: tuple[int, int], message: str) -> None:
        self.problems.error(self.path, place[0], place[1], message)

    # ---- line 1 -------------------------------------------------------------------------

    def columns(self, header: Record) -> list[_Column] | None:
        """The meaning of each column; None when there is no usable `id` column."""
        catalog = self.catalog
        separator = "semicolon" if self.delimiter == ";" else "comma"
        keys = [normalise(cell or "") for cell in header.cells]
        if header.broken:
            self.error(header.broken, "a quote on line 1 is not closed where its cell ends; "
                       "line 1 names the columns and needs no quotes")
            return None
        if keys.count("id") > 1:
            self.error((1, 1), "line 1 names the id column more than once; keep one")
            return None
        if "id" not in keys:
            # Maybe the header line is missing and line 1 is a patient: never show it.
            hint = ""
            if len(keys) == 1 and "\t" in (header.cells[0] or ""):
                hint = ("; the columns seem to be separated by tabs: in Excel use Save As, "
                        "'CSV UTF-8 (Comma delimited)'")
            self.error((1, 1), "line 1 has no 'id' column. The first line must name the "
                       f"columns, separated by {separator}s: id, then the fields "
                       "(make_pdfs.py --list-fields prints them); if line 1 holds a patient, "
                       f"add that line above it{hint}")
            return None
        unsaid = [name for name in CHOICE_COLUMNS
                  if catalog.defaults.get(name) is None and name not in keys]
        if unsaid:
            self.error((1, 1), " and ".join(f"which {name} to fill (one of "
                                            f"{', '.join(catalog.allowed(name))})"
                                            for name in unsaid)
                       + " is not given: add a column that says it for each row, or give "
                       + " and ".join(f"--{name}" for name in unsaid))
            return None
        columns: list[_Column] = []
        filled_by: dict[tuple[str, str], int] = {}    # (set, field) -> column number
        named: dict[str, int] = {}                     # normalised name -> column number
        for index, key in enumerate(keys):
            place = header.places[index]
            number = index + 1
            role, shown = _resolve(key, catalog)
            if role == "unnamed":
                columns.append(_Column(index, "unnamed"))
                continue
            if key in named:
                self._header_error(place, f"column {number} repeats column {named[key]}"
                                   + (f" ('{shown}')" if shown else "") + "; keep one of them")
                columns.append(_Column(index, "ignored"))
                continue
            named[key] = number
            if role == "unknown":
                self._header_error(place, f"column {number} is not a field of the packet; "
                                   "make_pdfs.py --list-fields prints the names a patients "
                                   "file may use" + did_you_mean(
                                       key, header_names(catalog)))
                columns.append(_Column(index, "ignored"))
                continue
            if role == "id" or role in CHOICE_COLUMNS:
                columns.append(_Column(index, role, role))
                continue
            if role == "full":
                targets = {s: (shown,) for s, fields in catalog.fields.items() if shown in fields}
            else:
                targets = _targets_of(key, catalog)
                if targets is None:
                    fits = sorted({f for fields in catalog.fields.values() for f in fields
                                   if normalise(short_name(f)) == key})
                    self._header_error(place, f"column {number} ('{shown}') fits different "
                                       f"blanks: {', '.join(fits)}; write the full name of "
                                       "the one meant, as a column each")
                    columns.append(_Column(index, "ignored"))
                    continue
            clash = sorted({filled_by[(s, f)] for s, names in targets.items() for f in names
                            if (s, f) in filled_by})
            if clash:
                self._header_error(place, f"column {number} ('{shown}') fills the same field "
                                   f"as column {clash[0]}; keep one of them")
                columns.append(_Column(index, "ignored"))
                continue
            for s, names in targets.items():
                for f in names:
                    filled_by[(s, f)] = number
            multiline = any(catalog.fields[s][f].kind == "multiline"
                            for s, names in targets.items() for f in names)
            columns.append(_Column(index, "field", shown, targets, multiline))
        return columns

    def _header_error(self, place: tuple[int, int], message: str) -> None:
        self.header_failed = True
        self.error(place, message + " (no packet is made until line 1 is right)")

    # ---- the rows -----------------------------------------------------------------------

    def row(self, record: Record, columns: list[_Column], index: int) -> PatientRow | None:
        """Check one record; report its problems and return None if it has any."""
        cells, places = record.cells, record.places
        problems_before = len(self.problems)

        def place(i: int) -> tuple[int, int]:
            return places[i] if i < len(places) else places[-1]

        def cell(i: int) -> str | None:
            return cells[i] if i < len(cells) else ""

        id_column = next(c.index for c in columns if c.role == "id")
        if record.broken and id_column >= len(cells):
            patient_id = None   # the id is in or after the broken cell: not known
        else:
            patient_id = self._id(cell(id_column), place(id_column))
        who = f"row '{patient_id}'" if patient_id else "this row"
        if record.broken:
            self.error(record.broken, f"{who}: " + _BROKEN[record.how] + "; a quote inside a "
                       "cell is written as two (\"\"). Close it or remove it")
        if record.after_broken and len(cells) < len(columns):
            self.error(place(0), f"{who} has fewer cells than line 1 has columns, and follows "
                       f"the quote left open on line {record.after_broken}: it may be a part of "
                       "that cell. Check both lines")
        if len(cells) > len(columns):
            separator = "semicolon" if self.delimiter == ";" else "comma"
            self.error(place(len(columns)), f"{who} has more cells than line 1 has columns "
                       f"({len(columns)}); check for a stray {separator} or a missing quote")
        choice = self._choice(columns, cell, place, who)
        values: dict[str, str | bool] = {}
        for column in columns:
            text = cell(column.index)
            if column.role in ("id", "ignored") or text == "" or (
                    record.broken and column.index >= len(cells)):
                continue
            at = place(column.index)
            if text is None:
                self.error(at, f"{who}, {_column_words(column)}: this cell holds more than "
                           f"{records.MAX_CELL_CHARS} characters, more than any blank takes; "
                           "shorten it")
                continue
            if column.role == "unnamed":
                if text.strip() and record.broken is None:
                    self.error(at, f"{who}, {_column_words(column)}: this cell is under a "
                               "column that line 1 does not name as a field, so it would be "
                               "lost; name the column or empty the cell")
                continue
            if column.role == "field" and choice is not None:
                self._values(column, text, at, who, choice, values)
        if len(self.problems) > problems_before or patient_id is None or choice is None:
            return None
        return PatientRow(patient_id, record.line, index, values, choice)

    def _id(self, cell: str | None, at: tuple[int, int]) -> str | None:
        """The row's id if it is safe as a file name and in a message; else report it."""
        text = cell.strip() if cell is not None else None
        if not text:
            self.error(at, "this row has no id; every row needs one (letters, digits, - and _),"
                       " as it names the row's file" if text == "" else
                       f"this id is far too long; an id is at most {MAX_ID} letters, digits, - "
                       "and _")
            return None
        if not _ID.match(text):
            self.error(at, "this row's id cannot name a file: use only letters A-Z, digits, - "
                       f"and _, starting with a letter or digit, at most {MAX_ID} of them")
            return None
        if _DEVICE.match(text):
            self.error(at, f"the id '{text}' is a name Windows keeps for a device, so no file "
                       "can be called that; change it")
            return None
        key = text.lower()
        key = text if key == text else key   # the same object when it is already lower case
        seen = (*at, text)
        first = self.ids.setdefault(key, seen)
        if first is not seen:
            self.twins.setdefault(key, [first]).append(seen)
        return text

    def _choice(self, columns, cell, place, who: str) -> Choice | None:
        chosen = dict(self.catalog.defaults)
        ok = True
        for column in columns:
            if column.role not in CHOICE_COLUMNS:
                continue
            text = cell(column.index)
            allowed = self.catalog.allowed(column.role)
            if text is None:
                ok = False
                self.error(place(column.index), f"{who}: this {column.role} cell is far too "
                           f"long; write one of {', '.join(allowed)}")
                continue
            text = text.strip()
            if not text:
                continue
            match = [a for a in allowed if a.lower() == text.lower()]
            if match:
                chosen[column.role] = match[0]
                continue
            ok = False
            default = self.catalog.defaults.get(column.role)
            self.error(place(column.index), f"{who}: the {column.role} must be "
                       + (f"one of {', '.join(allowed)}" if allowed else
                          f"left empty (this content has no {column.role} to choose)")
                       + (f", or empty for {default}" if default else ""))
        for name in CHOICE_COLUMNS:
            if ok and chosen.get(name) is None:
                ok = False
                allowed = self.catalog.allowed(name)
                self.error(place(0), f"{who} does not say which {name} to fill, and the run "
                           f"gives none; add a {name} column (one of {', '.join(allowed)}) or "
                           f"give --{name}")
        if not ok:
            return None
        choice = Choice(*(chosen[name] for name in CHOICE_COLUMNS))
        return self.choices.setdefault(choice, choice)

    def _values(self, column: _Column, text: str, at: tuple[int, int], who: str,
                choice: Choice, values: dict[str, str | bool]) -> None:
        where = f"{who}, {_column_words(column)}"
        names = column.fields.get(choice.set, ())
        if not names:
            self.error(at, f"{where}: the set {choice.set} has no such field; leave the cell "
                       "empty for this set")
            return
        fields = self.catalog.fields[choice.set]
        first = fields[names[0]]
        value = _value(first, text)
        if value is None:
            allowed = ("x or yes to tick the box, or leave the cell empty" if first.kind ==
                       "checkbox" else "one of " + ", ".join(first.choices))
            self.error(at, f"{where}: this is not a value the blank takes; write {allowed}")
            return
        if value == "" or value is False:
            return
        if isinstance(value, str):
            bad = _unprintable(value)
            if bad:
                position = value.index(bad[0][0]) + 1
                self.error(at, f"{where}: character {position} of this cell cannot be printed "
                           f"({bad[0][1]}); retype it")
                return
            if self.fits is not None:
                too_long = [n for n in names if not self.fits(choice, n, value)]
                if too_long:
                    label = fields[too_long[0]].label
                    self.error(at, f"{where}: the value is too long for its blank '{label}' "
                               f"({too_long[0]}) in the {choice.edition} edition on "
                               f"{choice.paper} paper; shorten it (text is never printed "
                               "smaller to fit)")
                    return
        if isinstance(value, str) and len(self.seen) < _SHARED_VALUES:
            value = self.seen.setdefault(value, value)   # one copy of "Dr. Rivera" for all
        for name in names:
            values[name] = value


# Values recur row after row (a doctor, a date): check each distinct one once.
_unprintable = lru_cache(maxsize=1 << 16)(unprintable)


@cache
def _choices(choices: tuple[str, ...]) -> dict[str, str]:
    """A radio group's values by the way a cell may write them (`Not known` is `not_known`)."""
    return {normalise(choice): choice for choice in choices}


def _column_words(column: _Column) -> str:
    """A column as a message names it: its number, and its field or column name if it has one
    (never the header cell itself, which may be a patient's value)."""
    return f"column {column.index + 1}" + (f" ('{column.name}')" if column.name else "")


def _value(field: Field, cell: str):
    """The value to fill, "" or False for nothing, None if the cell does not fit the field."""
    text = cell.strip()
    if field.kind == "checkbox":
        if text.lower() in _TICKED:
            return True
        return False if text.lower() in _NOT_TICKED else None
    if field.kind == "radio":
        return _choices(field.choices).get(normalise(text)) if text else ""
    if field.kind == "multiline":
        return text
    return " ".join(text.split())   # one line: a line break in the cell reads as a space


def read_patients(path: Path, catalog: Catalog, problems: Problems, fits: Fits | None = None,
                  shown_as: str | None = None) -> list[PatientRow]:
    """Read and check every row of a patients file; rows with a problem are reported and left
    out, and so is every row whose id another row shares, ignoring case. With a problem on
    line 1, or a file that cannot be read as a whole, no row is returned."""
    name = shown_as or str(path)
    reader = _Reader(name, catalog, problems, fits)
    rows: list[PatientRow] = []
    try:
        with records.open_csv(path) as csv_file:
            header = csv_file.header()
            reader.delimiter = csv_file.delimiter
            columns = reader.columns(header)
            if columns is None:
                return []
            spans = {c.index for c in columns if c.multiline}
            index = 0
            for record in csv_file.records(len(columns) + 1, spans.__contains__):
                if record.is_blank():
                    continue
                row = reader.row(record, columns, index)
                index += 1
                if row is not None:
                    rows.append(row)
    except FileProblem as e:
        problems.error(name, e.line, e.col, e.message)
        return []
    except OSError as e:
        problems.error(name, 1, 0, f"cannot read this file ({e.strerror or type(e).__name__})")
        return []
    shared = _shared_ids(reader)
    if reader.header_failed:
        return []
    return [row for row in rows if row.id.lower() not in shared]


def _shared_ids(reader: _Reader) -> set[str]:
    """Report every row whose id another row also has, ignoring case: on Windows and macOS
    `AB-1.pdf` and `ab-1.pdf` are one file, so neither row can have it."""
    for seen in reader.twins.values():
        for line, col, text in seen:
            others = ", ".join(f"line {other[0]}" + (f" ('{other[2]}')" if other[2] != text
                                                     else "")
                               for other in seen if other[:2] != (line, col))
            reader.error((line, col), f"the id '{text}' is also on {others}; ids that differ "
                         "only in upper and lower case name one file on Windows and macOS, so "
                         "no row with it is filled. Give each row its own id")
    return set(reader.twins)
