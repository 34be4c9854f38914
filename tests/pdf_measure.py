"""PDF page -> what was drawn on it: stroked lines, rectangles, curves and text runs, in points.

A small content-stream interpreter for the tests, built on pypdf's own parser. It follows the
graphics state (cm, q/Q), the colours and line width, the text state (Tf, Tm, Td, TD, T*, TL, Tc,
Tw, Tz, Ts), form XObjects and marked content (BMC/BDC ... EMC), and records what each painting
or text operator put on the page, in page coordinates (points, origin bottom left), with the
marked-content id or artifact it was drawn in and, for text, the characters (read through the
font's ToUnicode map). It knows nothing of the project's constants.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from pypdf.generic import ContentStream

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MM = 72 / 25.4


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF order: a point p maps to p x m x n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


@dataclass(frozen=True)
class Segment:
    """A straight stroked segment."""

    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    colour: tuple[float, float, float]
    order: int
    mcid: int | None = None       # the marked-content id it was drawn in, if any
    artifact: str | None = None   # "" in an artifact, "Header"/"Footer" in page furniture

    @property
    def length(self) -> float:
        return math.hypot(self.x2 - self.x1, self.y2 - self.y1)

    @property
    def horizontal(self) -> bool:
        return abs(self.y1 - self.y2) < 0.01 and self.length > 0.5

    @property
    def vertical(self) -> bool:
        return abs(self.x1 - self.x2) < 0.01 and self.length > 0.5


@dataclass(frozen=True)
class Rect:
    """A rectangle from `re`, normalised, and how it was painted."""

    x0: float
    y0: float
    x1: float
    y1: float
    stroked: bool
    filled: bool
    fill_colour: tuple[float, float, float]
    order: int
    mcid: int | None = None
    artifact: str | None = None

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def contains(self, x: float, y: float, slack: float = 0.01) -> bool:
        return (self.x0 - slack <= x <= self.x1 + slack
                and self.y0 - slack <= y <= self.y1 + slack)


@dataclass(frozen=True)
class CurvePath:
    """A stroked or filled path that contains Bezier curves: its sampled outline and bounds."""

    points: tuple[tuple[float, float], ...]
    stroked: bool
    filled: bool
    order: int
    mcid: int | None = None
    artifact: str | None = None

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return min(xs), min(ys), max(xs), max(ys)

    def is_circle(self, tolerance: float = 0.02) -> bool:
        """Every sampled point lies at the same distance from the bounding box's centre."""
        x0, y0, x1, y1 = self.bbox
        w, h = x1 - x0, y1 - y0
        if w < 1 or abs(w - h) > tolerance * w:
            return False
        cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, w / 2
        return all(abs(math.hypot(x - cx, y - cy) - r) <= tolerance * r for x, y in self.points)

    @property
    def diameter(self) -> float:
        x0, y0, x1, y1 = self.bbox
        return ((x1 - x0) + (y1 - y0)) / 2


@dataclass(frozen=True)
class TextRun:
    """The glyphs one Tj/TJ/'/\" operator showed."""

    font: str            # resource name, such as /F1+0
    base_font: str       # the font's /BaseFont
    size: float          # effective size on the page (Tf size scaled by Tm and CTM)
    x0: float            # start of the baseline
    y: float             # baseline
    x1: float            # end of the advance
    glyphs: int
    raw: bytes
    colour: tuple[float, float, float]
    block: int           # which BT ... ET block (lines of one paragraph share one)
    render_mode: int
    order: int
    mcid: int | None = None
    artifact: str | None = None
    text: str = ""       # the characters shown, through the font's ToUnicode map


@dataclass
class PageDrawing:
    """Everything one page drew."""

    width: float
    height: float
    segments: list[Segment] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    curves: list[CurvePath] = field(default_factory=list)
    texts: list[TextRun] = field(default_factory=list)


def _gray(v: float) -> tuple[float, float, float]:
    return (v, v, v)


def _cmyk(c: float, m: float, y: float, k: float) -> tuple[float, float, float]:
    return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))


