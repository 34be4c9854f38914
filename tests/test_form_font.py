"""The form's own font: what a viewer draws a patient's typed text with (issue 3).

Read from the built packets and checked with fontTools, which reads the embedded font file
independently of how the project wrote it: the /DA font is embedded and can both encode (its
ToUnicode map) and draw (a real glyph in the file) every letter of typed Spanish and Vietnamese
names; the font's own Unicode cmap agrees with ToUnicode; its advance widths are DejaVu Sans's
own; and, rendered by pdfium, every letter looks
exactly like the same letter drawn by ReportLab with DejaVu Sans. Finally pdfium itself types
text into a field, as a patient would, and draws it with the embedded font.
"""

from __future__ import annotations

import ctypes
import io
import re
from pathlib import Path

import pikepdf
import pypdf
import pypdfium2 as pdfium
import pytest
from fontTools import ttLib
from pypdf.generic import ContentStream

try:  # tests/ as a plain folder on sys.path, or as a package
    from conftest import ROOT, built_pdf
except ImportError:  # pragma: no cover
    from tests.conftest import ROOT, built_pdf


DEJAVU = ROOT / "assets" / "fonts" / "DejaVuSans.ttf"
SPANISH = "Begoña Núñez-Ibáñez, ¿cuándo? ¡Sí! Güemes Çà"
VIETNAMESE = "Nguyễn Thị Hoa, Trần Văn Đức, Phạm Quỳnh Ưng, Lê Ơn"


def packet(built: Path) -> Path:
    return built_pdf(built, "en", "letter", "standard", "packet")


def da_name(path: Path) -> str:
    """The name of the font the form's default appearance (/DA) uses."""
    form = pypdf.PdfReader(path).trailer["/Root"]["/AcroForm"]
    return "/" + re.search(r"/(\S+)\s+[\d.]+\s+Tf", str(form["/DA"])).group(1)


def da_font(path: Path):
    """The /DA font, from /AcroForm /DR."""
    form = pypdf.PdfReader(path).trailer["/Root"]["/AcroForm"]
    return form["/DR"]["/Font"][da_name(path)].get_object()


def to_unicode(font) -> dict[int, str]:
    """Code -> text from a font's ToUnicode CMap (bfchar and bfrange entries)."""
    data = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    table: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for first, last, text in re.findall(
                r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(text, 16)
            for offset, code in enumerate(range(int(first, 16), int(last, 16) + 1)):
                table[code] = chr(start + offset)
    return table


def cid_font(font):
    assert font["/Subtype"] == "/Type0", "expected a Type0 form font"
    return font["/DescendantFonts"][0].get_object()


def glyph_of(font):
    """CID -> glyph number, from the CIDToGIDMap (Identity or a stream)."""
    mapping = cid_font(font).get("/CIDToGIDMap", "/Identity")
    if mapping == "/Identity":
        return lambda cid: cid
    data = mapping.get_object().get_data()
    return lambda cid: int.from_bytes(data[2 * cid:2 * cid + 2], "big") if 2 * cid + 2 <= len(
        data) else 0


def embedded(font) -> ttLib.TTFont:
    descriptor = cid_font(font)["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor, "the form font is not embedded"
    return ttLib.TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))


def coverage(font) -> set[str]:
    """Characters the font can both encode (ToUnicode, Identity-H) and draw (an outline)."""
    assert font["/Encoding"] == "/Identity-H"
    file = embedded(font)
    order, glyf, gid = file.getGlyphOrder(), file["glyf"], glyph_of(font)
    covered = set()
    for cid, char in to_unicode(font).items():
        number = gid(cid)
        if 0 < number < len(order) and (char.isspace() or glyf[order[number]].numberOfContours):
            covered.add(char)
    return covered


@pytest.mark.parametrize("text", [SPANISH, VIETNAMESE], ids=["spanish", "vietnamese"])
def test_typed_text_can_be_shown_with_the_forms_own_embedded_font(built, text):
    """Issue 3: typed Spanish or Vietnamese must show correctly with embedded fonts only."""
    covered = coverage(da_font(packet(built)))
    missing = sorted({char for char in text if char not in covered})
    assert not missing, f"the form font cannot show {missing}"


def test_each_code_stands_for_one_character(built):
    """A viewer finds the code of a typed letter through ToUnicode; if two letters shared a
    code (fonts may give two characters one glyph), one of them could not be typed."""
    table = to_unicode(da_font(packet(built)))
    assert len(set(table.values())) == len(table)


def test_the_fonts_own_cmap_gives_each_letters_code(built):
    """A viewer may look a typed letter up in the embedded font itself: its Unicode cmap must
    lead to the glyph of the code that ToUnicode reads back as that letter."""
    font = da_font(packet(built))
    file = embedded(font)
    cmap, order, gid = file.getBestCmap(), file.getGlyphOrder(), glyph_of(font)
    table = to_unicode(font)
    assert {char for char in VIETNAMESE + SPANISH} <= set(table.values())
    for cid, char in table.items():
        assert cmap.get(ord(char)) == order[gid(cid)], f"{char!r}: cmap and ToUnicode disagree"


def test_form_font_widths_are_dejavu_sans_widths(built):
    font = da_font(packet(built))
    original = ttLib.TTFont(DEJAVU)
    cmap, metrics = original.getBestCmap(), original["hmtx"].metrics
    scale = 1000 / original["head"].unitsPerEm
    widths = cid_font(font)["/W"]
    assert len(widths) > 0
    index = 0
    table = to_unicode(font)
    while index < len(widths):  # entries `first [w w ...]`, the form the writer uses
        cid, run = int(widths[index]), widths[index + 1]
        for offset, width in enumerate(run):
            char = table[cid + offset]
            expected = metrics[cmap[ord(char)]][0] * scale
            assert abs(float(width) - expected) <= 0.5, f"{char!r}: /W {width}, DejaVu {expected}"
        index += 2


