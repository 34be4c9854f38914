"""Organs around the pancreas -> a labelled vector Drawing, sized to a given width."""

from __future__ import annotations

import dataclasses
import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Path, String
from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..cache import remembered
from ..content.model import DRAWINGS
from .styles import INK_HEX

PART_NAMES = DRAWINGS["pancreas"]

ASPECT = 0.62

# Fills are chosen by lightness first and colour second, so that neighbours
# stay apart on a black-and-white printer (approximate grey value noted).
FILL_LIVER = "#e3b8ad"  # 0.77
FILL_GALLBLADDER = "#dcefc8"  # 0.90
FILL_STOMACH = "#f8ded6"  # 0.90
FILL_SPLEEN = "#cdb3d6"  # 0.75
FILL_DUODENUM = "#fdf3e7"  # 0.96
FILL_SMALL_INTESTINE = "#eed8c4"  # 0.86
FILL_BILE_DUCT = "#7fb15a"  # 0.60, but only a thin tube
FILL_PANCREAS = "#e0912e"  # 0.62, the strongest and only saturated fill
DETAIL_LIVER = "#bf9084"

# Line weights are in printed points whatever the scale, so a small drawing
# keeps outlines that a printer and a tired eye can both see.
OUTLINE_PT = 1.25
PANCREAS_OUTLINE_PT = 2.4
DUCT_OUTLINE_PT = 1.0
DETAIL_PT = 0.8
LEADER_PT = 0.8
ANCHOR_DOT_PT = 2.2
# Keeps outlines, which straddle a shape's edge, inside the drawing, and text
# a hair inside it despite rounding.
EDGE_PT = PANCREAS_OUTLINE_PT
TEXT_EDGE_PT = 0.05

# The organs are drawn in private "art units", a box about 100 wide and 80
# high (x right, y up; picture left is the patient's right), and then scaled
# into whatever room the labels leave. A closed smooth curve runs through the
# points of each outline.
LIVER = (
    (2.5, 64.0), (5.0, 72.0), (13.0, 77.5), (26.0, 80.0), (42.0, 79.5),
    (55.0, 77.0), (64.0, 73.0), (69.0, 69.0), (63.0, 66.5), (54.0, 63.5),
    (46.0, 60.0), (39.0, 57.5), (31.0, 56.5), (21.0, 56.5), (11.0, 57.0),
    (5.0, 59.5),
)
LIVER_LOBE_LINE = ((50.0, 78.4), (48.5, 71.0), (46.8, 65.0), (45.0, 60.5))
GALLBLADDER = (
    (36.5, 58.5), (30.0, 58.0), (23.0, 56.5), (17.5, 53.8), (15.3, 50.8),
    (17.2, 48.5), (22.5, 49.2), (29.0, 52.3), (34.5, 55.5),
)
STOMACH = (
    (69.6, 70.5), (72.0, 74.6), (77.8, 76.6), (84.0, 75.0), (87.8, 69.5),
    (88.3, 61.0), (86.5, 54.5), (83.5, 50.2), (78.0, 46.0), (70.0, 42.9),
    (62.0, 40.1), (55.5, 38.1), (50.5, 36.2), (48.2, 38.0), (48.2, 42.0),
    (50.3, 43.6), (54.5, 45.2), (58.5, 47.8), (62.0, 51.5), (64.8, 56.5),
    (66.8, 62.0), (68.2, 66.8),
)
SPLEEN = (
    (90.5, 68.5), (95.0, 67.5), (98.5, 61.5), (99.3, 53.5), (97.3, 47.5),
    (93.5, 45.6), (90.5, 47.8), (91.0, 52.0), (89.5, 56.5), (89.0, 62.0),
)
PANCREAS = (
    (33.5, 36.1), (31.0, 33.0), (30.3, 28.0), (30.5, 22.0), (32.5, 18.0),
    (36.0, 15.9), (42.0, 15.4), (48.0, 15.9), (52.6, 18.0), (54.4, 22.0),
    (55.0, 26.5), (56.5, 29.2), (62.0, 31.2), (70.0, 33.8), (78.0, 37.2),
    (84.5, 41.2), (89.3, 45.5), (90.8, 48.5), (89.3, 51.0), (85.0, 50.8),
    (78.0, 47.5), (70.0, 44.4), (62.0, 41.6), (55.5, 39.6), (50.5, 37.6),
    (44.0, 36.9), (38.0, 36.8),
)
# A few coils of small intestine, leaving from behind the duodenum.
SMALL_INTESTINE_LINE = (
    (57.0, 26.0), (59.5, 21.8), (64.0, 20.0), (70.0, 19.4), (76.0, 20.2),
    (81.0, 19.8), (85.0, 19.8), (87.15, 19.22), (88.72, 17.65), (89.3, 15.5),
    (88.72, 13.35), (87.15, 11.78),
    (85.0, 11.2), (80.0, 11.2), (73.0, 11.8), (66.0, 11.0), (59.0, 11.8),
    (52.0, 11.0), (45.0, 11.8), (38.0, 11.0), (31.0, 11.8), (24.0, 11.0),
    (19.0, 11.2), (15.5, 11.2), (13.55, 10.68), (12.12, 9.25), (11.6, 7.3),
    (12.12, 5.35), (13.55, 3.92),
    (15.5, 3.4), (20.0, 3.4), (27.0, 2.9), (34.0, 3.7), (41.0, 2.9),
    (48.0, 3.7), (55.0, 2.9), (62.0, 3.7), (69.0, 2.9), (76.0, 3.5),
    (83.0, 3.4),
)
SMALL_INTESTINE_RADII = (3.1,) * len(SMALL_INTESTINE_LINE)

