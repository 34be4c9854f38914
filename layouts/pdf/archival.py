"""A rendered PDF -> what PDF/A-2 (level a) asks beyond tagging: clean streams, colour, metadata.

Two steps. `clean_streams` rewrites ReportLab's file once, object for object: ReportLab writes
stream data straight into `endstream`, where PDF/A wants a line ending first (ISO 19005-2,
6.1.7.1), and its subset fonts map every unused code to U+0000, which a reader would copy as a
NUL; the ToUnicode maps keep only the codes that show a character. `declare` then adds, in the
incremental update that also adds the fields and the tags, the output intent (an sRGB profile,
so the file's RGB colours have a defined meaning) and the XMP metadata that identifies the file
as PDF/A-2a and PDF/UA-1 and repeats the document information (title, author, dates...).
"""

from __future__ import annotations

import re
import zlib
from functools import cache
from html import escape
from pathlib import Path

from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

from .update import Raw, Update, stream_bytes, stream_end

SRGB_PROFILE = Path(__file__).resolve().parents[2] / "assets" / "color" / "sRGB.icc"
PDFA_PART, PDFA_CONFORMANCE, PDFUA_PART = 2, "A", 1

_OBJECT = re.compile(rb"(\d+) 0 obj\n")
_LENGTH = re.compile(rb"/Length (\d+)")
_TO_UNICODE = re.compile(rb"/ToUnicode (\d+) 0 R")
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_STREAM = b"\nstream\n"
_TAIL = b"endstream\nendobj\n"


class UnexpectedLayout(ValueError):
    """The file is not laid out as ReportLab writes it, so it is left alone rather than
    guessed at."""


def clean_streams(pdf: bytes) -> bytes:
    """ReportLab's file with a line ending before every `endstream` and ToUnicode maps without
    U+0000, its cross-reference table rewritten for the new offsets."""
    start_xref = int(pdf[pdf.rindex(b"startxref") + 9:].split()[0])
    table = pdf[start_xref:]
    if not table.startswith(b"xref\n"):
        raise UnexpectedLayout("no classic cross-reference table where startxref points")
    head, _, rest = table[5:].partition(b"\n")
    first, count = map(int, head.split())
    rows = rest[:20 * count]
    trailer = rest[20 * count:rest.index(b"startxref")]
    offsets = {first + i: int(rows[20 * i:20 * i + 10]) for i in range(count)
               if rows[20 * i + 17:20 * i + 18] == b"n"}
    order = sorted(offsets, key=offsets.get)
    ends = [offsets[n] for n in order[1:]] + [start_xref]
    chunks = {n: pdf[offsets[n]:end] for n, end in zip(order, ends)}
    to_unicode = {int(m) for chunk in chunks.values()
                  for m in _TO_UNICODE.findall(chunk.split(_STREAM, 1)[0])}
    out = bytearray(pdf[:offsets[order[0]]])
    new_offsets = {}
    for number in order:
        new_offsets[number] = len(out)
        out += _cleaned(chunks[number], number in to_unicode)
    xref_at = len(out)
    out += f"xref\n{first} {count}\n".encode()
    for i in range(count):
        number = first + i
        if number in new_offsets:
            out += f"{new_offsets[number]:010d} 00000 n \n".encode()
        else:
            out += rows[20 * i:20 * i + 20]
    out += trailer + f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def _cleaned(chunk: bytes, is_to_unicode: bool) -> bytes:
    if _STREAM not in chunk:
        return chunk
    head, _, body = chunk.partition(_STREAM)
    length = _LENGTH.search(head)
    if length is None or body[int(length[1]):] not in (_TAIL, _TAIL + b"\n"):
        raise UnexpectedLayout(f"a stream not laid out as ReportLab writes it: {head[:40]!r}")
    data = body[:int(length[1])]
    if is_to_unicode:
        data = zlib.compress(_without_nul(zlib.decompress(data)))
        head = _LENGTH.sub(f"/Length {len(data)}".encode(), head, count=1)
    return head + _STREAM + data + stream_end(data) + _TAIL


