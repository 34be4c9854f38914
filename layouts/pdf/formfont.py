"""DejaVu Sans -> the embedded font of form-field text: what a patient types, and pre-filled values.

A viewer draws typed text with the form's default font (the /DA font), so that font must be
embedded and must cover every letter a patient may type. Atkinson Hyperlegible, the body face,
has no Vietnamese, so the form font is a subset of DejaVu Sans: Latin with every Vietnamese
letter, Greek, Cyrillic and common punctuation, about 650 glyphs (47 kB compressed, once per
PDF). It is a Type0 font, because a simple font can address only 256 characters. A viewer finds
the code of a typed letter in its ToUnicode map, or in the font's own Unicode cmap, since a
letter's code is its glyph number. Its name carries no subset tag (`ABCDEF+`), although it is a
subset: a tag tells a viewer to use the font only for text already in the file, and this font
exists to draw new text.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import cache

from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.pdfbase.ttfonts import TTFontMaker

from .styles import _FONT_FILES, FALLBACK, FONTS_DIR, register_fonts
from .update import Raw, Update, stream_bytes

FORM_FONT = "/FormF"   # the form font's name in /AcroForm /DR and in every /DA

# What a patient may type, as (first, last) code points; characters DejaVu lacks are left out.
CHARACTERS = (
    (0x20, 0x7E),                       # ASCII
    (0xA0, 0x17F),                      # Latin-1 and Latin Extended-A
    (0x1A0, 0x1A1), (0x1AF, 0x1B0),     # Ơ ơ Ư ư (Vietnamese)
    (0x218, 0x21B),                     # Ș ș Ț ț (Romanian)
    (0x300, 0x309), (0x323, 0x323),     # combining accents, as some keyboards type tone marks
    (0x370, 0x3CE),                     # Greek
    (0x400, 0x45F), (0x490, 0x491),     # Cyrillic
    (0x1EA0, 0x1EF9),                   # Vietnamese letters with tone marks
    (0x2010, 0x2027), (0x2030, 0x203A),  # dashes, quotation marks, bullet, ellipsis
    (0x20AC, 0x20AC), (0x2116, 0x2116), (0x2122, 0x2122),  # € № ™
)


@dataclass(frozen=True)
class FormFont:
    """The subset file and the glyph of each character in it (its code, as CIDs are glyph
    numbers)."""

    file: bytes                 # a TrueType file holding only the glyphs of `codes`
    codes: dict[str, int]       # character -> glyph number, which is also its CID

    def covers(self, char: str) -> bool:
        return char in self.codes

    def encode(self, text: str) -> str:
        """Text as the hex string a content stream shows with this font (every character
        must be covered)."""
        return "".join(f"{self.codes[char]:04X}" for char in text)


@cache
def form_font() -> FormFont:
    face = dejavu_face()
    chars = [code for first, last in CHARACTERS for code in range(first, last + 1)
             if code in face.charToGlyph]
    tables = _tables(face.makeSubset(chars))
    glyphs = dict(zip(chars, _format6_glyphs(tables["cmap"])))
    # ReportLab's subset maps codes 0, 1, 2... to glyphs, for its own one-byte fonts; a viewer
    # that looks up typed letters in the font itself needs Unicode there instead.
    tables["cmap"] = _unicode_cmap(glyphs)
    maker = TTFontMaker()
    for tag, data in tables.items():
        maker.add(tag, data)
    return FormFont(file=maker.makeStream(),
                    codes={chr(code): glyph for code, glyph in glyphs.items()})


def write_form_font(update: Update) -> IndirectObject:
    """Add the form font to the update; returns a reference to its font dictionary."""
    shows: dict[int, str] = {}
    for char, glyph in form_font().codes.items():
        shows.setdefault(glyph, char)   # a glyph shared (space, no-break space) reads as the first
    return write_type0(update, "DejaVuSans", _compressed_subset(), len(form_font().file), shows)


def write_type0(update: Update, name: str, compressed_file: bytes, length: int,
                chars: dict[int, str], ref: IndirectObject | None = None) -> IndirectObject:
    """Add a Type0 font (Identity-H) over an embedded DejaVu Sans file, compressed with
    Flate, whose CIDs are the file's glyph numbers; `chars` gives the character each CID
    shows. `ref` is an object number reserved for the font earlier."""
    face = dejavu_face()
    add = update.add
    file = add(Raw(stream=True, data=stream_bytes(DictionaryObject({
        NameObject("/Length1"): NumberObject(length),
        NameObject("/Filter"): NameObject("/FlateDecode")}), compressed_file)))
    widths = ArrayObject()   # `first [w w ...]` for each run of consecutive CIDs
    for cid, char in sorted(chars.items()):
        width = NumberObject(round(face.charWidths.get(ord(char), 1000)))
        if widths and widths[-2] + len(widths[-1]) == cid:
            widths[-1].append(width)
        else:
            widths += [NumberObject(cid), ArrayObject([width])]
    cid_font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/CIDFontType2"),
        NameObject("/BaseFont"): NameObject(f"/{name}"),
        NameObject("/CIDSystemInfo"): DictionaryObject({
            NameObject("/Registry"): TextStringObject("Adobe"),
            NameObject("/Ordering"): TextStringObject("Identity"),
            NameObject("/Supplement"): NumberObject(0)}),
        NameObject("/FontDescriptor"): add(font_descriptor(face, name, 4, file)),  # 4: symbolic
        NameObject("/CIDToGIDMap"): NameObject("/Identity"),
        NameObject("/W"): widths})
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type0"),
        NameObject("/BaseFont"): NameObject(f"/{name}"),
        NameObject("/Encoding"): NameObject("/Identity-H"),
        NameObject("/DescendantFonts"): ArrayObject([add(cid_font)]),
        NameObject("/ToUnicode"): add(Raw(stream=True, data=stream_bytes(DictionaryObject({
            NameObject("/Filter"): NameObject("/FlateDecode")}),
            zlib.compress(to_unicode(chars)))))})
    if ref is None:
        return add(font)
    update.replace(ref.idnum, font)
    return ref


def font_descriptor(face, name: str, flags: int, file) -> DictionaryObject:
    """A FontDescriptor for an embedded TrueType file, from ReportLab's reading of the font."""
    return DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"),
        NameObject("/FontName"): NameObject(f"/{name}"),
        NameObject("/Flags"): NumberObject(flags),
        NameObject("/FontBBox"): ArrayObject(NumberObject(round(v)) for v in face.bbox),
        NameObject("/ItalicAngle"): NumberObject(0),
        NameObject("/Ascent"): NumberObject(round(face.ascent)),
        NameObject("/Descent"): NumberObject(round(face.descent)),
        NameObject("/CapHeight"): NumberObject(round(face.capHeight)),
        NameObject("/StemV"): NumberObject(face.stemV),
        NameObject("/FontFile2"): file,
    })