# Tubes: a smooth centre line and a half-width at each of its points.
DUODENUM_LINE = (
    (49.0, 40.0), (42.0, 40.3), (35.0, 39.6), (29.8, 36.0), (27.5, 29.0),
    (28.0, 21.0), (31.5, 15.8), (38.0, 13.2), (46.0, 13.0), (52.0, 14.8),
    (55.8, 19.5), (57.2, 25.0), (57.5, 31.0),
)
DUODENUM_RADII = (3.3, 3.25, 3.2, 3.15, 3.1, 3.05, 3.0, 2.95, 2.9, 2.85, 2.8, 2.8, 2.8)
BILE_DUCT_LINE = ((41.0, 58.7), (41.2, 54.0), (41.0, 48.5), (40.2, 43.5), (38.8, 38.0))
BILE_DUCT_RADII = (1.2, 1.15, 1.1, 1.05, 1.0)
CYSTIC_DUCT_LINE = ((35.0, 56.6), (38.5, 55.4), (41.1, 53.0))
CYSTIC_DUCT_RADII = (0.9, 0.85, 0.8)
# Inside the pancreas head the duct is only hinted, to keep the head clear.
BILE_DUCT_HIDDEN_LINE = ((38.8, 38.0), (36.5, 33.5), (33.5, 30.0), (31.0, 28.8))

# Where leader lines may end, best first, and which margin each label sits
# in. Points sit just inside an organ's edge on the side facing the label; a
# later point is used only when the line to an earlier one would cross
# another organ or label.
ANCHORS = {
    "liver": ("left", ((12.0, 68.5), (8.0, 63.0), (20.0, 73.0))),
    "gallbladder": ("left", ((17.8, 51.0), (18.3, 53.3), (21.0, 50.2))),
    "bile_duct": ("left", ((41.0, 46.0), (41.1, 50.5))),
    "duodenum": ("left", ((25.8, 28.0), (25.6, 33.0), (26.0, 23.0))),
    "stomach": ("right", ((81.5, 72.0), (85.5, 66.0))),
    "spleen": ("right", ((96.5, 56.0), (97.2, 62.0), (96.5, 50.0))),
    "pancreas": ("right", ((83.5, 43.0), (87.0, 46.2))),
    "small_intestine": ("right", ((87.0, 15.4), (86.0, 19.6), (84.5, 5.5))),
}
# The bile duct is only reachable through a narrow gap between the
# gallbladder and the duodenum, so its label holds its height and the
# neighbours make way.
LABEL_WEIGHTS = {"bile_duct": 6.0}

MIN_FONT_SIZE = 6.0
# Wrap widths tried, as shares of the drawing width; None means one line each.
# The second value says whether a word too long for that width may be cut in
# two with a hyphen (a last resort for long compound words).
WRAP_OPTIONS = (
    (None, False), (0.3, False), (0.24, False), (0.18, False), (0.14, False),
    (0.24, True), (0.18, True),
)
# Words longer than this share of the width are always cut, so nothing overflows.
HARD_WRAP_SHARE = 0.4
# How much bigger the organs must get to be worth ragged labels, an extra
# line or a word cut in two.
ALIGNED_BONUS = 1.1
WRAP_COST = 0.94
HYPHEN_COST = 0.8
# The art may not shrink below this share of the width before the type does.
MIN_ART_SHARE = 0.25


