"""A CSV file as Excel saves it -> located records, read as a stream in bounded memory.

What is read: UTF-8 with or without a byte order mark; lines ending in CRLF, LF or CR; cells
separated by commas or by semicolons, whichever the first line uses (Excel writes semicolons
where the comma is the decimal mark); quoted cells with doubled quotes inside and, in columns
the caller allows, line breaks. Every cell comes with the line and column where it starts, so a
problem can be pointed at without repeating what the cell says.

What is refused, without reading it all: anything but a regular file (a pipe or a device could
be endless), a file over MAX_FILE_BYTES, and any other encoding (`FileProblem`). A cell over
MAX_CELL_CHARS is kept as None, and cells beyond those asked for are only counted, so one record
never holds more than a bounded amount. A quote that is not closed ends its record at the line
it opened on, and reading carries on with the next line; a quoted cell may span at most
MAX_CELL_LINES lines, so going back to that line re-reads a bounded stretch and reading stays
linear in the file's size.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 50_000_000
MAX_CELL_CHARS = 10_000     # far more than the largest blank holds
MAX_CELL_LINES = 50         # the largest blank has fewer ruled lines than this
MAX_HEADER_CHARS = 20_000
_CHUNK = 1 << 16
_BREAK = re.compile(rb"\r\n|\r|\n")
_SAVE_AS = "save it again from Excel with Save As, choosing 'CSV UTF-8 (Comma delimited)'"


class FileProblem(Exception):
    """The file as a whole cannot be read as a CSV file (line 1 column 1 when not located)."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


@dataclass(slots=True)
class Record:
    """One record of the file: its cells (None for one too long to keep) and where each
    starts; `extra` counts cells beyond those kept. A record with a broken quoted cell keeps
    only the cells before it, and where that cell starts."""

    line: int
    cells: list[str | None] = field(default_factory=list)
    places: list[tuple[int, int]] = field(default_factory=list)
    extra: int = 0
    broken: tuple[int, int] | None = None   # where the quote opened of a cell that is broken
    how: str = ""   # "unclosed" (on its line), "end" (of the file), "too far" (within
    #                 MAX_CELL_LINES lines or the file),
    #                 "text after" (its closing quote) or "taken" (a later line's quote closed it)
    after_broken: int = 0             # this line was first read as part of such a cell (line)

    def is_blank(self) -> bool:
        return not self.extra and self.broken is None and all(
            cell is not None and not cell.strip() for cell in self.cells)


@contextlib.contextmanager
def open_csv(path: Path):
    """The file, checked to be a regular file of a sane size before anything is read."""
    # O_NONBLOCK: opening a named pipe must not wait for a writer before it can be refused.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a pipe or a device"
            raise FileProblem(1, 0, f"this is {kind}, not a saved file; give the path of the "
                              "patients file (CSV)")
        if info.st_size > MAX_FILE_BYTES:
            raise FileProblem(1, 0, f"the file is {info.st_size / 1e6:.0f} MB, more than the "
                              f"{MAX_FILE_BYTES // 1_000_000} MB read at once; split it into "
                              "smaller files, each with the first line")
        with open(fd, "rb", buffering=0, closefd=False) as raw:
            yield CsvFile(raw)
    finally:
        os.close(fd)


class _Lines:
    """A binary file -> each line's bytes, in pieces of at most _CHUNK bytes, with offsets."""

    def __init__(self, raw):
        self.raw = raw
        self.buffer = b""
        self.pos = 0          # where the next piece starts in buffer
        self.offset = 0       # the file offset of buffer[0]
        self.eof = False

    def tell(self) -> int:
        return self.offset + self.pos

    def seek(self, offset: int) -> None:
        if self.offset <= offset <= self.offset + len(self.buffer):
            self.pos = offset - self.offset   # still in what was read: no need to read again
            return
        self.raw.seek(offset)
        self.buffer, self.pos, self.offset, self.eof = b"", 0, offset, False

    def _more(self) -> None:
        self.buffer, self.offset, self.pos = self.buffer[self.pos:], self.offset + self.pos, 0
        data = self.raw.read(_CHUNK)
        if not data:
            self.eof = True
        elif self.offset + len(self.buffer) + len(data) > MAX_FILE_BYTES:
            # The size was checked before reading; a file still growing is refused here.
            raise FileProblem(1, 0, f"the file grew past {MAX_FILE_BYTES // 1_000_000} MB while "
                              "it was read; wait until it is saved, and split it if it is "
                              "that large")
        self.buffer += data

    def next(self) -> tuple[bytes, bool] | None:
        """The next piece of a line and whether it ends that line; None at the end."""
        while True:
            end = self.pos + _CHUNK
            found = _BREAK.search(self.buffer, self.pos)
            if found and found.start() <= end:
                if found.end() == len(self.buffer) and found.group() == b"\r" and not self.eof:
                    self._more()   # a CR at the end of what is read may be half of a CRLF
                    continue
                piece = self.buffer[self.pos:found.start()]
                self.pos = found.end()
                return piece, True
            if len(self.buffer) > end:   # a long line: no line break before `end`
                piece = self.buffer[self.pos:end]
                self.pos = end
                return piece, False
            if self.eof:
                if self.pos < len(self.buffer):
                    piece = self.buffer[self.pos:]
                    self.pos = len(self.buffer)
                    return piece, True
                return None
            self._more()


