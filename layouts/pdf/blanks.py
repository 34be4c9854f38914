"""Things to write on -> flowables: answer lines, labelled lines, tick boxes, circles, logs.

Every blank is ink on paper first. Each one also records where it was drawn (`FieldSpot`), so
`fields.py` can lay a form field exactly on its ink after rendering. Sizes come from the edition
(`styles.py`); nothing here decides a size of its own. For tagged PDF, lines and boxes are
artifacts, labels are content of the blank's structure element (`tag_parent`), and each field
becomes a Form element there.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.platypus import Flowable

from .paragraph import Paragraph
from .styles import INK, RULE_INK, TINT, Styles
from .tags import Element, artifact, marked, note_widget

LINE_WIDTH = 0.9   # answer lines: visible when photocopied, quiet enough to write over
BOX_WIDTH = 1.3    # tick boxes and circles: easy to find with a pen


@dataclass(frozen=True)
class FieldSpot:
    """Where a blank was drawn: page (from 1) and rectangle in points, plus what the field is."""

    name: str            # "<topic>.<field>"
    kind: str            # "text", "multiline", "checkbox" or "radio"
    page: int
    rect: tuple[float, float, float, float]
    tooltip: str
    value: str = ""      # a radio button's own value
    pitch: float = 0     # multi-line fields: distance between the ruled lines under the text


def record_field(canv, name: str | None, kind: str, x: float, y: float, width: float,
                 height: float, tooltip: str, value: str = "", pitch: float = 0,
                 element: Element | None = None) -> None:
    """Note a blank's place in page coordinates on the canvas that draws it."""
    spots = getattr(canv, "field_spots", None)
    if spots is None or not name:
        return
    x1, y1 = canv.absolutePosition(x, y)
    x2, y2 = canv.absolutePosition(x + width, y + height)
    spots.append(FieldSpot(name, kind, canv.getPageNumber(),
                           (round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2)),
                           tooltip, value, pitch))
    note_widget(canv, element, len(spots) - 1)


def _box(canv, x: float, y: float, size: float) -> None:
    with artifact(canv):
        canv.setStrokeColor(INK)
        canv.setLineWidth(BOX_WIDTH)
        canv.rect(x, y, size, size, stroke=1, fill=0)


def _circle(canv, x: float, y: float, size: float) -> None:
    with artifact(canv):
        canv.setStrokeColor(INK)
        canv.setLineWidth(BOX_WIDTH)
        canv.circle(x + size / 2, y + size / 2, size / 2, stroke=1, fill=0)


def _rule(canv, x1: float, x2: float, y: float) -> None:
    with artifact(canv):
        canv.setStrokeColor(RULE_INK)
        canv.setLineWidth(LINE_WIDTH)
        canv.line(x1, y, x2, y)


class Blank(Flowable):
    """A flowable to write on. `tag_parent` is the structure element its parts belong to."""

    tag_parent: Element | None = None

    def draw_label(self, para: Paragraph, x: float, y: float) -> None:
        element = self.tag_parent.child("P") if self.tag_parent else None
        with marked(self.canv, element):
            para.drawOn(self.canv, x, y)


