"""A ReportLab Drawing -> inline SVG markup for a web page, in the site's font, with a name.

The SVG is ReportLab's own (renderSVG), so the web page shows the picture the PDF prints. Its
text stays text, set in the font the page loads from the site, which is the font the labels were
measured in. It refers to nothing outside itself: no font file, no image, no id that a second
picture on the page could repeat.
"""

from __future__ import annotations

import re

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing

from ..pdf.styles import BODY, BODY_BOLD, FALLBACK, FALLBACK_BOLD

# Text was fitted in the PDF's fonts, registered under short names; on the page the same faces
# are loaded by style.css (the body face) or found on the reader's system (the fallback).
_BODY = "font-family: 'Atkinson Hyperlegible', sans-serif;"
_FALLBACK = "font-family: 'DejaVu Sans', sans-serif;"
WEB_FONTS = {BODY: _BODY, BODY_BOLD: _BODY + " font-weight: bold;",
             FALLBACK: _FALLBACK, FALLBACK_BOLD: _FALLBACK + " font-weight: bold;"}
_FONT = re.compile(r"font-family: ([^;]+);")


def inline_svg(drawing: Drawing, name: str) -> str:
    """The drawing as an `<svg>` element named `name` for screen readers; its parts are hidden
    from them, as the name already says what the picture shows."""
    canvas = renderSVG.SVGCanvas((drawing.width, drawing.height), useClip=True)
    renderSVG.draw(drawing, canvas, 0, 0)
    svg = canvas.svg
    for child in list(svg.childNodes):
        if getattr(child, "tagName", None) in ("title", "desc"):
            svg.removeChild(child)
    for element in svg.getElementsByTagName("*"):
        for attribute in ("id", "clip"):
            if element.hasAttribute(attribute):
                element.removeAttribute(attribute)
        style = element.getAttribute("style")
        if "font-family" in style:
            element.setAttribute("style", _FONT.sub(_web_font, style))
    # The page's stylesheet sizes the picture to the column; the view box keeps its shape.
    for attribute in ("width", "height", "xmlns:xlink", "version", "preserveAspectRatio"):
        if svg.hasAttribute(attribute):
            svg.removeAttribute(attribute)
    svg.setAttribute("role", "img")
    svg.setAttribute("aria-label", name)
    svg.setAttribute("focusable", "false")
    return svg.toxml()


def _web_font(match: re.Match) -> str:
    name = match.group(1).strip()
    if name not in WEB_FONTS:  # the PDF draws text only in our fonts, so neither does the page
        raise ValueError(f"a drawing uses the font {name}, which the site does not carry")
    return WEB_FONTS[name]
