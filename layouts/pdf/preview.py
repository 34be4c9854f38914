"""PDF bytes -> a PNG contact sheet of every page, small and side by side, for staff to skim."""

from __future__ import annotations

import io

PAGE_WIDTH_PX = 170
COLUMNS = 6
GAP_PX = 12


def missing() -> str | None:
    """What --preview lacks to run here (it is an optional extra), or None."""
    try:
        import pypdfium2  # noqa: F401
        from PIL import Image  # noqa: F401
    except ImportError as e:
        return (f"--preview needs pypdfium2 and pillow, and {e.name or 'one of them'} is not "
                "installed; install them with: python -m pip install -e \".[preview]\" (or "
                "leave out --preview)")
    return None


def contact_sheet(pdf: bytes) -> bytes:
    """Every page of the PDF, in reading order, on one PNG."""
    import pypdfium2
    from PIL import Image
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            scale = PAGE_WIDTH_PX / page.get_width()
            pages.append(page.render(scale=scale).to_pil().convert("RGB"))
    finally:
        document.close()
    rows = (len(pages) + COLUMNS - 1) // COLUMNS
    columns = min(COLUMNS, len(pages))
    height = max(p.height for p in pages)
    sheet = Image.new("RGB", (columns * (PAGE_WIDTH_PX + GAP_PX) + GAP_PX,
                              rows * (height + GAP_PX) + GAP_PX), (200, 200, 200))
    for index, image in enumerate(pages):
        row, column = divmod(index, COLUMNS)
        sheet.paste(image, (GAP_PX + column * (PAGE_WIDTH_PX + GAP_PX),
                            GAP_PX + row * (height + GAP_PX)))
    out = io.BytesIO()
    sheet.save(out, format="PNG", optimize=True)
    return out.getvalue()