class AnswerLines(Blank):
    """Full-width ruled lines for a written answer; splits across pages line by line."""

    def __init__(self, count: int, styles: Styles, field: str | None = None, tooltip: str = "",
                 part: int = 1):
        super().__init__()
        self.count, self.styles, self.field, self.tooltip, self.part = (
            count, styles, field, tooltip, part)
        self.pitch = styles.edition.line_pitch

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        self.height = self.count * self.pitch
        return self.width, self.height

    def first_part_height(self, avail_width) -> float:
        """The least of it a page break leaves under a heading: two lines."""
        return min(self.count, 2) * self.pitch

    def split(self, avail_width, avail_height):
        fits = int(avail_height // self.pitch)
        if fits < 1 or fits >= self.count:
            return []
        pieces = [AnswerLines(fits, self.styles, self.field, self.tooltip, self.part),
                  AnswerLines(self.count - fits, self.styles, self.field, self.tooltip,
                              self.part + 1)]
        for piece in pieces:
            piece.tag_parent = self.tag_parent
        return pieces

    def draw(self):
        # The writing space of each line is the pitch above it, so the first line has room too.
        for index in range(1, self.count + 1):
            _rule(self.canv, 0, self.width, self.height - index * self.pitch)
        # A field split over pages becomes one field per page: notes, notes_2, ...
        name = self.field if self.part == 1 or not self.field else f"{self.field}_{self.part}"
        record_field(self.canv, name, "multiline", 0, 0, self.width,
                     self.height - self.pitch * 0.15, self.tooltip, pitch=self.pitch,
                     element=self.tag_parent)


class LabelledLine(Blank):
    """A label followed by a line to write on, in one or more columns of one row."""

    def __init__(self, parts: list[tuple[str, str | None, str]], styles: Styles,
                 label_share: float | None = None):
        """parts: (label markup, field name, tooltip); label_share fixes the label column."""
        super().__init__()
        self.parts, self.styles, self.label_share = parts, styles, label_share
        self.pitch = styles.edition.line_pitch
        self.gap = styles.edition.label_gap

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        column = avail_width / len(self.parts)
        limit = column * (self.label_share or 0.6)
        if len(self.parts) == 1:  # the line keeps room for a name or a phone; the label wraps
            edition = self.styles.edition
            limit = max(min(limit, column - edition.label_gap - edition.name_line), column / 4)
        self.labels = []
        for label, _, _ in self.parts:
            para = Paragraph(label, self.styles.bold)
            para.wrap(limit, avail_height)
            # A group of blanks shares one label column so their lines start together.
            width = limit if self.label_share else max(para.getActualLineWidths0()) + 1
            self.labels.append((para, width))
        label_height = max(p.height for p, _ in self.labels)
        # The line sits under the label's last line; a one-line label gets a full pitch above.
        self.height = max(self.pitch, label_height + self.pitch * 0.35)
        return self.width, self.height

    def draw(self):
        column = self.width / len(self.parts)
        descent = self.styles.body.fontSize * 0.3
        for index, ((_, field, tooltip), (para, label_width)) in enumerate(
                zip(self.parts, self.labels)):
            x = index * column
            self.draw_label(para, x, descent)
            start = x + label_width + self.gap
            end = x + column - (self.gap * 2 if index < len(self.parts) - 1 else 0)
            _rule(self.canv, start, end, 0)
            record_field(self.canv, field, "text", start, 0, end - start, self.pitch * 0.8,
                         tooltip, element=self.tag_parent)


class TickBoxItem(Blank):
    """A tick box, its label, and optionally a short dated line at the right."""

    kind = "checkbox"
    value = ""                      # a radio button's own value (see ChoiceItem)
    draw_target = staticmethod(_box)

    def __init__(self, label: str, styles: Styles, field: str | None, tooltip: str,
                 date_label: str | None = None, date_field: str | None = None,
                 style=None):
        super().__init__()
        self.label, self.styles, self.field, self.tooltip = label, styles, field, tooltip
        self.date_label, self.date_field = date_label, date_field
        self.style = style or styles.body
        self.box = styles.edition.box
        self.gap = styles.edition.label_gap

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        self.date_width = 0
        if self.date_label:  # the label, then a line long enough for a date written by hand
            date = Paragraph(self.date_label, self.styles.body)
            date.wrap(avail_width / 4, avail_height)
            self.date_width = (max(date.getActualLineWidths0()) + self.gap * 1.5
                               + self.styles.edition.date_line)
        self.para = Paragraph(self.label, self.style)
        _, para_height = self.para.wrap(avail_width - self.box - self.gap - self.date_width,
                                        avail_height)
        pad = self.styles.edition.line_pitch - self.box
        self.height = max(self.box + pad, para_height + pad * 0.6)
        return self.width, self.height

    def draw(self):
        canv, box = self.canv, self.box
        top = self.height - (self.styles.edition.line_pitch - box) / 2
        self.draw_target(canv, 0, top - box, box)
        # The first line of the label is centred on the box.
        first_line_middle = self.para.height - self.style.leading / 2
        self.draw_label(self.para, box + self.gap, top - box / 2 - first_line_middle)
        record_field(canv, self.field, self.kind, 0, top - box, box, box, self.tooltip,
                     self.value, element=self.tag_parent)
        if self.date_label:
            date = Paragraph(self.date_label, self.styles.body)
            date.wrap(self.date_width, self.height)
            label_width = max(date.getActualLineWidths0())
            x = self.width - self.date_width + self.gap
            baseline = top - box
            self.draw_label(date, x, baseline + self.styles.body.fontSize * 0.25)
            start = x + label_width + self.gap / 2
            _rule(canv, start, self.width, baseline)
            record_field(canv, self.date_field, "text", start, baseline, self.width - start,
                         self.styles.edition.line_pitch * 0.8, f"{self.tooltip}: "
                         f"{self.date_label}", element=self.tag_parent)


class ChoiceItem(TickBoxItem):
    """A circle to mark, with the option and its plain meaning; one of a radio group."""

    kind = "radio"
    draw_target = staticmethod(_circle)

    def __init__(self, label: str, styles: Styles, field: str | None, tooltip: str,
                 value: str):
        super().__init__(label, styles, field, tooltip)
        self.value = value


class WriteInLog(Blank):
    """A table to fill in by hand: a header row, then empty rows at least one answer line tall.

    A log that breaks across pages leaves at least two rows on each side and repeats its header
    row above the rows that go on; it stays one table to a screen reader, where the repeated
    header is page furniture (an artifact)."""

    MIN_ROWS = 2   # rows on each side of a break (DESIGN.md)

    def __init__(self, columns: list[tuple[str, str, str]], rows: int, styles: Styles,
                 field_prefix: str | None, first_row: int = 1, table: Element | None = None,
                 continued: bool = False):
        """columns: (header markup, short name, plain header); fields are <prefix>_<row>_<name>.
        A part of a log that broke shares its `table` element; a `continued` part repeats the
        header."""
        super().__init__()
        self.columns, self.rows, self.styles = columns, rows, styles
        self.field_prefix, self.first_row, self.table = field_prefix, first_row, table
        self.continued = continued
        self.row_height = styles.edition.line_pitch * 1.1

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        self.column_width = avail_width / len(self.columns)
        pad = self.styles.edition.label_gap / 2
        self.headers = []
        for label, _, _ in self.columns:
            para = Paragraph(label, self.styles.cell)
            para.wrap(self.column_width - 2 * pad, avail_height)
            self.headers.append(para)
        self.header_height = max(p.height for p in self.headers) + 2 * pad
        self.height = self.header_height + self.rows * self.row_height
        return self.width, self.height

    def first_part_height(self, avail_width) -> float:
        """The least of it a page break leaves under a heading: the header and two rows."""
        self.wrap(avail_width, 0)
        rows = self.rows if self.rows < 2 * self.MIN_ROWS else self.MIN_ROWS
        return self.header_height + rows * self.row_height

    def split(self, avail_width, avail_height):
        self.wrap(avail_width, avail_height)
        fits = min(int((avail_height - self.header_height) // self.row_height),
                   self.rows - self.MIN_ROWS)
        if fits < self.MIN_ROWS:
            return []
        return [self._part(fits, self.first_row, self.continued),
                self._part(self.rows - fits, self.first_row + fits, True)]

    def _part(self, rows: int, first_row: int, continued: bool) -> WriteInLog:
        part = WriteInLog(self.columns, rows, self.styles, self.field_prefix, first_row,
                          self._table(), continued)
        part.tag_parent = self.tag_parent
        return part

    def _table(self) -> Element | None:
        """The log's Table element, made once, in reading order, for all its parts."""
        if self.table is None and self.tag_parent is not None:
            self.table = self.tag_parent.child("Table")
        return self.table

    def draw(self):
        canv, pad = self.canv, self.styles.edition.label_gap / 2
        # Structure: a Table whose header cells (TH, scope column) name each column and whose
        # data cells (TD) each hold the form field written in them.
        repeated = self.continued
        table = self._table()
        header = table.child("TR") if table and not repeated else None
        with artifact(canv):
            canv.setFillColor(TINT)
            canv.rect(0, self.height - self.header_height, self.width, self.header_height,
                      stroke=0, fill=1)
        for index, para in enumerate(self.headers):
            cell = header.child("TH", attributes={"Scope": "Column"}) if header else None
            with artifact(canv) if repeated else marked(canv, cell):
                para.drawOn(canv, index * self.column_width + pad,
                            self.height - pad - para.height)
        with artifact(canv):
            canv.setStrokeColor(INK)
            canv.setLineWidth(LINE_WIDTH)
            canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)
            for row in range(self.rows + 1):
                canv.line(0, row * self.row_height, self.width, row * self.row_height)
            for index in range(1, len(self.columns)):
                canv.line(index * self.column_width, 0, index * self.column_width, self.height)
        if self.field_prefix:
            for row in range(self.rows):
                y = (self.rows - 1 - row) * self.row_height
                table_row = table.child("TR") if table else None
                for index, (_, name, header_text) in enumerate(self.columns):
                    cell = table_row.child("TD") if table_row else None
                    record_field(canv, f"{self.field_prefix}_{self.first_row + row}_{name}",
                                 "text", index * self.column_width, y, self.column_width,
                                 self.row_height, f"{header_text}, row {self.first_row + row}",
                                 element=cell)