def _without_nul(cmap: bytes) -> bytes:
    """A ToUnicode CMap of one-byte codes, keeping only the codes that map to a character."""
    from .formfont import to_unicode

    chars = {}
    for code, value in _BFCHAR.findall(cmap.split(b"beginbfchar", 1)[1]):
        text = bytes.fromhex(value.decode()).decode("utf-16-be")
        if text != "\0":
            chars[int(code, 16)] = text
    return to_unicode(chars, code_bytes=1)


def declare(update: Update, title: str, lang: str) -> None:
    """Give the document an sRGB output intent and XMP metadata declaring PDF/A-2a and
    PDF/UA-1, consistent with its document information dictionary."""
    catalog = update.root
    profile = update.add(Raw(stream_bytes(DictionaryObject({
        NameObject("/N"): _number(3), NameObject("/Filter"): NameObject("/FlateDecode")}),
        _compressed_profile()), stream=True))
    catalog[NameObject("/OutputIntents")] = ArrayObject([update.add(Raw(
        b"<</Type/OutputIntent/S/GTS_PDFA1/OutputConditionIdentifier(sRGB IEC61966-2.1)"
        b"/Info(sRGB IEC61966-2.1)/RegistryName(http://www.color.org)/DestOutputProfile "
        + f"{profile.idnum} 0 R>>".encode()))])
    info = update.base.reader.trailer.get("/Info")
    info = {str(k)[1:]: str(v) for k, v in info.get_object().items()} if info else {}
    catalog[NameObject("/Metadata")] = update.add(xmp(info, title, lang))


@cache
def _compressed_profile() -> bytes:
    return zlib.compress(SRGB_PROFILE.read_bytes(), 9)


def _number(value: int):
    from pypdf.generic import NumberObject
    return NumberObject(value)


def xmp_date(pdf_date: str) -> str:
    """A PDF date (D:20000101000000+00'00') as an XMP date (2000-01-01T00:00:00+00:00)."""
    match = re.fullmatch(r"D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:([+-])(\d\d)'(\d\d)'?|Z)?",
                         pdf_date)
    if match is None:
        raise ValueError(f"not a PDF date: {pdf_date!r}")
    y, mo, d, h, mi, s, sign, zh, zm = match.groups()
    zone = f"{sign}{zh}:{zm}" if sign else "Z"
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}{zone}"


# PDF/A-2 accepts only the XMP schemas it names; PDF/UA's identification schema is not one of
# them, so the file describes it in an extension schema (ISO 19005-2, 6.6.2.3.2).
_PDFUA_SCHEMA = """   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>Indicates which part of ISO 14289 standard is followed\
</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>"""


def xmp(info: dict[str, str], title: str, lang: str) -> DecodedStreamObject:
    """XMP metadata: the document information again (PDF/A wants the two to agree), the
    language, and the PDF/A-2a and PDF/UA-1 identification."""
    def alt(text):
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt>'

    properties = [f"<dc:title>{alt(info.get('Title') or title)}</dc:title>"]
    if info.get("Author"):
        properties.append(f"<dc:creator><rdf:Seq><rdf:li>{escape(info['Author'])}</rdf:li>"
                          "</rdf:Seq></dc:creator>")
    if info.get("Subject"):
        properties.append(f"<dc:description>{alt(info['Subject'])}</dc:description>")
    properties.append(f"<dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag>"
                      "</dc:language>")
    for key, name in (("Keywords", "pdf:Keywords"), ("Producer", "pdf:Producer"),
                      ("Creator", "xmp:CreatorTool")):
        if key in info:
            properties.append(f"<{name}>{escape(info[key])}</{name}>")
    for key, name in (("CreationDate", "xmp:CreateDate"), ("ModDate", "xmp:ModifyDate")):
        if key in info:
            properties.append(f"<{name}>{xmp_date(info[key])}</{name}>")
    properties += [f"<pdfaid:part>{PDFA_PART}</pdfaid:part>",
                   f"<pdfaid:conformance>{PDFA_CONFORMANCE}</pdfaid:conformance>",
                   f"<pdfuaid:part>{PDFUA_PART}</pdfuaid:part>"]
    body = "\n".join("   " + p for p in properties)
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
{body}
{_PDFUA_SCHEMA}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    stream = DecodedStreamObject()
    stream.set_data(packet.encode("utf-8"))
    stream.update({NameObject("/Type"): NameObject("/Metadata"),
                   NameObject("/Subtype"): NameObject("/XML")})
    return stream