@dataclass
class _Label:
    part: str
    lines: list[str]
    width: float  # of the widest line
    side: str
    anchors: tuple[tuple[float, float], ...]
    anchor: tuple[float, float] = (0.0, 0.0)  # the one of anchors the leader ends at
    center: float = 0.0  # height of the middle of the text block
    x: float = 0.0  # left edge of the text block


@dataclass
class _Layout:
    size: float
    scale: float
    x0: float
    y0: float
    labels: list[_Label]

    def point(self, x: float, y: float) -> tuple[float, float]:
        return self.x0 + x * self.scale, self.y0 + y * self.scale


def pancreas_drawing(
    width: float,
    labels: dict[str, str],
    font_name: str,
    font_size: float,
    ink: str = INK_HEX,
) -> Drawing:
    """The picture, width points wide and ASPECT times as high, labels in both margins.

    Labels keep font_size and wrap (evenly, at word breaks) as the organs
    shrink to make room; only if the organs would end up narrower than
    MIN_ART_SHARE of the width is the type made smaller, and a drawing too
    small for any label shows the organs alone. Empty or None labels are
    skipped; a part name not in PART_NAMES is an error.
    """
    unknown = sorted(set(labels) - set(PART_NAMES))
    if unknown:
        raise ValueError(f"unknown part name(s) {unknown}; expected some of {PART_NAMES}")
    width = float(width)
    height = width * ASPECT
    ink_color = HexColor(ink)
    texts = {part: " ".join(str(text).split()) for part, text in labels.items()
             if text is not None}
    texts = {part: text for part, text in texts.items() if text}

    organs = _organ_geometry()

    def fit():   # the search for the labels' places: kept between runs (layouts/cache.py)
        layout = _best_layout(width, height, texts, font_name, float(font_size),
                              _Silhouette(organs))
        _choose_anchors(layout, organs)
        return dataclasses.asdict(layout)

    layout = remembered("pancreas-labels", [width, height, sorted(texts.items()), font_name,
                                            float(font_size)], fit, _layout_from)

    drawing = Drawing(width, height)
    drawing.add(_organ_group(organs, layout, ink_color))
    for label in layout.labels:
        drawing.add(_label_group(label, layout, font_name, ink_color))
    return drawing


def _layout_from(data: dict) -> _Layout:
    """A layout back from its JSON form (where tuples became lists)."""
    labels = [_Label(part=label["part"], lines=list(label["lines"]), width=label["width"],
                     side=label["side"], anchors=tuple(map(tuple, label["anchors"])),
                     anchor=tuple(label["anchor"]), center=label["center"], x=label["x"])
              for label in data["labels"]]
    return _Layout(size=data["size"], scale=data["scale"], x0=data["x0"], y0=data["y0"],
                   labels=labels)


# --- geometry -------------------------------------------------------------


def _organ_geometry():
    """Every painted shape, back to front, as (part, kind, art points, colour, line pt).

    kind "smooth" is a closed curve through the points and "polygon" a tube
    outline already traced finely, both filled with the colour; "line" is an
    open curve drawn in the colour, "dashed" one drawn dashed in ink.
    """
    duodenum = _tube_outline(DUODENUM_LINE, DUODENUM_RADII, caps=(False, True))
    return [
        ("small_intestine", "polygon", _tube_outline(SMALL_INTESTINE_LINE, SMALL_INTESTINE_RADII),
         FILL_SMALL_INTESTINE, OUTLINE_PT),
        ("spleen", "smooth", SPLEEN, FILL_SPLEEN, OUTLINE_PT),
        ("stomach", "smooth", STOMACH, FILL_STOMACH, OUTLINE_PT),
        ("liver", "smooth", LIVER, FILL_LIVER, OUTLINE_PT),
        ("liver", "line", LIVER_LOBE_LINE, DETAIL_LIVER, DETAIL_PT),
        ("gallbladder", "smooth", GALLBLADDER, FILL_GALLBLADDER, OUTLINE_PT),
        ("bile_duct", "polygon", _tube_outline(CYSTIC_DUCT_LINE, CYSTIC_DUCT_RADII),
         FILL_BILE_DUCT, DUCT_OUTLINE_PT),
        ("bile_duct", "polygon", _tube_outline(BILE_DUCT_LINE, BILE_DUCT_RADII),
         FILL_BILE_DUCT, DUCT_OUTLINE_PT),
        # No cap at the stomach end: the cut edge draws the pyloric ring.
        ("duodenum", "polygon", duodenum, FILL_DUODENUM, OUTLINE_PT),
        ("pancreas", "smooth", PANCREAS, FILL_PANCREAS, PANCREAS_OUTLINE_PT),
        ("bile_duct", "dashed", BILE_DUCT_HIDDEN_LINE, None, DUCT_OUTLINE_PT),
    ]