def test_form_font_letters_look_like_dejavu_sans(built, tmp_path):
    """Every letter drawn with the embedded form font, rendered by pdfium, has the same pixels
    as the same letter drawn by ReportLab with DejaVu Sans."""
    from PIL import ImageChops
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = da_font(packet(built))
    table = to_unicode(font)
    chars = sorted(table.items())
    columns, step, size = 24, 24, 12
    rows = -(-len(chars) // columns)
    height = 2 * rows * step + 40

    # The reference: each letter drawn by ReportLab in a grid in the top half of the page ...
    pdfmetrics.registerFont(TTFont("ReferenceDejaVu", str(DEJAVU)))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(columns * step + 20, height), invariant=1)
    page.setFont("ReferenceDejaVu", size)
    for index, (_, char) in enumerate(chars):
        row, column = divmod(index, columns)
        page.drawString(10 + column * step, height - 20 - (row + 1) * step, char)
    page.showPage()
    page.save()
    # ... and the same grid in the bottom half, drawn with the built form font's own codes.
    path = tmp_path / "letters.pdf"
    with pikepdf.open(buffer) as pdf, pikepdf.open(packet(built)) as built_pdf:
        page = pdf.pages[0]
        page.Resources.Font.FormF = pdf.copy_foreign(
            built_pdf.Root.AcroForm.DR.Font[da_name(packet(built))])
        operations = [f"BT /FormF {size} Tf"]
        for index, (cid, _) in enumerate(chars):
            row, column = divmod(index, columns)
            y = height - 20 - (rows + row + 1) * step
            operations.append(f"1 0 0 1 {10 + column * step} {y} Tm <{cid:04X}> Tj")
        operations.append("ET")
        page.contents_add(pikepdf.Stream(pdf, "\n".join(operations).encode()))
        pdf.save(path)

    scale = 3  # whole points become whole pixels, so both grids are rasterised alike
    document = pdfium.PdfDocument(str(path))
    try:
        image = document[0].render(scale=scale).to_pil().convert("L")
    finally:
        document.close()
    top = image.crop((0, 20 * scale, image.width, (20 + rows * step) * scale))
    bottom = image.crop((0, (20 + rows * step) * scale, image.width,
                         (20 + 2 * rows * step) * scale))
    assert ImageChops.difference(top, bottom).getbbox() is None, (
        "a letter of the form font is drawn differently from DejaVu Sans")
    assert top.getbbox() is not None  # the grids are not simply both empty


def type_into_first_text_field(path: Path, text: str) -> bytes:
    """Focus the first text field on page 1 and type `text`, with pdfium's own form filler
    (as in a Chromium-based viewer); returns the document pdfium then saves."""
    raw = pdfium.raw
    document = pdfium.PdfDocument(str(path))
    try:
        document.init_forms()
        page = document[0]
        for index in range(raw.FPDFPage_GetAnnotCount(page)):
            annotation = raw.FPDFPage_GetAnnot(page, index)
            if raw.FPDFAnnot_GetFormFieldType(document.formenv,
                                              annotation) == raw.FPDF_FORMFIELD_TEXTFIELD:
                break
            raw.FPDFPage_CloseAnnot(annotation)
        else:
            pytest.fail(f"{path}: no text field on page 1")
        assert raw.FORM_SetFocusedAnnot(document.formenv, annotation)
        data = (text + "\0").encode("utf-16-le")
        wide = ctypes.create_string_buffer(data, len(data))
        raw.FORM_ReplaceSelection(document.formenv, page, ctypes.cast(wide, raw.FPDF_WIDESTRING))
        assert raw.FORM_ForceToKillFocus(document.formenv)
        raw.FPDFPage_CloseAnnot(annotation)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
    finally:
        document.close()


def test_pdfium_draws_typed_text_with_the_embedded_form_font(built):
    """pdfium types English and Spanish with the /DA font. (For Vietnamese letters, pdfium
    picks a font by Windows character set and asks the system for one, whatever the form
    offers; viewers that use the /DA font, as the PDF standard asks, find them all in it.)"""
    typed = "Ana Gómez, Begoña Núñez: ¿cuándo? ¡Sí! 3/4"
    saved = pypdf.PdfReader(io.BytesIO(type_into_first_text_field(packet(built), typed)))
    name = da_name(packet(built))
    for annotation in saved.pages[0]["/Annots"]:
        widget = annotation.get_object()
        # the value is the field's: the widget's own, or its parent's when the field has a
        # widget in each handout (the patient's name)
        field = widget["/Parent"].get_object() if "/V" not in widget else widget
        if field.get("/V") != typed:
            continue
        appearance = widget["/AP"]["/N"].get_object()
        fonts = appearance["/Resources"]["/Font"]
        shown, current = [], None
        for operands, operator in ContentStream(appearance, saved).operations:
            if operator == b"Tf":
                current = str(operands[0])
            elif operator == b"Tj":
                assert current == name, f"typed text drawn with {current}, not the form font"
                table = to_unicode(fonts[current].get_object())
                data = bytes(operands[0].original_bytes)
                shown.append("".join(table[int.from_bytes(data[i:i + 2], "big")]
                                     for i in range(0, len(data), 2)))
        assert "".join(shown) == typed
        break
    else:
        pytest.fail("pdfium did not store the typed value")