class _Parser:
    """Decoded text, piece by piece -> records. Knows quoting, nothing of what cells mean."""

    def __init__(self, delimiter: str, keep: int):
        self.delimiter, self.keep = delimiter, keep
        self.record: Record | None = None
        self.in_quotes = self.pending_quote = False
        self.quote_at = (0, 0)
        self.quote_lines = self.quote_cell = 0
        self.text_after = False   # a closing quote was followed by more than a delimiter

    def start(self, line: int) -> None:
        self.record = Record(line)
        self._start_cell(line, 1)

    def _start_cell(self, line: int, col: int) -> None:
        self.parts: list[str] = []
        self.length, self.started, self.too_long = 0, False, False
        if len(self.record.places) < self.keep:
            self.record.places.append((line, col))

    def _add(self, text: str) -> None:
        if not text or self.too_long:
            self.started = True
            return
        self.started = True
        self.length += len(text)
        if self.length > MAX_CELL_CHARS:
            self.too_long, self.parts = True, []
        else:
            self.parts.append(text)

    def _end_cell(self) -> None:
        record = self.record
        if len(record.cells) < self.keep:
            record.cells.append(None if self.too_long else "".join(self.parts))
        else:
            record.extra += 1

    @property
    def column(self) -> int:
        """The index of the cell being read."""
        return len(self.record.cells) + self.record.extra

    def feed(self, text: str, line: int, col: int) -> None:
        """Read a piece of a line that starts at column `col`."""
        i, n, delimiter = 0, len(text), self.delimiter
        if self.pending_quote:  # a quote ended the previous piece, inside quotes
            self.pending_quote = False
            if n and text[0] == '"':
                self._add('"')
                i = 1
            else:
                self._close(text, 0)
        if col == 1 and not self.in_quotes and not self.started and '"' not in text:
            # The usual line: no quotes, so the cells are the text between delimiters.
            cells = text.split(delimiter)
            for number, cell in enumerate(cells):
                if number:
                    self._end_cell()
                    self._start_cell(line, col)
                self._add(cell)
                col += len(cell) + 1
            return
        while i < n:
            if self.in_quotes:
                j = text.find('"', i)
                if j < 0:
                    self._add(text[i:])
                    return
                self._add(text[i:j])
                if j + 1 == n:
                    self.pending_quote = True   # a doubled quote or the closing one: see next
                    return
                if text[j + 1] == '"':
                    self._add('"')
                    i = j + 2
                else:
                    self._close(text, j + 1)
                    i = j + 1
            elif not self.started and text[i] == '"':
                self.in_quotes, self.started = True, True
                self.quote_at, self.quote_lines = (line, col + i), 0
                self.quote_cell = self.column
                i += 1
            else:
                j = text.find(delimiter, i)
                if j < 0:
                    self._add(text[i:])
                    return
                self._add(text[i:j])
                self._end_cell()
                self._start_cell(line, col + j + 1)
                i = j + 1

    def _close(self, text: str, after: int) -> None:
        """The quoted part of a cell ends; a delimiter (or the line's end) must follow, as
        Excel writes it. Anything else means this quote was not the closing one: a quote
        left open earlier took the text up to here."""
        self.in_quotes = False
        if after < len(text) and text[after] != self.delimiter:
            self.text_after = True

    def end_line(self) -> None:
        """The line ended: a quote at the very end of it closed its cell."""
        if self.pending_quote:
            self.pending_quote = self.in_quotes = False

    def line_break_in_cell(self) -> None:
        self._add("\n")
        self.quote_lines += 1

    def finish(self, how: str = "") -> Record:
        """End the record; `how` says why its quoted cell is broken, if it is."""
        self._end_cell()
        record, self.record = self.record, None
        if how or self.text_after:
            record.broken, record.how = self.quote_at, how or "text after"
            # The broken cell, and what follows it, are not known to be cells of this record.
            del record.cells[self.quote_cell:], record.places[self.quote_cell + 1:]
            record.extra = 0
        self.in_quotes = self.pending_quote = self.text_after = False
        return record