def _centripetal(p0, p1, p2, p3, t):
    """Centripetal Catmull-Rom: no loops or overshoot where point spacing changes."""
    def knot(a, b):
        return max(math.dist(a, b) ** 0.5, 1e-6)

    t1 = knot(p0, p1)
    t2 = t1 + knot(p1, p2)
    t3 = t2 + knot(p2, p3)
    u = t1 + (t2 - t1) * t

    def mix(a, b, ta, tb):
        return tuple(((tb - u) * pa + (u - ta) * pb) / (tb - ta)
                     for pa, pb in zip(a, b, strict=True))

    a1, a2, a3 = mix(p0, p1, 0.0, t1), mix(p1, p2, t1, t2), mix(p2, p3, t2, t3)
    b1, b2 = mix(a1, a2, 0.0, t2), mix(a2, a3, t1, t3)
    return mix(b1, b2, t1, t2)


def _spline_neighbours(points, i, closed):
    count = len(points)
    if closed:
        return points[(i - 1) % count], points[i], points[(i + 1) % count], points[(i + 2) % count]
    return points[max(i - 1, 0)], points[i], points[i + 1], points[min(i + 2, count - 1)]


def _sample_spline(points, closed, steps=10):
    segments = len(points) if closed else len(points) - 1
    samples = []
    for i in range(segments):
        p0, p1, p2, p3 = _spline_neighbours(points, i, closed)
        samples.extend(_centripetal(p0, p1, p2, p3, k / steps) for k in range(steps))
    if not closed:
        samples.append(points[-1])
    return samples


def _tube_outline(points, radii, caps=(True, True)):
    """Offset both sides of a smooth centre line; round caps keep the ends soft."""
    centre = _sample_spline(points, closed=False, steps=12)
    steps_per_segment = 12
    widths = []
    for k in range(len(centre)):
        i, frac = divmod(k, steps_per_segment)
        if i >= len(radii) - 1:
            widths.append(radii[-1])
        else:
            widths.append(radii[i] + (radii[i + 1] - radii[i]) * frac / steps_per_segment)
    left, right = [], []
    for k, ((x, y), r) in enumerate(zip(centre, widths, strict=True)):
        xa, ya = centre[max(k - 1, 0)]
        xb, yb = centre[min(k + 1, len(centre) - 1)]
        length = math.hypot(xb - xa, yb - ya) or 1.0
        nx, ny = -(yb - ya) / length, (xb - xa) / length
        left.append((x + nx * r, y + ny * r))
        right.append((x - nx * r, y - ny * r))
    outline = list(left)
    if caps[1]:
        outline.extend(_cap(centre[-1], centre[-2], widths[-1]))
    outline.extend(reversed(right))
    if caps[0]:
        outline.extend(_cap(centre[0], centre[1], widths[0]))
    return outline


def _cap(end, neighbour, radius):
    """Half circle round a tube end, from its left side to its right side."""
    heading = math.atan2(end[1] - neighbour[1], end[0] - neighbour[0])
    return [
        (end[0] + radius * math.cos(heading + math.pi / 2 - math.pi * k / 12),
         end[1] + radius * math.sin(heading + math.pi / 2 - math.pi * k / 12))
        for k in range(1, 12)
    ]


class _Silhouette:
    """Answers: how far in from each side is the art free at a given height?"""

    def __init__(self, organs):
        points = [p for _, shape in _filled_outlines(organs) for p in shape]
        points.sort(key=lambda p: p[1])
        self._ys = [p[1] for p in points]
        self._xs = [p[0] for p in points]
        self.left = min(self._xs)
        self.right = max(self._xs)
        self.bottom = self._ys[0]
        self.top = self._ys[-1]

    def extent(self, y_low: float, y_high: float) -> tuple[float, float] | None:
        """Leftmost and rightmost art x between two heights, or None if nothing is there."""
        xs = self._xs[bisect_left(self._ys, y_low):bisect_right(self._ys, y_high)]
        return (min(xs), max(xs)) if xs else None


