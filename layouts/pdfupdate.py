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

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject, NameObject, NumberObject

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


class Raw:
    """An object already serialised, such as a stream built by hand."""

    def __init__(self, data: bytes):
        self.data = data

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
        out = io.BytesIO()
        out.write(self.base.pdf)
        if not self.base.pdf.endswith(b"\n"):
            out.write(b"\n")
        offsets = {}
        for number in sorted(self.objects):
            offsets[number] = out.tell()
            out.write(f"{number} 0 obj\n".encode())
            self.objects[number].write_to_stream(out)
            out.write(b"\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n0 1\n0000000000 65535 f \n")
        # One subsection per run of consecutive numbers keeps the table short.
        numbers = sorted(offsets)
        runs, start = [], 0
        for index in range(1, len(numbers) + 1):
            if index == len(numbers) or numbers[index] != numbers[index - 1] + 1:
                runs.append(numbers[start:index])
                start = index
        for run in runs:
            out.write(f"{run[0]} {len(run)}\n".encode())
            for number in run:
                out.write(f"{offsets[number]:010d} 00000 n \n".encode())
        trailer = DictionaryObject({NameObject("/Size"): NumberObject(self.next_number),
                                    NameObject("/Prev"): NumberObject(self.base.previous_xref)})
        for key, value in self.base.trailer.items():
            trailer[NameObject(key)] = value
        out.write(b"trailer\n")
        trailer.write_to_stream(out)
        out.write(f"\nstartxref\n{xref}\n%%EOF\n".encode())
        return out.getvalue()
