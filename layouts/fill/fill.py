"""A blank packet and one patient's values -> a filled packet, as a small incremental update.

Re-writing a whole packet per patient is slow; instead each filled packet is the blank packet's
bytes, unchanged, followed by an incremental update (PDF 1.7, 7.5.6) that replaces only the
filled fields and adds their appearances. Every viewer shows the values because each field
carries its own appearance stream, drawn with the form's own embedded font (formfont.py), the
one a viewer also uses for what a patient types, so typed and pre-filled text look alike. The
few characters it lacks come from the whole of DejaVu Sans, embedded only when a value needs
it. Values print at the edition's body size, never smaller: `Geometry.fits` tells beforehand
whether a value fits its blank, with the same line breaking the drawing uses. `flatten` also
turns the values into page ink, tagged, and removes the form (flatten.py).
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

from ..pdf.blanks import FieldSpot
from ..pdf.formfont import FORM_FONT, dejavu_face, dejavu_file, form_font, write_type0
from ..pdf.styles import EDITIONS, FALLBACK, INK_RGB, register_fonts
from ..pdf.update import Base, Raw, Update, stream_bytes
from .flatten import Flattener


@dataclass
class _Widget:
    number: int
    dictionary: DictionaryObject
    spot: FieldSpot


@dataclass
class _Field:
    kind: str
    holders: list[tuple[int, DictionaryObject]]   # the objects whose /V holds the value
    widgets: list[_Widget] = field(default_factory=list)


class BlankPacket:
    """The blank packet's bytes and where each field lives in them; read once per process.

    A field may have several widgets (a radio group's choices; a packet-wide field such as the
    patient's name, shown in every handout): each widget gets its own appearance.
    """

    def __init__(self, pdf: bytes, spots: list[FieldSpot], edition: str):
        self.geometry = Geometry(spots, edition)
        self.font_size = self.geometry.size
        reader = PdfReader(io.BytesIO(pdf))
        self.base = Base(pdf, reader)
        acroform = reader.trailer["/Root"]["/AcroForm"]
        self.form_font = acroform["/DR"]["/Font"].raw_get(FORM_FONT)
        self.fields: dict[str, _Field] = {}
        for topic_ref in acroform["/Fields"]:
            topic = topic_ref.get_object()
            for kid_ref in topic["/Kids"]:
                kid = kid_ref.get_object()
                name = f"{topic['/T']}.{kid['/T']}"
                spots_here = self.geometry.spots[name]
                known = self.fields.setdefault(name, _Field(spots_here[0].kind, []))
                holder = DictionaryObject(kid)
                known.holders.append((kid_ref.idnum, holder))
                # A field with /Kids has its widgets there; otherwise it is its own widget.
                for widget_ref in kid.get("/Kids") or [kid_ref]:
                    widget = holder if widget_ref is kid_ref else DictionaryObject(
                        widget_ref.get_object())
                    known.widgets.append(_Widget(widget_ref.idnum, widget,
                                                 spots_here[len(known.widgets)]))
        self.flattener = Flattener(reader, {w.number for f in self.fields.values()
                                            for w in f.widgets})
        # What each fill writes again around the values it changes.
        self.base.keep_bytes(value for f in self.fields.values()
                             for dictionary in (*(h for _, h in f.holders),
                                                *(w.dictionary for w in f.widgets))
                             for value in dictionary.values())

    def fill(self, values: dict[str, str | bool], flatten: bool = False) -> bytes:
        update = Update(self.base)
        shown: list[tuple[_Widget, int]] = []   # widget, appearance object number
        fonts = _Fonts(update, self.form_font)
        edits: dict[int, DictionaryObject] = {}

        def edit(number: int, original: DictionaryObject) -> DictionaryObject:
            return edits.setdefault(number, DictionaryObject(original))

        for name, value in values.items():
            f = self.fields[name]
            if f.kind == "radio":
                for number, holder in f.holders:
                    edit(number, holder)[NameObject("/V")] = NameObject(f"/{value}")
                for widget in f.widgets:
                    chosen = widget.spot.value == value
                    edit(widget.number, widget.dictionary)[NameObject("/AS")] = NameObject(
                        f"/{value}" if chosen else "/Off")
                    if chosen:
                        shown.append((widget, _appearance_ref(widget.dictionary, value)))
            elif f.kind == "checkbox":
                for number, holder in f.holders:
                    edit(number, holder)[NameObject("/V")] = NameObject("/Yes")
                for widget in f.widgets:
                    edit(widget.number, widget.dictionary)[NameObject("/AS")] = NameObject(
                        "/Yes")
                    shown.append((widget, _appearance_ref(widget.dictionary, "Yes")))
            else:
                for number, holder in f.holders:
                    edit(number, holder)[NameObject("/V")] = TextStringObject(str(value))
                for widget in f.widgets:
                    appearance = update.add(Raw(_text_appearance(str(value), widget.spot,
                                                                 self.font_size, fonts),
                                                stream=True))
                    edit(widget.number, widget.dictionary)[NameObject("/AP")] = \
                        DictionaryObject({NameObject("/N"): appearance})
                    shown.append((widget, appearance.idnum))
        for number, dictionary in edits.items():
            update.replace(number, dictionary)
        fonts.finish()
        if flatten:
            self.flattener.flatten(update, [(w, w.spot.kind, n) for w, n in shown])
        return update.to_bytes()


def _appearance_ref(dictionary: DictionaryObject, state: str) -> int:
    return dictionary["/AP"]["/N"].raw_get(f"/{state}").idnum


def _int(value: int):
    from pypdf.generic import NumberObject
    return NumberObject(value)


class _Fonts:
    """The fonts a filled packet's appearances use: the form's own font, and the whole of
    DejaVu Sans, added only when a value has a character the form font lacks."""

    def __init__(self, update: Update, form_font_ref):
        self.update, self.form_font_ref = update, form_font_ref
        self.fallback_ref: IndirectObject | None = None
        self.glyphs_used: dict[int, str] = {}

    def fallback(self) -> IndirectObject:
        if self.fallback_ref is None:  # written by finish(), once all glyphs are known
            self.fallback_ref = self.update.add(DictionaryObject())  # a number, for now
        return self.fallback_ref

    def finish(self) -> None:
        """Write the fallback font now that its glyphs are known."""
        if self.fallback_ref is None:
            return
        write_type0(self.update, "DejaVuSans", *dejavu_file(), self.glyphs_used,
                    ref=self.fallback_ref)

    def resources(self, uses_fallback: bool) -> DictionaryObject:
        fonts = DictionaryObject({NameObject(FORM_FONT): self.form_font_ref})
        if uses_fallback:
            fonts[NameObject("/DejF")] = self.fallback()
        return DictionaryObject({NameObject("/Font"): fonts})


def _runs(text: str) -> list[tuple[bool, str]]:
    """Split text into runs of (needs the fallback font, characters)."""
    font = form_font()
    runs: list[tuple[bool, str]] = []
    for char in text:
        fallback = not font.covers(char)
        if runs and runs[-1][0] == fallback:
            runs[-1] = (fallback, runs[-1][1] + char)
        else:
            runs.append((fallback, char))
    return runs


@lru_cache(maxsize=1 << 16)
def _width(text: str, size: float) -> float:
    """The advance of text at size. Cached: names, dates and words come back row after row,
    and checking a large patients file measures every value before it is filled."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    return stringWidth(text, FALLBACK, size)   # the form font is a part of DejaVu Sans


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking at spaces; a word wider than the line is broken between letters."""
    lines = []
    space = _width(" ", size)
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in paragraph.split(" "):
            if not word:
                continue
            wide = _width(word, size)
            while wide > width:  # a long address or number: break it where the line ends
                if line:
                    lines.append(line)
                    line, used = "", 0.0
                cut = _longest_prefix(word, width, size)
                lines.append(word[:cut])
                word = word[cut:]
                wide = _width(word, size)
            if not word:
                continue
            if line and used + space + wide > width:
                lines.append(line)
                line, used = "", 0.0
            line, used = (f"{line} {word}", used + space + wide) if line else (word, wide)
        lines.append(line)
    return lines


def _longest_prefix(word: str, width: float, size: float) -> int:
    """How many letters of `word` fit in `width` (at least one, so breaking always ends)."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if _width(word[:middle], size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


_PAD = 2.0   # between the blank's edge and the value


def _layout(value: str, spot: FieldSpot, size: float) -> tuple[list[str], list[float]] | None:
    """The lines of `value` in `spot` at `size` and their baselines, or None if it does not fit.

    Text is never made smaller to fit: the checks before filling (`Geometry.fits`) and the
    drawing both call this, so what was checked is what is drawn.
    """
    value = value.replace("\t", " ")  # a tab pasted from a spreadsheet: no font draws one
    x1, y1, x2, y2 = spot.rect
    width, height = x2 - x1 - 2 * _PAD, y2 - y1
    if spot.kind == "multiline":
        # Text sits on the printed lines: line i of the ink is i pitches below the top.
        pitch = spot.pitch or size * 1.4
        count = round((height + pitch * 0.15) / pitch)
        lines = _wrap(value.strip("\n"), width, size)
        if len(lines) > count:
            return None
        top = height + pitch * 0.15
        return lines, [top - (i + 1) * pitch + 3 for i in range(len(lines))]
    words = value.split()
    # Measured word by word (no kerning, so the sum is the line's width) to reuse the cache.
    if sum(map(_width, words, [size] * len(words))) + _width(" ", size) * (
            len(words) - 1) > width:
        return None
    return [" ".join(words)], [3.0]


class Geometry:
    """Where each field of one blank packet is, and the size its values print at: enough to
    tell whether a value fits without reading the PDF."""

    def __init__(self, spots: list[FieldSpot], edition: str):
        register_fonts()   # widths are measured with the fonts ReportLab knows by name
        self.size = EDITIONS[edition].body
        self.spots: dict[str, list[FieldSpot]] = {}
        for spot in spots:
            self.spots.setdefault(spot.name, []).append(spot)

    def fits(self, name: str, value: str) -> bool:
        """Whether a text value fits every blank of field `name` (a check box always does)."""
        return all(_fits(value, spot.kind, spot.rect[2] - spot.rect[0],
                         spot.rect[3] - spot.rect[1], spot.pitch, self.size)
                   for spot in self.spots.get(name, ()) if spot.kind in ("text", "multiline"))


@lru_cache(maxsize=1 << 16)
def _fits(value: str, kind: str, width: float, height: float, pitch: float,
          size: float) -> bool:
    """Whether value fits a blank of this shape (blanks of one shape recur: a name in every
    handout, the cells of a log)."""
    spot = FieldSpot("", kind, 1, (0.0, 0.0, width, height), "", "", pitch)
    return _layout(value, spot, size) is not None


def _text_appearance(value: str, spot: FieldSpot, size: float, fonts: _Fonts) -> bytes:
    register_fonts()
    x1, y1, x2, y2 = spot.rect
    width, height = x2 - x1, y2 - y1
    pad = _PAD
    laid_out = _layout(value, spot, size)
    if laid_out is None:  # read_patients reports such a value; it must never reach here
        raise ValueError(f"a value for {spot.name} does not fit its blank")
    lines, baselines = laid_out
    ops = [f"/Tx BMC q 0 0 {width:.2f} {height:.2f} re W n BT {INK_RGB} rg"]
    uses_fallback = False
    for line, baseline in zip(lines, baselines):
        if baseline < -size:
            break
        ops.append(f"1 0 0 1 {pad:.2f} {baseline:.2f} Tm")
        for fallback, run in _runs(line):
            if fallback:
                uses_fallback = True
                ops.append(f"/DejF {size:.2f} Tf <{_glyph_hex(run, fonts)}> Tj")
            else:
                ops.append(f"{FORM_FONT} {size:.2f} Tf <{form_font().encode(run)}> Tj")
    ops.append("ET Q EMC")
    dictionary = DictionaryObject({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([_int(0), _int(0), _float(width), _float(height)]),
        NameObject("/Resources"): fonts.resources(uses_fallback),
    })
    dictionary[NameObject("/Filter")] = NameObject("/FlateDecode")
    return stream_bytes(dictionary, zlib.compress("\n".join(ops).encode("latin-1")))


def _float(value: float):
    from pypdf.generic import FloatObject
    return FloatObject(round(value, 2))


def _glyph_hex(text: str, fonts: _Fonts) -> str:
    face = dejavu_face()
    out = []
    for char in text:
        glyph = face.charToGlyph.get(ord(char), 0)
        fonts.glyphs_used[glyph] = char
        out.append(f"{glyph:04X}")
    return "".join(out)
