"""An audit of tagged PDF (PDF/UA-1 rules that can be checked from the file itself).

`audit(pdf)` returns a list of problems, empty when the PDF passes. It checks:
- every painting operator on every page is inside marked content: an MCID sequence or an
  artifact (PDF/UA-1 7.1; Matterhorn 01-001..01-005), and MCID sequences are not nested;
- marked-content ids, the parent tree and the structure tree agree both ways (7.1);
- every Figure has alternative text and a bounding box (7.3; Matterhorn 13-004);
- every widget annotation is referenced by a Form element through the parent tree, and every
  field has a tooltip (7.18.1, 7.18.4);
- every link annotation has a description (/Contents) and is referenced by a Link element
  through the parent tree (7.18.5);
- every list item (LI) holds its bullet in a label (Lbl) beside its body (LBody), so a screen
  reader does not read "bullet" as part of the item's text (7.6);
- headings start at H1 and never skip a level downwards (7.4.2);
- table header cells carry a scope (7.5);
- every font is embedded (7.21.4.1), and no ToUnicode map sends a code to U+0000 (a NUL that
  copied or spoken text would carry);
- every stream's data ends in a line ending before `endstream`, and its /Length counts the data
  exactly (PDF/A-2, ISO 19005-2 6.1.7.1);
- the catalog has /Lang, /MarkInfo /Marked true, /ViewerPreferences /DisplayDocTitle true,
  a title in the document information and XMP metadata with pdfuaid:part 1 (7.1, 7.2).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, IndirectObject

PAINTING = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"sh", b"Tj", b"TJ",
            b"'", b'"', b"Do", b"INLINE IMAGE"}


def _pages_marked_content(reader: PdfReader) -> tuple[list[str], dict[int, set[int]]]:
    problems, mcids = [], {}
    for number, page in enumerate(reader.pages, start=1):
        contents = page.get_contents()
        if contents is None:
            continue
        stack: list[str] = []
        seen: set[int] = set()
        for operands, operator in ContentStream(contents, reader).operations:
            if operator in (b"BMC", b"BDC"):
                tag = str(operands[0])
                props = operands[1] if operator == b"BDC" else None
                if isinstance(props, DictionaryObject) and "/MCID" in props:
                    mcid = int(props["/MCID"])
                    if any(s.startswith("mcid") for s in stack):
                        problems.append(f"page {number}: MCID {mcid} nested in another")
                    if mcid in seen:
                        problems.append(f"page {number}: MCID {mcid} used twice")
                    seen.add(mcid)
                    stack.append(f"mcid{mcid}")
                else:
                    stack.append(tag)
            elif operator == b"EMC":
                if not stack:
                    problems.append(f"page {number}: EMC without a matching BMC/BDC")
                else:
                    stack.pop()
            elif operator in PAINTING and not stack:
                problems.append(f"page {number}: '{operator.decode()}' paints outside marked "
                                "content and is neither content nor an artifact")
        if stack:
            problems.append(f"page {number}: marked content left open")
        mcids[number] = seen
    return problems, mcids


def _number_tree(tree) -> dict[int, object]:
    out = {}
    tree = tree.get_object()
    nums = tree.get("/Nums", ArrayObject())
    for i in range(0, len(nums), 2):
        out[int(nums[i])] = nums[i + 1]
    for kid in tree.get("/Kids", ()):
        out.update(_number_tree(kid))
    return out


def _fonts_embedded(reader: PdfReader) -> list[str]:
    problems, seen = [], set()

    def check(font):
        font = font.get_object()
        name = str(font.get("/BaseFont"))
        if font.get("/Subtype") == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is None or not any(k in descriptor.get_object() for k in
                                         ("/FontFile", "/FontFile2", "/FontFile3")):
            if name not in seen:
                problems.append(f"font {name} is not embedded")
                seen.add(name)

    for font in _fonts(reader):
        check(font)
    return problems


def _to_unicode_nul(reader: PdfReader) -> list[str]:
    """Fonts whose ToUnicode map sends some code to U+0000."""
    problems, seen = [], set()

    def check(font):
        font = font.get_object()
        cmap = font.get("/ToUnicode")
        if cmap is None or cmap.idnum in seen:
            return
        seen.add(cmap.idnum)
        text = cmap.get_object().get_data()
        single = re.findall(rb"<[0-9A-Fa-f]+>\s*<0+>", _sections(text, b"bfchar"))
        ranges = re.findall(rb"<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*<0+>", _sections(text, b"bfrange"))
        if single or ranges:
            problems.append(f"font {font.get('/BaseFont')}: its ToUnicode maps "
                            f"{len(single) + len(ranges)} code(s) to U+0000")

    for font in _fonts(reader, appearances=True):
        check(font)
    return problems


def _fonts(reader: PdfReader, appearances: bool = False):
    """Every font a PDF's pages (and their form XObjects), optionally its widgets' appearances,
    and its form's resources use."""
    def in_resources(res):
        res = res.get_object() if res is not None else {}
        yield from res.get("/Font", {}).values()
        for xobject in res.get("/XObject", {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                yield from in_resources(xobject.get("/Resources"))

    for page in reader.pages:
        yield from in_resources(page.get("/Resources"))
        if appearances:
            for annot in page.get("/Annots", ()):
                for state in _appearance_streams(annot.get_object()):
                    yield from in_resources(state.get("/Resources"))
    form = reader.trailer["/Root"].get("/AcroForm")
    if form is not None and "/DR" in form.get_object():
        yield from in_resources(form.get_object()["/DR"])


def _sections(cmap: bytes, kind: bytes) -> bytes:
    """The entries of every `begin<kind> ... end<kind>` section of a CMap."""
    return b"\n".join(re.findall(rb"begin" + kind + rb"(.*?)end" + kind, cmap, re.S))


def _appearance_streams(annot) -> list:
    out = []
    for value in (annot.get("/AP") or {}).values():
        value = value.get_object()
        out += [v.get_object() for v in value.values()] if "/Subtype" not in value else [value]
    return out


def _stream_endings(data: bytes, reader: PdfReader) -> list[str]:
    """Streams whose data runs straight into `endstream`, or whose /Length is not exact."""
    problems = []
    for number, offset in sorted(reader.xref.get(0, {}).items()):
        if not hasattr(reader.get_object(number), "get_data"):
            continue
        keyword = data.index(b"stream", offset)
        length = re.search(rb"/Length\s+(\d+)(\s+\d+\s+R)?", data[offset:keyword])
        if length is None:
            problems.append(f"object {number}: a stream without /Length")
            continue
        size = (int(reader.get_object(int(length[1]))) if length[2] else int(length[1]))
        start = keyword + 6 + (2 if data[keyword + 6:keyword + 8] == b"\r\n" else 1)
        end = start + size
        after = data[end:end + 11]
        if not (after.startswith(b"\nendstream") or after.startswith(b"\r\nendstream")
                or after.startswith(b"\rendstream")):
            problems.append(f"object {number}: the stream's data is not followed by a line "
                            f"ending and endstream (found {after!r})")
    return problems


def audit(pdf) -> list[str]:
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    problems, page_mcids = _pages_marked_content(reader)
    page_numbers = {page.indirect_reference.idnum: n
                    for n, page in enumerate(reader.pages, start=1)}

    for key, label in (("/Lang", "/Lang"), ("/StructTreeRoot", "a structure tree"),
                       ("/Metadata", "XMP metadata")):
        if key not in root:
            problems.append(f"the catalog has no {label}")
    if not root.get("/MarkInfo", {}).get("/Marked"):
        problems.append("/MarkInfo /Marked is not true")
    if not root.get("/ViewerPreferences", {}).get("/DisplayDocTitle"):
        problems.append("the viewer is not told to show the title (/DisplayDocTitle)")
    if not (reader.metadata and reader.metadata.title):
        problems.append("no document title")
    if "/Metadata" in root:
        xmp = root["/Metadata"].get_object().get_data().decode("utf-8", "replace")
        if "<pdfuaid:part>1</pdfuaid:part>" not in xmp:
            problems.append("XMP metadata does not declare PDF/UA-1 (pdfuaid:part)")
    problems += _fonts_embedded(reader)
    problems += _to_unicode_nul(reader)
    problems += _stream_endings(data, reader)
    if "/StructTreeRoot" not in root:
        return problems

    tree_root = root["/StructTreeRoot"].get_object()
    parent_tree = _number_tree(tree_root["/ParentTree"])
    in_tree: dict[int, set[int]] = {}
    form_widgets: set[int] = set()
    linked: set[int] = set()
    heading_level = [0]

    def walk(element, parent_ref):
        element_obj = element.get_object()
        role = str(element_obj["/S"])
        if parent_ref is not None and element_obj.raw_get("/P").idnum != parent_ref.idnum:
            problems.append(f"{role}: its /P does not point at its parent")
        if role == "/Figure":
            if not str(element_obj.get("/Alt", "")).strip():
                problems.append("a Figure has no alternative text")
            attributes = element_obj.get("/A")
            if attributes is None or "/BBox" not in attributes.get_object():
                problems.append("a Figure has no bounding box")
        if role in ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6"):
            level = int(role[2])
            if level > heading_level[0] + 1:
                problems.append(f"heading level skips from H{heading_level[0]} to H{level}")
            heading_level[0] = level
        if role == "/LI":
            kid_roles = [str(k.get_object().get("/S")) for k in element_obj.get("/K", ())
                         if isinstance(k, IndirectObject)]
            if "/Lbl" not in kid_roles or "/LBody" not in kid_roles:
                problems.append(f"a list item holds {kid_roles}, not its bullet in an Lbl "
                                "beside an LBody")
        if role == "/TH":
            attributes = element_obj.get("/A")
            if attributes is None or "/Scope" not in attributes.get_object():
                problems.append("a table header cell has no /Scope")
        kids = element_obj.get("/K", ArrayObject())
        if not isinstance(kids, ArrayObject):
            kids = ArrayObject([kids])
        for kid in kids:
            kid_obj = kid.get_object() if isinstance(kid, IndirectObject) else kid
            if isinstance(kid_obj, DictionaryObject) and kid_obj.get("/Type") == "/MCR":
                page = page_numbers[kid_obj.raw_get("/Pg").idnum]
                mcid = int(kid_obj["/MCID"])
                in_tree.setdefault(page, set()).add(mcid)
                entry = parent_tree.get(reader.pages[page - 1].get("/StructParents", -1))
                entry = entry.get_object() if entry is not None else None
                if entry is None or mcid >= len(entry) or entry[mcid].idnum != element.idnum:
                    problems.append(f"page {page} MCID {mcid}: the parent tree does not point "
                                    f"back at its {role} element")
            elif isinstance(kid_obj, DictionaryObject) and kid_obj.get("/Type") == "/OBJR":
                annot = kid_obj.raw_get("/Obj")
                kind = annot.get_object().get("/Subtype")
                wanted = {"/Widget": "/Form", "/Link": "/Link"}.get(kind)
                if role != wanted:
                    problems.append(f"a {kind} annotation is referenced from {role}, "
                                    f"not {wanted}")
                (form_widgets if kind == "/Widget" else linked).add(annot.idnum)
                key = annot.get_object().get("/StructParent")
                if key is None or parent_tree.get(int(key)).idnum != element.idnum:
                    problems.append(f"a {kind} annotation's /StructParent does not lead to "
                                    f"its {role} element")
            elif isinstance(kid_obj, DictionaryObject) and kid_obj.get("/Type") == "/StructElem":
                walk(kid, element)
            elif isinstance(kid_obj, int):
                problems.append(f"{role}: integer MCIDs without /Pg are not used here")

    for top in tree_root.get("/K", ArrayObject()):
        walk(top, root.raw_get("/StructTreeRoot"))

    for page, mcids in page_mcids.items():
        missing = mcids - in_tree.get(page, set())
        if missing:
            problems.append(f"page {page}: MCIDs {sorted(missing)[:5]} are in no element")
        dangling = in_tree.get(page, set()) - mcids
        if dangling:
            problems.append(f"page {page}: the tree points at MCIDs {sorted(dangling)[:5]} "
                            "that the page does not have")
    for page in reader.pages:
        for annot in page.get("/Annots", ()):
            annot_obj = annot.get_object()
            if annot_obj.get("/Subtype") == "/Widget" and annot.idnum not in form_widgets:
                problems.append("a widget annotation is in no Form element")
            if annot_obj.get("/Subtype") == "/Link":
                if annot.idnum not in linked:
                    problems.append("a link annotation is in no Link element")
                if not str(annot_obj.get("/Contents", "")).strip():
                    problems.append("a link annotation has no description (/Contents)")
    fields = reader.get_fields() or {}
    for name, field in fields.items():
        if "/FT" in field and not str(field.get("/TU", "")).strip():
            problems.append(f"field {name} has no tooltip")
    return problems