class CsvFile:
    """The records of an open CSV file: first the header line, then the others."""

    def __init__(self, raw):
        self.lines = _Lines(raw)
        self.line = 0
        self.delimiter = ","

    def _decode(self, piece: bytes, decoder, col: int, final: bool) -> str:
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(piece, final)
        except UnicodeDecodeError as e:
            before = (pending + piece)[:e.start].decode("utf-8", "replace")
            raise FileProblem(self.line, col + len(before), "this is not UTF-8 text, so letters "
                              f"such as accents would come out wrong; {_SAVE_AS}") from None
        if "\x00" in text:
            raise FileProblem(self.line, col + text.index("\x00"), "this holds a NUL character, "
                              f"so it is not a CSV text file; {_SAVE_AS}")
        return text

    def header(self) -> Record:
        """Line 1, whose cells name the columns; sets the delimiter it uses."""
        first = self.lines.next()
        if first is None or (first[1] and not first[0].strip()):
            raise FileProblem(1, 1, "the first line is empty; it must name the columns, "
                              "starting with id (make_pdfs.py --list-fields prints them)")
        piece, ends = first
        if piece.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise FileProblem(1, 1, f"this file is saved as UTF-16 ('Unicode text'); {_SAVE_AS}")
        if piece.startswith(b"PK\x03\x04"):
            raise FileProblem(1, 1, "this is an Excel workbook, not a CSV file; in Excel use "
                              "Save As and choose 'CSV UTF-8 (Comma delimited)'")
        piece = piece.removeprefix(codecs.BOM_UTF8)
        self.line = 1
        text = self._decode(piece, codecs.getincrementaldecoder("utf-8")(), 1, ends)
        if not ends or len(text) > MAX_HEADER_CHARS:
            raise FileProblem(1, 0, "the first line is far too long to be the column names; "
                              "is this the patients file?")
        # Excel writes semicolons where the comma is the decimal mark; the header tells which.
        self.delimiter = ";" if text.count(";") > text.count(",") else ","
        parser = _Parser(self.delimiter, MAX_HEADER_CHARS)
        parser.start(1)
        parser.feed(text, 1, 1)
        parser.end_line()
        return parser.finish("unclosed" if parser.in_quotes else "")

    def records(self, keep: int, may_span: Callable[[int], bool]) -> Iterator[Record]:
        """Every record after the header. A quoted cell may hold line breaks only in a column
        for which may_span(index) is true; `keep` cells of each record are kept."""
        lines, parser = self.lines, _Parser(self.delimiter, keep)
        decoder = codecs.getincrementaldecoder("utf-8")()
        resume: tuple[int, int] | None = None   # (offset, line) just after an opening quote
        shadow = (0, 0)   # (last line, opening line) of a broken cell's lines, read again
        col = 1

        def read_again(record: Record) -> Record:
            """A quoted cell that ran over lines is broken: it ends where it opened, and the
            lines it took are read again as rows of their own."""
            nonlocal shadow, col
            shadow = (self.line, record.broken[0])
            decoder.reset()
            lines.seek(resume[0])
            self.line, col = resume[1] - 1, 1
            return record

        while True:
            got = lines.next()
            if got is None:
                if parser.record is None:
                    return
                if parser.in_quotes and parser.quote_lines:
                    yield read_again(parser.finish("too far"))
                    continue
                yield parser.finish("end" if parser.in_quotes else "")
                return
            piece, ends = got
            if col == 1:
                self.line += 1
                if parser.record is None:
                    parser.start(self.line)
                    if self.line <= shadow[0]:
                        parser.record.after_broken = shadow[1]
            parser.feed(self._decode(piece, decoder, col, ends), self.line, col)
            if parser.text_after and parser.quote_lines:
                yield read_again(parser.finish("taken"))
                continue
            if not ends:
                col += len(piece)   # pieces are cut from long lines only; close enough there
                continue
            col = 1
            parser.end_line()
            if not parser.in_quotes:
                yield parser.finish()
            elif not may_span(parser.column):
                yield parser.finish("unclosed")
            elif parser.quote_lines >= MAX_CELL_LINES:
                yield read_again(parser.finish("too far"))
            else:
                if not parser.quote_lines:
                    resume = (lines.tell(), self.line + 1)
                parser.line_break_in_cell()
