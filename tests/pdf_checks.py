"""A built PDF -> pass or fail: qpdf syntax, strict pypdf read, embedded fonts, pdfium render.

`assert_sound_pdf` checks one PDF (a path or its bytes); `check_pdfs_under` checks every PDF under a
folder. Results are cached by the SHA-256 of the bytes, so a PDF that many tests build identically
is checked once per session; a PDF that failed fails again, with the same message, wherever it is
met.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pikepdf
import pypdf
import pypdfium2 as pdfium

RENDER_SCALE = 0.15  # about 11 dpi: enough for pdfium to interpret every drawing command

_checked: dict[str, str | None] = {}  # sha256 -> None (sound) or why it is not


def assert_sound_pdf(path_or_bytes: str | Path | bytes, name: str | None = None) -> None:
    """Fail unless the PDF passes qpdf, a strict pypdf read, the embedded-font rule and pdfium."""
    if isinstance(path_or_bytes, bytes | bytearray):
        data, name = bytes(path_or_bytes), name or "<bytes>"
    else:
        data, name = Path(path_or_bytes).read_bytes(), name or str(path_or_bytes)
    digest = hashlib.sha256(data).hexdigest()
    if digest not in _checked:
        _checked[digest] = _problem(data)
    problem = _checked[digest]
    assert problem is None, f"{name} is not a sound PDF: {problem}"


def check_pdfs_under(folder: str | Path) -> int:
    """Check every *.pdf file under folder (none is fine); returns how many were checked."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    paths = sorted(p for p in folder.rglob("*.pdf") if p.is_file())
    for path in paths:
        assert_sound_pdf(path)
    return len(paths)


def _problem(data: bytes) -> str | None:
    for check in (_qpdf_syntax, _strict_pypdf, _fonts_embedded, _renders):
        try:
            problem = check(data)
        except Exception as e:  # any failure to read is itself the finding
            problem = f"{check.__name__.strip('_')}: {type(e).__name__}: {e}"
        if problem:
            return problem
    return None


def _qpdf_syntax(data: bytes) -> str | None:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        found = pdf.check_pdf_syntax()
    return f"qpdf check: {found}" if found else None


def _strict_pypdf(data: bytes) -> str | None:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    if not reader.pages:
        return "pypdf: the document has no pages"
    for number, page in enumerate(reader.pages, 1):
        if page.extract_text() is None:
            return f"pypdf: page {number} gave no text object"
    return None


def _fonts_embedded(data: bytes) -> str | None:
    """Every font a page, a form XObject, an annotation appearance or the form's /DR can use."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        missing: list[str] = []
        seen: set = set()
        for number, page in enumerate(pdf.pages, 1):
            _fonts_in(page.obj.get("/Resources"), f"page {number}", missing, seen)
            for annot in page.obj.get("/Annots", []):
                appearances = annot.get("/AP")
                if not isinstance(appearances, pikepdf.Dictionary):
                    continue
                for kind, stream in appearances.items():
                    states = ([stream] if isinstance(stream, pikepdf.Stream)
                              else list(stream.values())
                              if isinstance(stream, pikepdf.Dictionary) else [])
                    for state in states:
                        if isinstance(state, pikepdf.Stream):
                            _fonts_in(state.get("/Resources"),
                                      f"page {number} annotation {kind}", missing, seen)
        acroform = pdf.Root.get("/AcroForm")
        if acroform is not None:
            _fonts_in(acroform.get("/DR"), "/AcroForm /DR", missing, seen)
    return f"fonts not embedded: {sorted(set(missing))}" if missing else None


def _fonts_in(resources, where: str, missing: list[str], seen: set) -> None:
    if not isinstance(resources, pikepdf.Dictionary):
        return
    key = resources.objgen if resources.is_indirect else None
    if key is not None:
        if key in seen:
            return
        seen.add(key)
    fonts = resources.get("/Font")
    if isinstance(fonts, pikepdf.Dictionary):
        for name, font in fonts.items():
            if not _embedded(font):
                missing.append(f"{where} {name} {font.get('/BaseFont', '?')}")
            if font.get("/Subtype") == "/Type3":
                _fonts_in(font.get("/Resources"), f"{where} {name}", missing, seen)
    xobjects = resources.get("/XObject")
    if isinstance(xobjects, pikepdf.Dictionary):
        for name, xobject in xobjects.items():
            if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
                _fonts_in(xobject.get("/Resources"), f"{where} {name}", missing, seen)


def _embedded(font) -> bool:
    subtype = font.get("/Subtype")
    if subtype == "/Type3":  # glyphs are drawn by the font's own content streams
        return True
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        return bool(descendants) and all(_embedded(d) for d in descendants)
    descriptor = font.get("/FontDescriptor")
    return isinstance(descriptor, pikepdf.Dictionary) and any(
        k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _renders(data: bytes) -> str | None:
    pdf = pdfium.PdfDocument(data)
    try:
        pdf.init_forms()  # draw the form widgets too, as a viewer does
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                bitmap = page.render(scale=RENDER_SCALE, may_draw_forms=True)
                width, height = bitmap.width, bitmap.height
                bitmap.close()
            finally:
                page.close()
            if width < 1 or height < 1:
                return f"pdfium: page {index + 1} rendered as {width} x {height}"
    finally:
        pdf.close()
    return None
