"""A blank packet and one patient's values -> a filled packet, as a small incremental update.

Re-writing a whole packet per patient is slow; instead each filled packet is the blank packet's
bytes, unchanged, followed by an incremental update (PDF 1.7, 7.5.6) that replaces only the
filled fields and adds their appearances. Every viewer shows the values because each field
carries its own appearance stream, drawn with the form's own embedded font (formfont.py), the
one a viewer also uses for what a patient types, so typed and pre-filled text look alike. The
few characters it lacks come from the whole of DejaVu Sans, embedded only when a value needs
it. `flatten` also turns the values into page ink, tagged, and removes the form (flatten.py).
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field

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

_MIN_SIZE = 7.0


@dataclass
class _Widget:
    number: int
    dictionary: DictionaryObject
    spot: FieldSpot


@dataclass
class _Field:
    kind: str
    number: int                       # the field object (a radio group's parent)
    dictionary: DictionaryObject
    widgets: list[_Widget] = field(default_factory=list)


class BlankPacket:
    """The blank packet's bytes and where each field lives in them; read once per process."""

    def __init__(self, pdf: bytes, spots: list[FieldSpot], edition: str):
        self.font_size = EDITIONS[edition].body
        reader = PdfReader(io.BytesIO(pdf))
        self.base = Base(pdf, reader)
        acroform = reader.trailer["/Root"]["/AcroForm"]
        self.form_font = acroform["/DR"]["/Font"].raw_get(FORM_FONT)
        by_name: dict[str, list[FieldSpot]] = {}
        for spot in spots:
            by_name.setdefault(spot.name, []).append(spot)
        self.fields: dict[str, _Field] = {}
        for topic_ref in acroform["/Fields"]:
            topic = topic_ref.get_object()
            for kid_ref in topic["/Kids"]:
                kid = kid_ref.get_object()
                name = f"{topic['/T']}.{kid['/T']}"
                spots_here = by_name[name]
                # Every field holds its widgets as kids: a radio group one per choice, a
                # packet-wide blank one per handout, any other blank one.
                f = _Field(spots_here[0].kind, kid_ref.idnum, DictionaryObject(kid))
                for widget_ref, spot in zip(kid["/Kids"], spots_here):
                    f.widgets.append(_Widget(widget_ref.idnum,
                                             DictionaryObject(widget_ref.get_object()), spot))
                self.fields[name] = f
        self.flattener = Flattener(reader, {w.number for f in self.fields.values()
                                            for w in f.widgets})

    def fill(self, values: dict[str, str | bool], flatten: bool = False) -> bytes:
        update = Update(self.base)
        shown: list[tuple[_Widget, int]] = []   # widget, appearance object number
        fonts = _Fonts(update, self.form_font)
        for name, value in values.items():
            f = self.fields[name]
            if f.kind == "radio":
                group = DictionaryObject(f.dictionary)
                group[NameObject("/V")] = NameObject(f"/{value}")
                update.replace(f.number, group)
                for widget in f.widgets:
                    chosen = widget.spot.value == value
                    d = DictionaryObject(widget.dictionary)
                    d[NameObject("/AS")] = NameObject(f"/{value}" if chosen else "/Off")
                    update.replace(widget.number, d)
                    if chosen:
                        shown.append((widget, _appearance_ref(widget.dictionary, value)))
            elif f.kind == "checkbox":
                d = DictionaryObject(f.dictionary)
                d[NameObject("/V")] = NameObject("/Yes")
                update.replace(f.number, d)
                for widget in f.widgets:
                    w = DictionaryObject(widget.dictionary)
                    w[NameObject("/AS")] = NameObject("/Yes")
                    update.replace(widget.number, w)
                    shown.append((widget, _appearance_ref(widget.dictionary, "Yes")))
            else:
                d = DictionaryObject(f.dictionary)
                d[NameObject("/V")] = TextStringObject(str(value))
                update.replace(f.number, d)
                for widget in f.widgets:
                    appearance = update.add(Raw(_text_appearance(str(value), widget.spot,
                                                                 self.font_size, fonts),
                                                stream=True))
                    w = DictionaryObject(widget.dictionary)
                    w[NameObject("/AP")] = DictionaryObject({NameObject("/N"): appearance})
                    update.replace(widget.number, w)
                    shown.append((widget, appearance.idnum))
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


def _width(text: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    return stringWidth(text, FALLBACK, size)   # the form font is a part of DejaVu Sans


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}".strip()
            if line and _width(trial, size) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def _text_appearance(value: str, spot: FieldSpot, size: float, fonts: _Fonts) -> bytes:
    register_fonts()
    value = value.replace("\t", " ")  # a tab pasted from a spreadsheet: no font draws one
    x1, y1, x2, y2 = spot.rect
    width, height = x2 - x1, y2 - y1
    pad = 2.0
    if spot.kind == "multiline" and spot.pitch:
        # Text sits on the printed lines: line i of the ink is i pitches below the top.
        count = round((height + spot.pitch * 0.15) / spot.pitch)
        lines = _wrap(value, width - 2 * pad, size)
        pitch = spot.pitch
        while len(lines) > count and size > _MIN_SIZE:
            size, pitch = size * 0.85, pitch * 0.85
            lines = _wrap(value, width - 2 * pad, size)
        top = height + spot.pitch * 0.15
        baselines = [top - (i + 1) * pitch + 3 for i in range(len(lines))]
    else:
        lines = [" ".join(value.split())]
        while _width(lines[0], size) > width - 2 * pad and size > _MIN_SIZE:
            size *= 0.9
        baselines = [3.0]
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
