"""PDF bytes plus objects to add or change -> the same bytes followed by an incremental update.

An incremental update (PDF 1.7, 7.5.6) leaves the original bytes as they are and appends the new
and changed objects with a cross-reference section of their own. Adding fields and tags this way
costs a few milliseconds, where rewriting the whole file through a PDF library costs far more.
Objects are pypdf generic objects; they are serialised when the update is written, so they may
still change after being added.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from functools import cache

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

_STARTXREF = re.compile(rb"startxref\s+(\d+)")


class Base:
    """What an update needs to know of the file it follows: read once, used for many updates."""

    def __init__(self, pdf: bytes, reader: PdfReader | None = None):
        self.pdf = pdf
        self.reader = reader or PdfReader(io.BytesIO(pdf))
        trailer = self.reader.trailer
        self.size = int(trailer["/Size"])
        self.previous_xref = int(_STARTXREF.findall(pdf)[-1])
        self.trailer = {key: trailer.raw_get(key) for key in ("/Root", "/Info", "/ID")
                        if key in trailer}
        self.written: dict[int, bytes] = {}   # id of an object of the file -> its bytes

    def keep_bytes(self, objects) -> None:
        """Serialise these objects of the file once, for every update that writes them again
        (each filled packet rewrites the same widgets with a value or two changed). Only
        objects the reader holds, which live as long as this Base, may be given: an id is
        never taken by another object while its own lives."""
        for obj in objects:
            self.written[id(obj)] = _serialise(obj)


class Raw:
    """An object already serialised; `stream` says whether it is a stream (streams cannot go
    in an object stream)."""

    def __init__(self, data: bytes, stream: bool = False):
        self.data, self.stream = data, stream

    def write_to_stream(self, stream, encryption_key=None) -> None:
        stream.write(self.data)


class Update:
    """New and changed objects of one incremental update to a file."""

    def __init__(self, base: Base | bytes):
        self.base = base if isinstance(base, Base) else Base(base)
        self.next_number = self.base.size
        self.objects: dict[int, object] = {}

    @classmethod
    def editing_pages(cls, pdf: bytes) -> Update:
        """An update with editable copies of the catalog (`root`) and of every page."""
        update = cls(pdf)
        reader = update.base.reader
        update.root = update.edit(reader.trailer.raw_get("/Root"))
        update.pages = [update.edit(page.indirect_reference) for page in reader.pages]
        return update

    def edit(self, ref: IndirectObject) -> DictionaryObject:
        """A copy of an existing dictionary that the update will write in its place."""
        copy = DictionaryObject(self.base.reader.get_object(ref))
        self.replace(ref.idnum, copy)
        return copy

    def replace(self, number: int, obj) -> None:
        obj.indirect_reference = IndirectObject(number, 0, self)
        self.objects[number] = obj

    def add(self, obj) -> IndirectObject:
        """Give obj an object number in the update; returns its reference."""
        ref = IndirectObject(self.next_number, 0, self)
        self.next_number += 1
        self.objects[ref.idnum] = obj
        obj.indirect_reference = ref
        return ref

    def get_object(self, ref):
        """pypdf calls this to resolve references to objects of the update."""
        number = ref.idnum if isinstance(ref, IndirectObject) else ref
        return self.objects[number]

    def to_bytes(self) -> bytes:
        """The file with the update appended. Streams are written as they are; every other
        object goes, compressed, into one object stream, indexed by a cross-reference stream
        (PDF 1.5), which keeps the thousands of small structure objects small on disk."""
        out = io.BytesIO()
        out.write(self.base.pdf)
        if not self.base.pdf.endswith(b"\n"):
            out.write(b"\n")
        entries: dict[int, tuple[int, int, int]] = {}   # number -> (type, field 2, field 3)
        packed = []
        known = self.base.written
        for number in sorted(self.objects):
            obj = self.objects[number]
            if isinstance(obj, StreamObject) or getattr(obj, "stream", False):
                entries[number] = (1, out.tell(), 0)
                body = (stream_bytes(DictionaryObject(obj), obj._data)  # as stored: encoded
                        if isinstance(obj, StreamObject) else _serialise(obj, known))
                out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
            else:
                packed.append(number)
        next_number = self.next_number
        if packed:
            container, next_number = next_number, next_number + 1
            header, body = [], io.BytesIO()
            for index, number in enumerate(packed):
                header.append(f"{number} {body.tell()}")
                body.write(_serialise(self.objects[number], known) + b"\n")
                entries[number] = (2, container, index)
            head = (" ".join(header) + "\n").encode()
            data = zlib.compress(head + body.getvalue())
            entries[container] = (1, out.tell(), 0)
            out.write(f"{container} 0 obj\n<</Type/ObjStm/N {len(packed)}/First {len(head)}"
                      f"/Filter/FlateDecode/Length {len(data)}>>\nstream\n".encode() + data +
                      stream_end(data) + b"endstream\nendobj\n")
        xref_number = next_number
        xref_offset = out.tell()
        entries[xref_number] = (1, xref_offset, 0)
        numbers = sorted(entries)
        rows = b"".join(struct.pack(">BIH", *entries[n]) for n in numbers)
        data = zlib.compress(rows)
        trailer = DictionaryObject({
            NameObject("/Type"): NameObject("/XRef"),
            NameObject("/Size"): NumberObject(xref_number + 1),
            NameObject("/W"): ArrayObject([NumberObject(1), NumberObject(4), NumberObject(2)]),
            NameObject("/Index"): ArrayObject(NumberObject(v) for run in _runs(numbers)
                                              for v in (run[0], len(run))),
            NameObject("/Prev"): NumberObject(self.base.previous_xref),
            NameObject("/Filter"): NameObject("/FlateDecode"),
            NameObject("/Length"): NumberObject(len(data)),
        })
        for key, value in self.base.trailer.items():
            trailer[NameObject(key)] = value
        out.write(f"{xref_number} 0 obj\n".encode() + _serialise(trailer) + b"\nstream\n" +
                  data + stream_end(data) +
                  f"endstream\nendobj\nstartxref\n{xref_offset}\n%%EOF\n".encode())
        return out.getvalue()


def _runs(numbers: list[int]) -> list[list[int]]:
    """Consecutive runs of sorted numbers: one cross-reference subsection each."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return runs