def _filled_outlines(organs):
    """(part, finely traced outline) for every filled shape, back to front."""
    return [(part, _smooth_samples(points) if kind == "smooth" else points)
            for part, kind, points, *_ in organs if kind in ("smooth", "polygon")]


# --- labels ---------------------------------------------------------------


def _best_layout(width, height, texts, font_name, font_size, silhouette) -> _Layout:
    """Biggest, tidiest organs for the requested type size; smaller type only as a last resort."""
    size = font_size
    while True:
        best, best_score = None, 0.0
        tried = []
        for share, cut_words in WRAP_OPTIONS:
            soft = math.inf if share is None else share * width
            lines = {part: _wrap(text, font_name, size, soft, HARD_WRAP_SHARE * width, cut_words)
                     for part, text in texts.items()}
            if lines in tried:
                continue
            tried.append(lines)
            blocks = {
                part: (part_lines, max(stringWidth(line, font_name, size) for line in part_lines))
                for part, part_lines in lines.items()
            }
            extra_lines = sum(len(part_lines) - 1 for part_lines in lines.values())
            cuts = sum(line.endswith("-") for part_lines in lines.values() for line in part_lines)
            for aligned in ((True, True), (True, False), (False, True), (False, False)):
                layout = _largest_fit(width, height, blocks, size, silhouette, aligned)
                if layout is None:
                    continue
                score = (layout.scale * ALIGNED_BONUS ** sum(aligned)
                         * WRAP_COST ** extra_lines * HYPHEN_COST ** cuts)
                if score > best_score:
                    best, best_score = layout, score
        art_width = best.scale * (silhouette.right - silhouette.left) if best else 0.0
        if best and (art_width >= MIN_ART_SHARE * width or size <= MIN_FONT_SIZE):
            return best
        if size <= MIN_FONT_SIZE:
            # Even the smallest type cannot share the width; show the organs alone.
            return _largest_fit(width, height, {}, size, silhouette, (True, True))
        size = max(MIN_FONT_SIZE, size - 0.5)


def _largest_fit(width, height, blocks, size, silhouette, aligned) -> _Layout | None:
    """Search for the largest art scale at which every label still fits.

    blocks maps part -> (lines, width of the widest line).
    """
    top = min((width - 2 * EDGE_PT) / (silhouette.right - silhouette.left),
              (height - 2 * EDGE_PT) / (silhouette.top - silhouette.bottom))
    best = _try_scale(top, width, height, blocks, size, silhouette, aligned)
    low, high = 0.0, top
    for _ in range(0 if best else 16):
        mid = (low + high) / 2
        layout = _try_scale(mid, width, height, blocks, size, silhouette, aligned)
        if layout:
            best, low = layout, mid
        else:
            high = mid
    return best


def _label_gap(size: float) -> float:
    return 0.45 * size


def _side_gap(size: float) -> float:
    """Room between a label and the nearest organ, where its leader line starts."""
    return 1.2 * size