def to_unicode(chars: dict[int, str], code_bytes: int = 2) -> bytes:
    """A ToUnicode CMap from codes (two bytes, or one for a simple font) to characters: text
    stays searchable and copyable, and a viewer can look up the code of a character a patient
    types."""
    digits = 2 * code_bytes
    entries = "\n".join(f"<{code:0{digits}X}> <{char.encode('utf-16-be').hex().upper()}>"
                        for code, char in sorted(chars.items()))
    return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            f"1 begincodespacerange <{0:0{digits}X}> <{'F' * digits}> endcodespacerange\n"
            + "".join(f"{len(block)} beginbfchar\n" + "\n".join(block) + "\nendbfchar\n"
                      for block in _blocks(entries.split("\n")))
            + "endcmap CMapName currentdict /CMap defineresource pop end end").encode()


def _blocks(lines: list[str], size: int = 100) -> list[list[str]]:
    """A CMap section may hold at most 100 entries (Adobe Technical Note 5014)."""
    return [lines[i:i + size] for i in range(0, len(lines), size)]


def _tables(font: bytes) -> dict[str, bytes]:
    """The tables of a TrueType file, by tag."""
    (count,) = struct.unpack_from(">H", font, 4)
    tables = {}
    for index in range(count):
        tag, _, offset, length = struct.unpack_from(">4sIII", font, 12 + 16 * index)
        tables[tag.decode("latin-1")] = font[offset:offset + length]
    return tables


def _format6_glyphs(cmap: bytes) -> list[int]:
    """The glyphs of a cmap table whose first subtable is format 6, from code 0 up."""
    (offset,) = struct.unpack_from(">I", cmap, 8)
    fmt, _, _, first, count = struct.unpack_from(">5H", cmap, offset)
    if fmt != 6 or first != 0:
        raise ValueError("the font subset's cmap is not the format 6 table ReportLab writes")
    return list(struct.unpack_from(f">{count}H", cmap, offset + 10))


def _unicode_cmap(glyphs: dict[int, int]) -> bytes:
    """A cmap table with one subtable, Windows Unicode BMP (3, 1) in format 4: a segment per
    run of code points whose glyphs are consecutive too (OpenType spec, 'cmap' format 4)."""
    segments: list[list[int]] = []   # [first code, last code, glyph - code (mod 2**16)]
    for code in sorted(glyphs):
        delta = (glyphs[code] - code) % 0x10000
        if segments and segments[-1][1] == code - 1 and segments[-1][2] == delta:
            segments[-1][1] = code
        else:
            segments.append([code, code, delta])
    segments.append([0xFFFF, 0xFFFF, 1])   # the closing segment every format 4 table has
    count = len(segments)
    power = 1 << (count.bit_length() - 1)   # the largest power of two <= count
    subtable = struct.pack(
        f">7H{count}HH{count}H{count}H{count}H",
        4, 16 + 8 * count, 0, 2 * count, 2 * power, power.bit_length() - 1,
        2 * count - 2 * power,
        *(last for _, last, _ in segments), 0, *(first for first, _, _ in segments),
        *(delta for _, _, delta in segments), *(0 for _ in segments))
    return struct.pack(">HHHHI", 0, 1, 3, 1, 12) + subtable


@cache
def _compressed_subset() -> bytes:
    return zlib.compress(form_font().file, 6)


@cache
def dejavu_face():
    register_fonts()
    from reportlab.pdfbase import pdfmetrics
    return pdfmetrics.getFont(FALLBACK).face


@cache
def dejavu_file() -> tuple[bytes, int]:
    """The whole DejaVu Sans file, compressed, and its length: for characters a pre-filled
    value needs that the form font lacks."""
    data = (FONTS_DIR / _FONT_FILES[FALLBACK]).read_bytes()
    return zlib.compress(data, 6), len(data)