def stream_bytes(dictionary: DictionaryObject, data: bytes) -> bytes:
    """A stream object's bytes: its dictionary, with /Length set, and its (encoded) data."""
    dictionary = DictionaryObject({k: v for k, v in dictionary.items() if k != "/Length"})
    return (_serialise(dictionary)[:-2] + f"/Length {len(data)} >>\nstream\n".encode() + data
            + stream_end(data) + b"endstream")


def stream_end(data: bytes) -> bytes:
    """The line ending between stream data and `endstream` (PDF/A wants one, ISO 19005-2,
    6.1.7.1): CR LF after data that ends in a carriage return, so that the CR stays data
    instead of reading as the first half of the line ending; LF otherwise."""
    return b"\r\n" if data.endswith(b"\r") else b"\n"


def _serialise(obj, known: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    _write(obj, buffer, known or None)
    return buffer.getvalue()


@cache
def _name_bytes(name: str) -> bytes:
    return NameObject(name).renumber()


def _write(obj, out, known: dict | None = None) -> None:
    """obj's bytes exactly as pypdf writes them, each name escaped once per process: a filled
    packet writes some 500 names, and pypdf escapes each one character by character, every
    time (measured: a sixth of the time a fill takes). `known`: Base.written."""
    if known is not None:
        data = known.get(id(obj))
        if data is not None:
            out.write(data)
            return
    kind = type(obj)
    if kind is NameObject:
        out.write(_name_bytes(obj))
    elif kind is DictionaryObject:
        out.write(b"<<\n")
        for key, value in obj.items():
            if len(key) > 2 and key[1] == "%" and key[-1] == "%":
                continue   # as pypdf: a key of this form is its own bookkeeping
            out.write(_name_bytes(key))
            out.write(b" ")
            _write(value, out, known)
            out.write(b"\n")
        out.write(b">>")
    elif kind is ArrayObject:
        out.write(b"[")
        for item in obj:
            out.write(b" ")
            _write(item, out, known)
        out.write(b" ]")
    else:
        obj.write_to_stream(out)
