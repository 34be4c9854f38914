"""Edition name -> fonts, type sizes, spacing and colours: the only module that knows points."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..content.errors import BuildFailure
from ..content.model import EDITIONS as MODEL_EDITIONS

FONTS_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
BODY, BODY_BOLD = "Body", "Body-Bold"              # Atkinson Hyperlegible
FALLBACK, FALLBACK_BOLD = "Fallback", "Fallback-Bold"  # DejaVu Sans, for what Body lacks
_FONT_FILES = {
    BODY: "AtkinsonHyperlegible-Regular.ttf",
    BODY_BOLD: "AtkinsonHyperlegible-Bold.ttf",
    FALLBACK: "DejaVuSans.ttf",
    FALLBACK_BOLD: "DejaVuSans-Bold.ttf",
}
PAPER_SIZES = {"letter": LETTER, "a4": A4}

# Colours chosen for at least 7:1 contrast on white (DESIGN.md); the tint is a background only.
INK_HEX = "#1a1a1a"
INK = colors.HexColor(INK_HEX)
INK_RGB = f"{INK.red:.3f} {INK.green:.3f} {INK.blue:.3f}"   # the same ink in PDF operators
HEADING_INK = colors.HexColor("#123456")
RULE_INK = colors.HexColor("#4d4d4d")  # answer lines: dark enough to copy, light enough to write on
TINT = colors.HexColor("#e8f0f8")
WARNING_TINT = colors.HexColor("#fdf1e3")
WARNING_RULE = colors.HexColor("#8a4b00")


@cache
def register_fonts() -> None:
    """Register the bundled fonts once, and make ReportLab default to them, not to Helvetica."""
    for name, file in _FONT_FILES.items():
        path = FONTS_DIR / file
        try:
            font = TTFont(name, str(path), validate=1)  # table checksums catch damage
        except Exception:  # whatever a damaged file makes the parser raise
            raise BuildFailure(f"{path}: this font file is damaged or missing, so nothing can "
                               "be printed; put back the file that came with the tool "
                               "(reinstall it, or copy assets/fonts from a fresh download)"
                               ) from None
        pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(BODY, normal=BODY, bold=BODY_BOLD, italic=BODY,
                                  boldItalic=BODY_BOLD)
    pdfmetrics.registerFontFamily(FALLBACK, normal=FALLBACK, bold=FALLBACK_BOLD,
                                  italic=FALLBACK, boldItalic=FALLBACK_BOLD)
    # Without these every page lists an unembedded Helvetica: the canvas starts with it, and
    # a vector drawing resets to it before it draws.
    rl_config.canvas_basefontname = BODY
    # Streams are compressed; ASCII85 on top only adds a quarter to their size (measured in
    # benchmarks/bench.py: 6% smaller files and a little faster without it).
    rl_config.useA85 = 0
    from reportlab.graphics.shapes import STATE_DEFAULTS
    STATE_DEFAULTS["fontName"] = BODY


@cache
def font_characters(name: str) -> frozenset[int]:
    """The code points a registered font can draw."""
    register_fonts()
    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)


@dataclass(frozen=True)
class Edition:
    """Sizes for one edition. Lengths are in points; blanks are given in millimetres first."""

    name: str
    body: float               # body type size
    small: float              # header, footer, labels and notices: never smaller
    h1: float
    h2: float
    h3: float
    line_pitch: float         # answer lines, baseline to baseline
    box: float                # tick boxes and circle targets
    label_gap: float          # from a box to its label
    margin: float
    top_margin: float         # a handout's first page, below the clinic's banner
    later_top_margin: float   # its other pages, below a one-line running title
    bottom_margin: float      # the largest: room for the longest footer an edition allows;
                              # a job's pages keep only what their footer needs (fit_footer)
    logo_height: float
    name_line: float = 90 * mm   # a line for one name, phone or address (DESIGN.md)
    date_line: float = 50 * mm   # a line for a date written by hand
    paragraph_gap: float = 0.6   # space after a paragraph, in ems of the body size

    @property
    def leading(self) -> float:
        return round(self.body * 1.45, 1)

    def leading_for(self, size: float) -> float:
        return round(size * 1.4, 1) + 0.5


EDITIONS = {
    "standard": Edition("standard", body=14, small=12, h1=26, h2=19, h3=16,
                        line_pitch=11 * mm, box=7 * mm, label_gap=4 * mm, margin=20 * mm,
                        top_margin=30 * mm, later_top_margin=20 * mm,
                        bottom_margin=32 * mm, logo_height=15 * mm),
    "large-print": Edition("large-print", body=18, small=16, h1=32, h2=24, h3=20,
                           line_pitch=13 * mm, box=9 * mm, label_gap=4 * mm, margin=18 * mm,
                           top_margin=32 * mm, later_top_margin=22 * mm,
                           bottom_margin=46 * mm, logo_height=16 * mm,
                           date_line=60 * mm,
                           # The large type itself sets paragraphs apart; a smaller gap keeps
                           # the read within its pages (DESIGN.md: 6).
                           paragraph_gap=0.45),
}


# The edition names are the model's; this module owns only their sizes.
assert tuple(EDITIONS) == MODEL_EDITIONS


@dataclass(frozen=True)
class Styles:
    """Paragraph styles and page geometry for one edition on one paper."""

    edition: Edition
    page_size: tuple[float, float]
    body: ParagraphStyle
    bold: ParagraphStyle
    bullet: ParagraphStyle
    bullet_tight: ParagraphStyle   # list items in a box, where space is short
    title: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    message: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    fine: ParagraphStyle          # the closing's small print: sources, review dates, help
    fine_bullet: ParagraphStyle

    @property
    def text_width(self) -> float:
        return self.page_size[0] - 2 * self.edition.margin


@cache
def styles_for(edition: str, paper: str) -> Styles:
    register_fonts()
    e = EDITIONS[edition]

    def style(name, size, font=BODY, colour=INK, space_before=0, space_after=None,
              leading=None, **kw):
        # Left aligned, ragged right, never justified (DESIGN.md).
        # Bullets name their font too: ReportLab's default bullet font is an unembedded
        # Helvetica, whatever the canvas's base font is.
        return ParagraphStyle(name, fontName=font, fontSize=size,
                              bulletFontName=BODY, bulletFontSize=size,
                              leading=leading or e.leading_for(size),
                              textColor=colour, alignment=TA_LEFT, spaceBefore=space_before,
                              spaceAfter=size * 0.6 if space_after is None else space_after,
                              allowWidows=0, allowOrphans=0, **kw)

    body = style("body", e.body, leading=e.leading, space_after=e.body * e.paragraph_gap)
    return Styles(
        edition=e,
        page_size=PAPER_SIZES[paper],
        body=body,
        bold=style("bold", e.body, BODY_BOLD),
        bullet=style("bullet", e.body, leftIndent=e.body * 1.5, bulletIndent=e.body * 0.3,
                     space_after=e.body * 0.35, leading=e.leading),
        bullet_tight=style("bullet_tight", e.body, leftIndent=e.body * 1.5,
                           bulletIndent=e.body * 0.3, space_after=e.body * 0.12,
                           leading=e.leading),
        title=style("title", e.h1, BODY_BOLD, HEADING_INK, space_after=e.body * 0.8),
        h2=style("h2", e.h2, BODY_BOLD, HEADING_INK, space_before=e.body * 1.2,
                 space_after=e.body * 0.5, keepWithNext=1),
        h3=style("h3", e.h3, BODY_BOLD, HEADING_INK, space_before=e.body * 0.6,
                 space_after=e.body * 0.3, keepWithNext=1),
        message=style("message", e.body + 3, BODY_BOLD, INK),
        small=style("small", e.small, space_after=0),
        cell=style("cell", e.body, BODY_BOLD, space_after=0),
        fine=style("fine", e.small),
        fine_bullet=style("fine_bullet", e.small, leftIndent=e.body * 1.5,
                          bulletIndent=e.body * 0.3, space_after=e.small * 0.35),
    )