def _try_scale(scale, width, height, blocks, size, silhouette, aligned) -> _Layout | None:
    """Place the labels for one art scale, or None if they do not fit.

    aligned says, for the left and the right margin, whether its labels share
    one inner edge (tidy) or each hugs the organs at its own height (roomy).
    """
    if scale <= 0:
        return None
    leading = 1.2 * size
    y0 = (height - (silhouette.top + silhouette.bottom) * scale) / 2
    labels = [
        _Label(part=part, lines=part_lines, width=text_width,
               side=ANCHORS[part][0], anchors=ANCHORS[part][1])
        for part, (part_lines, text_width) in blocks.items()
    ]
    for side in ("left", "right"):
        if not _stack([lb for lb in labels if lb.side == side], y0, scale, height, leading, size):
            return None

    gap = _side_gap(size)
    clearance = 0.25 * size / scale
    reach = {}
    for label in labels:
        block = len(label.lines) * leading
        extent = silhouette.extent((label.center - block / 2 - y0) / scale - clearance,
                                   (label.center + block / 2 - y0) / scale + clearance)
        # Where nothing is drawn at a label's height it still keeps clear of the art's box.
        reach[label.part] = extent or (silhouette.left, silhouette.right)
    # A slot is the room a label claims beside the art: as wide as its text, or
    # in an aligned margin as wide as the widest text there, all at one edge.
    slot = {lb.part: lb.width for lb in labels}
    left = [lb for lb in labels if lb.side == "left"]
    right = [lb for lb in labels if lb.side == "right"]
    if aligned[0] and left:
        inner = min(reach[lb.part][0] for lb in left)
        widest = max(lb.width for lb in left)
        for lb in left:
            reach[lb.part], slot[lb.part] = (inner, reach[lb.part][1]), widest
    if aligned[1] and right:
        inner = max(reach[lb.part][1] for lb in right)
        widest = max(lb.width for lb in right)
        for lb in right:
            reach[lb.part], slot[lb.part] = (reach[lb.part][0], inner), widest

    # The art may slide sideways between the tightest label on each side.
    lowest_x0 = max([EDGE_PT - silhouette.left * scale]
                    + [TEXT_EDGE_PT + slot[lb.part] + gap - reach[lb.part][0] * scale
                       for lb in left])
    highest_x0 = min([width - EDGE_PT - silhouette.right * scale]
                     + [width - TEXT_EDGE_PT - slot[lb.part] - gap - reach[lb.part][1] * scale
                        for lb in right])
    if lowest_x0 > highest_x0 + 1e-9:
        return None
    x0 = (lowest_x0 + highest_x0) / 2

    for label in labels:
        # Text sits on the organ side of its slot, so leaders start in a tidy line.
        if label.side == "left":
            label.x = x0 + reach[label.part][0] * scale - gap - label.width
        else:
            label.x = x0 + reach[label.part][1] * scale + gap

    layout = _Layout(size=size, scale=scale, x0=x0, y0=y0, labels=labels)
    if _leaders_cross_labels(layout):
        return None
    return layout


def _stack(labels, y0, scale, height, leading, size) -> bool:
    """Set each label as near its organ's height as it can go without touching a neighbour.

    Shifting each label by the room the ones above it need turns "no overlap"
    into "never rising downwards", so pooling adjacent violators gives the
    closest fit. Returns False when the column is taller than the drawing.
    """
    if not labels:
        return True
    for label in labels:
        label.anchor = label.anchors[0]
    labels.sort(key=lambda lb: -lb.anchor[1])
    heights = [len(lb.lines) * leading for lb in labels]
    offsets = [0.0]
    for above, below in zip(heights, heights[1:], strict=False):
        offsets.append(offsets[-1] + (above + below) / 2 + _label_gap(size))
    top_limit = height - TEXT_EDGE_PT - heights[0] / 2
    bottom_limit = TEXT_EDGE_PT + offsets[-1] + heights[-1] / 2
    if bottom_limit > top_limit + 1e-9:
        return False

    pools: list[list[float]] = []  # running [weighted sum, weight, count] of merged labels
    for label, offset in zip(labels, offsets, strict=True):
        weight = LABEL_WEIGHTS.get(label.part, 1.0)
        pools.append([(y0 + label.anchor[1] * scale + offset) * weight, weight, 1])
        while len(pools) > 1 and pools[-2][0] / pools[-2][1] < pools[-1][0] / pools[-1][1]:
            total, weight, count = pools.pop()
            pools[-1][0] += total
            pools[-1][1] += weight
            pools[-1][2] += count
    fitted = [total / weight for total, weight, count in pools for _ in range(count)]
    for label, value, offset in zip(labels, fitted, offsets, strict=True):
        label.center = min(max(value, bottom_limit), top_limit) - offset
    return True


def _leader_ends(label: _Label, layout: _Layout) -> tuple[tuple[float, float], tuple[float, float]]:
    size = layout.size
    leading = 1.2 * size
    top = label.center + len(label.lines) * leading / 2
    first, last = top - size, top - size - (len(label.lines) - 1) * leading
    # Aim from the middle of the letters, not of the line box with its descender room.
    y = (first + 0.7 * size + last) / 2
    pad = 0.3 * size
    x = label.x + label.width + pad if label.side == "left" else label.x - pad
    return (x, y), layout.point(*label.anchor)


def _label_box(label: _Label, layout: _Layout) -> tuple[float, float, float, float]:
    block = len(label.lines) * 1.2 * layout.size
    return label.x, label.center - block / 2, label.x + label.width, label.center + block / 2


def _leaders_cross_labels(layout: _Layout) -> bool:
    """Does any leader line run through another label or cross another leader?"""
    leaders = [(label, *_leader_ends(label, layout)) for label in layout.labels]
    for i, (label, start, end) in enumerate(leaders):
        for other in layout.labels:
            if other is not label and _segment_hits_box(start, end, _label_box(other, layout)):
                return True
        for _, other_start, other_end in leaders[i + 1:]:
            if _segments_cross(start, end, other_start, other_end):
                return True
    return False