def _colour(values: list[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return _gray(values[0])
    if len(values) == 3:
        return tuple(values)  # type: ignore[return-value]
    if len(values) == 4:
        return _cmyk(*values)
    return (0.0, 0.0, 0.0)


class _FontInfo:
    """Widths of a simple font (what ReportLab's TrueType subsets are), for text advances."""

    def __init__(self, font):
        font = font.get_object()
        self.base_font = str(font.get("/BaseFont", ""))
        self.first = int(font.get("/FirstChar", 0))
        self.widths = [float(w) for w in font.get("/Widths", [])]
        descriptor = font.get("/FontDescriptor")
        missing = float(descriptor.get_object().get("/MissingWidth", 0)) if descriptor else 0
        # A base-14 font carries no widths; half an em is a fair stand-in for measuring.
        self.missing = missing or 500.0
        to_unicode = font.get("/ToUnicode")
        self.unicode = _to_unicode(to_unicode.get_object().get_data()) if to_unicode else {}

    def width(self, code: int) -> float:
        index = code - self.first
        if 0 <= index < len(self.widths):
            return self.widths[index]
        return self.missing

    def text(self, raw: bytes) -> str:
        # Without a ToUnicode map (a base-14 font), Latin-1 is close to its encoding.
        return "".join(self.unicode.get(code, chr(code)) for code in raw)


_HEX = r"<([0-9A-Fa-f]*)>"


def _utf16(hex_digits: str) -> str:
    data = bytes.fromhex(hex_digits)
    return data.decode("utf-16-be", "replace").replace("\x00", "")


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """A simple font's ToUnicode CMap (bfchar and bfrange entries) as code -> text."""
    text, out = cmap.decode("latin-1"), {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for code, target in re.findall(_HEX + r"\s*" + _HEX, block):
            out[int(code, 16)] = _utf16(target)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        ranges = re.findall(_HEX + r"\s*" + _HEX + r"\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block)
        for first, last, target in ranges:
            codes = range(int(first, 16), int(last, 16) + 1)
            if target.startswith("["):
                for code, each in zip(codes, re.findall(_HEX, target)):
                    out[code] = _utf16(each)
            else:
                start = int(target[1:-1], 16)
                for offset, code in enumerate(codes):
                    out[code] = chr(start + offset)
    return out


class _Interpreter:
    def __init__(self, drawing: PageDrawing):
        self.d = drawing
        self.order = 0
        self.block = 0
        self.marks: list[tuple[int | None, str | None]] = []  # open marked content

    @property
    def mark(self) -> tuple[int | None, str | None]:
        """(innermost MCID, artifact kind) of what is drawn now."""
        mcid = next((m for m, _ in reversed(self.marks) if m is not None), None)
        artifact = next((a for _, a in reversed(self.marks) if a is not None), None)
        return mcid, artifact

    def begin_marked(self, operands, operator: str) -> None:
        tag = str(operands[0]) if operands else ""
        props = operands[1] if operator == "BDC" and len(operands) > 1 else None
        props = props.get_object() if hasattr(props, "get_object") else props
        mcid = artifact = None
        if isinstance(props, dict) and "/MCID" in props:
            mcid = int(props["/MCID"])
        if tag == "/Artifact":
            artifact = str(props.get("/Subtype", "")).lstrip("/") if isinstance(props,
                                                                                dict) else ""
        self.marks.append((mcid, artifact))

    def run(self, contents, resources, ctm: Matrix, reader) -> None:
        fonts = {}
        font_dict = resources.get("/Font") if resources else None
        if font_dict is not None:
            for name, font in font_dict.get_object().items():
                fonts[str(name)] = _FontInfo(font)
        xobjects = resources.get("/XObject") if resources else None
        xobjects = xobjects.get_object() if xobjects is not None else {}

        gs = dict(ctm=ctm, fill=(0.0, 0.0, 0.0), stroke=(0.0, 0.0, 0.0), lw=1.0,
                  font=None, size=0.0, tl=0.0, tc=0.0, tw=0.0, tz=100.0, ts=0.0, tr=0)
        stack = []
        path: list[list[tuple[str, tuple[float, float]]]] = []  # subpaths of (kind, point)
        rects: list[tuple[float, float, float, float]] = []
        current = None
        tm = tlm = IDENTITY

        def finish_path(stroke: bool, fill: bool) -> None:
            nonlocal path, rects
            if stroke or fill:
                self._paint(path, rects, gs, stroke, fill)
            path, rects = [], []

        def show(string: bytes, adjustments=()) -> None:
            nonlocal tm
            info = fonts.get(gs["font"])
            trm0 = multiply(multiply((gs["size"] * gs["tz"] / 100, 0, 0, gs["size"], 0,
                                      gs["ts"]), tm), gs["ctm"])
            x0, y0 = apply(trm0, 0, 0)
            size = math.hypot(trm0[2], trm0[3])
            advance = 0.0
            glyphs = 0
            raw = b""
            for part in adjustments or [string]:
                if isinstance(part, bytes):
                    for code in part:
                        w = info.width(code) if info else 500.0
                        tx = (w / 1000 * gs["size"] + gs["tc"]
                              + (gs["tw"] if code == 32 else 0)) * gs["tz"] / 100
                        advance += tx
                        glyphs += 1
                    raw += part
                else:
                    advance -= float(part) / 1000 * gs["size"] * gs["tz"] / 100
            end = apply(multiply(multiply((1, 0, 0, 1, advance, gs["ts"]), tm), gs["ctm"]),
                        0, 0)
            self.order += 1
            self.d.texts.append(TextRun(
                gs["font"] or "", info.base_font if info else "", size, x0, y0, end[0],
                glyphs, raw, gs["fill"], self.block, gs["tr"], self.order, *self.mark,
                info.text(raw) if info else raw.decode("latin-1")))
            tm = multiply((1, 0, 0, 1, advance, 0), tm)

        for operands, operator in ContentStream(contents, reader).operations:
            op = operator.decode("latin-1") if isinstance(operator, bytes) else operator
            if op in ("BMC", "BDC"):
                self.begin_marked(operands, op)
            elif op == "EMC":
                if self.marks:
                    self.marks.pop()
            elif op == "q":
                stack.append(dict(gs))
            elif op == "Q":
                if stack:
                    gs = stack.pop()
            elif op == "cm":
                gs["ctm"] = multiply(tuple(map(float, operands)), gs["ctm"])
            elif op == "w":
                gs["lw"] = float(operands[0])
            elif op in ("rg", "g", "k", "sc", "scn"):
                values = [float(v) for v in operands if isinstance(v, (int, float))]
                gs["fill"] = _colour(values)
            elif op in ("RG", "G", "K", "SC", "SCN"):
                values = [float(v) for v in operands if isinstance(v, (int, float))]
                gs["stroke"] = _colour(values)
            elif op == "m":
                current = apply(gs["ctm"], float(operands[0]), float(operands[1]))
                path.append([("m", current)])
            elif op == "l":
                current = apply(gs["ctm"], float(operands[0]), float(operands[1]))
                if not path:
                    path.append([("m", current)])
                path[-1].append(("l", current))
            elif op in ("c", "v", "y"):
                pts = [float(v) for v in operands]
                start = path[-1][-1][1] if path and path[-1] else current
                if op == "c":
                    c1 = apply(gs["ctm"], pts[0], pts[1])
                    c2 = apply(gs["ctm"], pts[2], pts[3])
                    end = apply(gs["ctm"], pts[4], pts[5])
                elif op == "v":
                    c1 = start
                    c2 = apply(gs["ctm"], pts[0], pts[1])
                    end = apply(gs["ctm"], pts[2], pts[3])
                else:
                    c1 = apply(gs["ctm"], pts[0], pts[1])
                    end = c2 = apply(gs["ctm"], pts[2], pts[3])
                if not path:
                    path.append([("m", start)])
                for i in range(1, 9):
                    t = i / 8
                    u = 1 - t
                    point = (u ** 3 * start[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0]
                             + t ** 3 * end[0],
                             u ** 3 * start[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1]
                             + t ** 3 * end[1])
                    path[-1].append(("c", point))
                current = end
            elif op == "h":
                if path and path[-1]:
                    path[-1].append(("h", path[-1][0][1]))
            elif op == "re":
                x, y, w, h = (float(v) for v in operands)
                corners = [apply(gs["ctm"], x, y), apply(gs["ctm"], x + w, y),
                           apply(gs["ctm"], x + w, y + h), apply(gs["ctm"], x, y + h)]
                xs = [p[0] for p in corners]
                ys = [p[1] for p in corners]
                rects.append((min(xs), min(ys), max(xs), max(ys)))
            elif op in ("S", "s"):
                if op == "s" and path and path[-1]:
                    path[-1].append(("h", path[-1][0][1]))
                finish_path(True, False)
            elif op in ("f", "F", "f*"):
                finish_path(False, True)
            elif op in ("B", "B*", "b", "b*"):
                finish_path(True, True)
            elif op == "n":
                finish_path(False, False)
            elif op == "BT":
                self.block += 1
                tm = tlm = IDENTITY
            elif op == "Tf":
                gs["font"] = str(operands[0])
                gs["size"] = float(operands[1])
            elif op == "TL":
                gs["tl"] = float(operands[0])
            elif op == "Tc":
                gs["tc"] = float(operands[0])
            elif op == "Tw":
                gs["tw"] = float(operands[0])
            elif op == "Tz":
                gs["tz"] = float(operands[0])
            elif op == "Ts":
                gs["ts"] = float(operands[0])
            elif op == "Tr":
                gs["tr"] = int(operands[0])
            elif op == "Tm":
                tm = tlm = tuple(map(float, operands))
            elif op in ("Td", "TD"):
                tx, ty = float(operands[0]), float(operands[1])
                if op == "TD":
                    gs["tl"] = -ty
                tm = tlm = multiply((1, 0, 0, 1, tx, ty), tlm)
            elif op == "T*":
                tm = tlm = multiply((1, 0, 0, 1, 0, -gs["tl"]), tlm)
            elif op == "Tj":
                show(bytes(operands[0].original_bytes if hasattr(operands[0], "original_bytes")
                           else operands[0]))
            elif op == "TJ":
                parts = [bytes(p.original_bytes if hasattr(p, "original_bytes") else p)
                         if not isinstance(p, (int, float)) else p for p in operands[0]]
                show(b"", parts)
            elif op in ("'", '"'):
                if op == '"':
                    gs["tw"], gs["tc"] = float(operands[0]), float(operands[1])
                tm = tlm = multiply((1, 0, 0, 1, 0, -gs["tl"]), tlm)
                string = operands[-1]
                show(bytes(string.original_bytes if hasattr(string, "original_bytes")
                           else string))
            elif op == "Do":
                xobject = xobjects.get(operands[0]) if xobjects else None
                if xobject is None:
                    continue
                xobject = xobject.get_object()
                if xobject.get("/Subtype") == "/Form":
                    matrix = tuple(map(float, xobject.get("/Matrix", IDENTITY)))
                    self.run(xobject, xobject.get("/Resources"),
                             multiply(matrix, gs["ctm"]), reader)

    def _paint(self, path, rects, gs, stroke: bool, fill: bool) -> None:
        self.order += 1
        mark = self.mark
        for x0, y0, x1, y1 in rects:
            self.d.rects.append(Rect(x0, y0, x1, y1, stroke, fill, gs["fill"], self.order,
                                     *mark))
        for subpath in path:
            if any(kind == "c" for kind, _ in subpath):
                self.d.curves.append(CurvePath(tuple(p for _, p in subpath), stroke, fill,
                                               self.order, *mark))
            elif stroke:
                for (_, a), (_, b) in zip(subpath, subpath[1:]):
                    self.d.segments.append(Segment(a[0], a[1], b[0], b[1], gs["lw"],
                                                   gs["stroke"], self.order, *mark))


def measure_page(page, reader) -> PageDrawing:
    """Interpret one pypdf page's content stream."""
    box = page.mediabox
    drawing = PageDrawing(float(box.width), float(box.height))
    contents = page.get_contents()
    if contents is not None:
        _Interpreter(drawing).run(contents, page.get("/Resources"), IDENTITY, reader)
    return drawing


# ---- colour ----------------------------------------------------------------------------------

def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour with components 0..1."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
