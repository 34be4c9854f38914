"""A patients CSV file -> validated rows of field values, with every problem located.

One row per patient: an `id` column (letters, digits, `-` and `_`; it names the output file)
and columns named after form fields, either in full (`staging-and-grading.stage`) or by the
last part (`patient_name`, which fills that blank in every handout). Patient values are never
repeated in a message: problems name the file, line, column and field only.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..content.errors import Problems, did_you_mean
from ..pdf.blanks import FieldSpot
from ..pdf.markup import unprintable

_ID = re.compile(r"[A-Za-z0-9_-]{1,80}\Z")
_TICKED = {"x", "yes", "y", "true", "1", "checked", "\u2713", "\u2714"}
_NOT_TICKED = {"", "no", "n", "false", "0"}
MAX_FILE_BYTES = 50_000_000


@dataclass(frozen=True)
class Field:
    """A fillable field of the blank packet."""

    name: str
    kind: str                     # text, multiline, checkbox or radio
    choices: tuple[str, ...] = ()  # a radio group's values


@dataclass(frozen=True)
class PatientRow:
    id: str
    line: int
    index: int                      # position among the file's rows, from 0 (for shards)
    values: dict[str, str | bool]   # full field name -> text, or True for a ticked box


def field_catalog(spots: list[FieldSpot]) -> dict[str, Field]:
    """The fields of a rendered packet, by full name (split fields keep their first part)."""
    catalog: dict[str, Field] = {}
    for spot in spots:
        known = catalog.get(spot.name)
        if spot.kind == "radio":
            choices = (known.choices if known else ()) + (spot.value,)
            catalog[spot.name] = Field(spot.name, "radio", choices)
        elif known is None:
            catalog[spot.name] = Field(spot.name, spot.kind)
    return catalog


def _cell_places(lines: list[str], first: int, last: int) -> list[tuple[int, int]]:
    """The (line, column) where each cell of a record starts; a record may span lines."""
    places, quoted = [(first, 1)], False
    for number in range(first, last + 1):
        for index, char in enumerate(lines[number - 1] if number <= len(lines) else ""):
            if char == '"':
                quoted = not quoted
            elif char == "," and not quoted:
                places.append((number, index + 2))
    return places


def read_patients(path: Path, catalog: dict[str, Field], problems: Problems,
                  shown_as: str | None = None) -> list[PatientRow]:
    """Read and check every row; rows with a problem are reported and left out."""
    name = shown_as or str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        problems.error(name, 0, 0, f"cannot read this file ({e.strerror or e})")
        return []
    if len(data) > MAX_FILE_BYTES:
        problems.error(name, 0, 0, "the file is too large; split it into smaller files")
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        problems.error(name, line, 0, "this file is not saved as UTF-8 text; save it again "
                       "as 'CSV UTF-8'")
        return []
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        problems.error(name, 1, 1, "the file is empty; the first line names the columns, "
                       "starting with id")
        return []
    short_names: dict[str, list[str]] = {}
    for full in catalog:
        short_names.setdefault(full.split(".", 1)[1], []).append(full)
    targets: list[list[str] | None] = []
    header_places = _cell_places(lines, 1, 1)
    id_index = None
    for index, column in enumerate(header):
        column = column.strip()
        col = header_places[index][1] if index < len(header_places) else 0
        if column == "id":
            id_index = index
            targets.append(None)
        elif column in catalog:
            targets.append([column])
        elif column in short_names:
            targets.append(short_names[column])
        else:
            problems.error(name, 1, col, f"the column '{column}' is not a field of the "
                           "packet, so it is left out of every row"
                           f"{did_you_mean(column, [*catalog, *short_names])}")
            targets.append(None)
    if id_index is None:
        problems.error(name, 1, 1, "there is no 'id' column; add one that names each "
                       "patient's file (letters, digits, - and _)")
        return []
    rows, seen, position = [], {}, 0
    try:
        first = reader.line_num + 1
        for cells in reader:
            # A quoted cell may hold line breaks: the record runs from `first` to line_num.
            start, first = first, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            start += next((i for i, line in enumerate(lines[start - 1:]) if line.strip()), 0)
            row = _check_row(cells, targets, catalog, id_index, name, position,
                             _cell_places(lines, start, reader.line_num), seen, problems)
            position += 1
            if row:
                rows.append(row)
    except csv.Error as e:
        problems.error(name, reader.line_num, 0, f"this line cannot be read as CSV ({e}); "
                       "check its quotes")
    return rows


def _check_row(cells, targets, catalog, id_index, name, position, places, seen,
               problems: Problems) -> PatientRow | None:
    def error(index, message):
        line, col = places[min(index, len(places) - 1)]
        problems.error(name, line, col, message)

    line = places[0][0]

    ok = True
    patient_id = cells[id_index].strip() if id_index < len(cells) else ""
    if not patient_id:
        error(id_index, "the id is missing; every row needs one")
        ok = False
    elif not _ID.match(patient_id):
        error(id_index, "the id may only use letters, digits, - "
                       "and _ (it becomes the file name)")
        ok = False
    elif patient_id in seen:
        error(id_index, f"the id '{patient_id}' is already used on "
                       f"line {seen[patient_id]}; give each row its own id")
        ok = False
    else:
        seen[patient_id] = line
    if len(cells) > len(targets):
        error(len(targets), "this row has more cells than there are "
                       "column names; check for a stray comma")
        ok = False
    values: dict[str, str | bool] = {}
    for index, cell in enumerate(cells[:len(targets)]):
        fields = targets[index]
        if not fields:
            continue
        for full in fields:
            value = _value(catalog[full], cell)
            if isinstance(value, str) and unprintable(value):
                error(index, f"the value for '{full}' has a "
                               "character no bundled font can show; retype it")
                ok = False
                break
            if value is None:
                field = catalog[full]
                allowed = ("x or yes to tick it, empty or no to leave it" if field.kind ==
                           "checkbox" else "one of " + ", ".join(field.choices))
                error(index, f"the value for '{full}' is not "
                               f"allowed; write {allowed}")
                ok = False
                break
            if value != "" and value is not False:
                values[full] = value
    return PatientRow(patient_id, line, position, values) if ok else None


def _value(field: Field, cell: str):
    """The value to fill, "" or False for nothing, None if the cell does not fit the field."""
    text = cell.strip()
    if field.kind == "checkbox":
        if text.lower() in _TICKED:
            return True
        return False if text.lower() in _NOT_TICKED else None
    if field.kind == "radio":
        if not text:
            return ""
        match = [c for c in field.choices if c.lower() == text.lower().replace(" ", "_")]
        return match[0] if match else None
    return cell.replace("\r\n", "\n").strip()