def _segments_cross(a, b, c, d) -> bool:
    def turn(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return turn(a, b, c) * turn(a, b, d) < 0 and turn(c, d, a) * turn(c, d, b) < 0


def _segment_hits_box(start, end, box) -> bool:
    """Liang-Barsky clipping: does the segment pass through the rectangle?"""
    x_min, y_min, x_max, y_max = box
    (x1, y1), (x2, y2) = start, end
    dx, dy = x2 - x1, y2 - y1
    t_in, t_out = 0.0, 1.0
    for p, q in ((-dx, x1 - x_min), (dx, x_max - x1), (-dy, y1 - y_min), (dy, y_max - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t_in = max(t_in, t)
        else:
            t_out = min(t_out, t)
        if t_in > t_out:
            return False
    return True


def _wrap(text, font_name, size, soft_width, hard_width, cut_words=False) -> list[str]:
    """Fewest lines no wider than soft_width (or the longest word), evenly filled.

    A word wider than hard_width is cut into pieces with hyphens; with
    cut_words a word wider than soft_width is cut into two even halves.
    """
    def width_of(word):
        return stringWidth(word, font_name, size)

    words: list[str] = []
    for word in text.split():
        if width_of(word) > hard_width:
            words.extend(_cut_word(word, width_of, hard_width))
        elif cut_words and width_of(word) > soft_width and len(word) >= 8:
            words.extend(_halve_word(word, width_of))
        else:
            words.append(word)
    limit = max(min(soft_width, hard_width), max(width_of(word) for word in words))
    for count in range(1, len(words) + 1):
        lines = _even_lines(words, count, width_of)
        if lines and max(width_of(line) for line in lines) <= limit:
            return lines
    return words


def _even_lines(words, count, width_of) -> list[str] | None:
    """Split words into count lines with the narrowest widest line, or None if impossible.

    Even lines read better than a full first line and an orphan word; a line
    must end after a hyphenated piece.
    """
    def line_of(i, j):
        if any(word.endswith("-") for word in words[i:j - 1]):
            return None
        return " ".join(words[i:j])

    @cache
    def best(start, lines_left):
        if lines_left == 1:
            line = line_of(start, len(words))
            return None if line is None else (width_of(line), (line,))
        result = None
        for end in range(start + 1, len(words) - lines_left + 2):
            line, rest = line_of(start, end), best(end, lines_left - 1)
            if line is None or rest is None:
                continue
            candidate = (max(width_of(line), rest[0]), (line, *rest[1]))
            if result is None or candidate[0] < result[0]:
                result = candidate
        return result

    found = best(0, count)
    return list(found[1]) if found else None


def _cut_word(word, width_of, limit) -> list[str]:
    pieces: list[str] = []
    rest = word
    while len(rest) > 1 and width_of(rest) > limit:
        fitting = [i for i in range(1, len(rest)) if width_of(rest[:i] + "-") <= limit] or [1]
        longest = fitting[-1]
        # Within the last third of what fits, cut where a syllable is likeliest to end.
        near_end = [i for i in fitting if i >= longest * 2 / 3 and _good_cut(rest, i)]
        cut = near_end[-1] if near_end else longest
        pieces.append(rest[:cut] + "-")
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def _halve_word(word, width_of) -> list[str]:
    # Even halves read better than a full line and a stub; at least four letters
    # stay on each side, and a cut between syllables beats a perfectly even one.
    def unevenness(i):
        penalty = 0.0 if _good_cut(word, i) else width_of(word) / 4
        return abs(width_of(word[:i] + "-") - width_of(word[i:])) + penalty

    cut = min(range(4, len(word) - 3), key=unevenness)
    return [word[:cut] + "-", word[cut:]]


def _good_cut(word: str, i: int) -> bool:
    """A rough syllable break: between two consonants that are not a known pair."""
    vowels = "aeiouyäöüàáâãåèéêëìíîïòóôõùúûæøœ"
    before, after = word[i - 1].lower(), word[i].lower()
    if not (before.isalpha() and after.isalpha()) or before in vowels or after in vowels:
        return False
    return word[i - 1:i + 1].lower() not in ("ch", "ck", "sh", "th", "ph", "gh", "qu", "sc")


def _choose_anchors(layout: _Layout, organs) -> None:
    """Pick, per label, the anchor whose leader crosses the least of other organs."""
    filled = _filled_outlines(organs)[::-1]  # front first: the first hit is the organ seen

    def seen_part(x, y):
        return next((part for part, polygon in filled if _inside(polygon, x, y)), None)

    def crossing(label) -> int:
        start, _ = _leader_ends(label, layout)
        art_start = ((start[0] - layout.x0) / layout.scale, (start[1] - layout.y0) / layout.scale)
        steps = max(int(math.dist(art_start, label.anchor) * 2), 2)
        points = (
            [a + (b - a) * k / steps for a, b in zip(art_start, label.anchor, strict=True)]
            for k in range(steps)
        )
        return sum(seen_part(x, y) not in (None, label.part) for x, y in points)

    for label in layout.labels:
        best, best_cost = label.anchors[0], math.inf
        for anchor in label.anchors:
            label.anchor = anchor
            if _leaders_cross_labels(layout):
                continue
            cost = crossing(label)
            if cost < best_cost:
                best, best_cost = anchor, cost
            if cost == 0:
                break
        label.anchor = best


def _inside(polygon, x, y) -> bool:
    inside = False
    x1, y1 = polygon[-1]
    for x2, y2 in polygon:
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
        x1, y1 = x2, y2
    return inside


# --- painting -------------------------------------------------------------


def _organ_group(organs, layout: _Layout, ink: Color) -> Group:
    group = Group()
    for _, kind, points, fill, stroke_width in organs:
        placed = [layout.point(*p) for p in points]
        if kind == "smooth":
            group.add(_smooth_path(placed, HexColor(fill), ink, stroke_width))
        elif kind == "polygon":
            group.add(_polygon_path(placed, HexColor(fill), ink, stroke_width))
        else:
            colour = ink if kind == "dashed" else HexColor(fill)
            path = _open_path(placed, colour, stroke_width)
            if kind == "dashed":
                path.strokeDashArray = [2.4, 2.0]
            group.add(path)
    return group


def _bezier_segments(points, closed):
    """Catmull-Rom segments through the points, as cubic Bezier control points."""
    segments = len(points) if closed else len(points) - 1
    for i in range(segments):
        p0, p1, p2, p3 = _spline_neighbours(points, i, closed)
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        yield c1, c2, p2


def _smooth_samples(points, steps=10):
    """Points along the closed curve exactly as _smooth_path draws it."""
    samples = []
    start = points[0]
    for c1, c2, end in _bezier_segments(points, closed=True):
        for k in range(steps):
            t = k / steps
            samples.append(tuple(
                (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t * t * c + t ** 3 * d
                for a, b, c, d in zip(start, c1, c2, end, strict=True)
            ))
        start = end
    return samples


def _smooth_path(points, fill, stroke, stroke_width) -> Path:
    path = Path(fillColor=fill, strokeColor=stroke, strokeWidth=stroke_width, strokeLineJoin=1)
    path.moveTo(*points[0])
    for c1, c2, end in _bezier_segments(points, closed=True):
        path.curveTo(*c1, *c2, *end)
    path.closePath()
    return path


def _open_path(points, stroke, stroke_width) -> Path:
    path = Path(fillColor=None, strokeColor=stroke, strokeWidth=stroke_width, strokeLineCap=1)
    path.moveTo(*points[0])
    for c1, c2, end in _bezier_segments(points, closed=False):
        path.curveTo(*c1, *c2, *end)
    return path


def _polygon_path(points, fill, stroke, stroke_width) -> Path:
    path = Path(fillColor=fill, strokeColor=stroke, strokeWidth=stroke_width, strokeLineJoin=1)
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.closePath()
    return path


def _label_group(label: _Label, layout: _Layout, font_name: str, ink: Color) -> Group:
    group = Group()
    size = layout.size
    leading = 1.2 * size
    top = label.center + len(label.lines) * leading / 2
    if label.side == "left":
        text_x, text_anchor = label.x + label.width, "end"
    else:
        text_x, text_anchor = label.x, "start"
    for i, line in enumerate(label.lines):
        group.add(String(text_x, top - size - i * leading, line, fontName=font_name,
                         fontSize=size, fillColor=ink, textAnchor=text_anchor))
    start, end = _leader_ends(label, layout)
    group.add(Line(*start, *end, strokeColor=ink, strokeWidth=LEADER_PT, strokeLineCap=1))
    group.add(Circle(*end, ANCHOR_DOT_PT, fillColor=ink, strokeColor=white, strokeWidth=0.6))
    return group
