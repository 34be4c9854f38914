"""An SVG picture from the assets folder -> checked as untrusted input -> a Drawing in our fonts.

An SVG is XML, and XML can do much more than draw: expand entities into gigabytes, read local
files and web addresses, run scripts, pull in style sheets and fonts. So the file is read here,
by lxml with a parser that expands nothing and loads nothing, and checked before anything else
sees it:
- no DOCTYPE and no entities at all (drawing programs do not need them);
- no <script>, <foreignObject>, event attributes (onclick=...) or XInclude;
- every reference (href, xlink:href, CSS url()) points inside the file itself ("#id"), with
  one exception: an <image> may embed a small PNG or JPEG as a base64 `data:` address, checked
  like a picture file (size first, then decoded once). References to other files are refused
  even inside the assets folder: a picture is then exactly one file, which keeps the cache,
  the incremental build and this check simple and complete;
- no CSS @import or @font-face;
- limits on the file size, the number of elements, their nesting, how many shapes <use> copies
  can make, and the drawing's size and proportions.
Only the checked tree is handed to svglib's renderer, never the file's path, so svglib itself
never opens a file. Foreign elements (an editor's own metadata) are dropped first.

Text is drawn in the handout's fonts whatever font the SVG names (bold stays bold), switching to
the fallback face for characters the body face lacks; a character no bundled font can draw is a
content error. `labels` translate a picture without editing it: each key is the id of a <text>
or <tspan> whose words are replaced.
"""

from __future__ import annotations

import base64
import bisect
import copy
import hashlib
import logging
import math
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Callable

import tinycss2
from lxml import etree
from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..content.assets import MAX_PIXELS, MAX_SIDE, MAX_SVG_BYTES, Asset, decodes, image_size
from ..content.errors import Problems, did_you_mean
from .markup import describe, font_runs, unprintable
from .styles import BODY, BODY_BOLD, register_fonts

# svglib reports what it skips through logging; with no handler Python would print those
# lines on stderr, between our own one-line problems.
logging.getLogger("svglib").addHandler(logging.NullHandler())

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XINCLUDE_NS = "http://www.w3.org/2001/XInclude"

MAX_ELEMENTS = 20_000
MAX_DEPTH = 50
MAX_DRAWN = 50_000          # shapes after every <use> copy is made
MAX_EMBEDDED_BYTES = 500_000
MAX_UNITS = 100_000         # the drawing's width or height, in SVG units (px)
MAX_ASPECT = 20             # how many times wider than tall (or taller than wide)
MAX_REPORTED = 10           # problems reported per file: the first ones say what to fix

_FORBIDDEN = {
    "script": "a <script> element runs a program",
    "handler": "a <handler> element runs a program",
    "foreignObject": "a <foreignObject> element holds web-page content",
    "iframe": "an <iframe> element loads another page",
    "object": "an <object> element loads another file",
    "embed": "an <embed> element loads another file",
    "audio": "an <audio> element loads another file",
    "video": "a <video> element loads another file",
}
_TEXT_ELEMENTS = {"text", "tspan"}
_UNITS_PX = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54,
             "in": 96.0}
_LENGTH = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z%]*)\s*\Z")
_DATA_IMAGE = re.compile(r"data:image/(png|jpe?g);base64,(.*)\Z", re.S | re.I)
_FRAGMENT = re.compile(r"#[^\s#]+\Z")
_DECLARATION = re.compile(r"<!(DOCTYPE|ENTITY)", re.I)
_CSS_LOADS = {"image", "image-set", "-webkit-image-set", "cross-fade", "element", "src"}
# Where each start tag is in the text: skipping comments, CDATA and processing instructions,
# the n-th match is the n-th element in document order.
_MARKUP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<([^\s/>!?][^\s/>]*)", re.S)


class PictureError(Exception):
    """An SVG that fails its checks reached svg_drawing: call check_svg first and stop on its
    errors (the message is the first problem, located)."""


FontForText = Callable[[str, bool], list[tuple[str, str]]]


# ---- the public API -----------------------------------------------------------------------------

def check_svg(asset: Asset, labels: dict, problems: Problems, at) -> None:
    """Check an SVG picture and its labels; report every problem.

    Problems inside the SVG point at the SVG file's own line and column; a label problem points
    at the label in the content (`labels` is a located mapping from content: keys are ids,
    values the words to print); a file that cannot be read at all points at `at`, the located
    value that names the file.
    """
    root = _prepare(_read(asset, problems, at), asset.shown, labels, problems, at)
    if root is None:
        return
    try:  # converted once now, so a drawing svglib cannot convert is found before any writing
        drawing = _convert(root)
    except Exception as e:  # svglib on a file no check foresaw: the file's fault, said plainly
        problems.error(asset.shown, 1, 0, f"the drawing cannot be converted ({type(e).__name__}:"
                       f" {e}); open it in a drawing program and save it again as plain SVG")
        return
    _check_fit(drawing, labels, problems, asset.shown, at)


def svg_drawing(asset: Asset, labels: dict[str, str], width: float,
                font_for_text: FontForText = font_runs) -> Drawing:
    """The checked SVG, labels applied, as a Drawing `width` points wide (aspect kept).

    `font_for_text(text, bold)` splits text into (registered font name, run) pairs; the
    default uses the body face and the fallback face. Each (file content, labels, width,
    font_for_text) is converted once per process; every call returns its own copy, so a
    caller may change it. Raises PictureError if the file does not pass check_svg.
    """
    problems = Problems()
    data = _read(asset, problems, None)
    if data is None:
        raise PictureError(str(problems.sorted()[0]))
    plain = tuple(sorted((str(k), str(v)) for k, v in labels.items()))
    key = (hashlib.sha256(data).hexdigest(), plain, float(width), font_for_text)
    if key not in _CACHE:
        root = _prepare(data, asset.shown, dict(plain), problems, None)
        if root is None or problems.errors:
            raise PictureError(str(problems.sorted()[0]))
        _CACHE[key] = _scaled(_render(root, font_for_text), width)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(key)
    return copy.deepcopy(_CACHE[key])


_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 64


# ---- reading and checking -----------------------------------------------------------------------

def _read(asset: Asset, problems: Problems, at) -> bytes | None:
    """The file's bytes, read with its size bounded (it may have changed since find_asset)."""
    try:
        with open(asset.path, "rb") as f:
            data = f.read(MAX_SVG_BYTES + 1)
    except OSError as e:
        _report_at(problems, at, asset.shown, f"cannot read '{asset.shown}' ({e.strerror})")
        return None
    if len(data) > MAX_SVG_BYTES:
        _report_at(problems, at, asset.shown, f"'{asset.shown}' is over "
                   f"{MAX_SVG_BYTES // 1_000_000} MB; simplify the drawing, or save it as a "
                   "plain SVG without embedded pictures")
        return None
    return data


def _report_at(problems: Problems, at, shown: str, message: str) -> None:
    if getattr(at, "mark", None) is not None:
        problems.at(at, message)
    else:
        problems.error(shown, 1, 0, message)


class _Source:
    """The SVG's text, to say where an element, attribute or character is: line and column."""

    def __init__(self, shown: str, text: str, problems: Problems):
        self.shown, self.text, self.problems = shown, text, problems
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.tag_offsets = [m.start() for m in _MARKUP.finditer(text) if m.group(1)]
        self.index: dict[int, int] = {}  # id(element) -> its place in document order
        self.reported = 0

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def offset_of(self, element, attribute: str | None = None, char: str | None = None):
        place = self.index.get(id(element))
        if place is None or place >= len(self.tag_offsets):
            return None
        start = self.tag_offsets[place]
        if attribute:
            found = re.compile(rf"\s{re.escape(attribute)}\s*=").search(self.text, start)
            return found.start() + 1 if found else start
        if char:
            found = self.text.find(char, start)
            return found if found >= 0 else start
        return start

    def error(self, element, message: str, attribute: str | None = None,
              char: str | None = None) -> None:
        self.reported += 1
        if self.reported > MAX_REPORTED:
            return
        offset = None if element is None else self.offset_of(element, attribute, char)
        if offset is None:
            line, col = (getattr(element, "sourceline", None) or 1), 0
        else:
            line, col = self.position(offset)
        self.problems.error(self.shown, line, col, message)

    def error_at_offset(self, offset: int, message: str) -> None:
        self.reported += 1
        line, col = self.position(offset)
        self.problems.error(self.shown, line, col, message)


def _prepare(data: bytes | None, shown: str, labels: dict, problems: Problems, at):
    """Check the SVG and its labels; return the cleaned tree with the labels applied, or None
    when anything is wrong (every problem reported)."""
    if data is None:
        return None
    before = len(problems.errors)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        problems.error(shown, 1, 0, f"this is not an SVG drawing (byte {e.start + 1} is not "
                       "text in UTF-8); save the drawing again as plain SVG")
        return None
    source = _Source(shown, text, problems)
    declaration = _DECLARATION.search(text)
    if declaration:  # refused before the parser sees it: no DTD is ever read
        source.error_at_offset(declaration.start(), f"the SVG has a <!{declaration[1]}> "
                               "declaration, which a picture may not have (it can expand to "
                               "gigabytes or read other files); delete it, or save the "
                               "drawing again as plain SVG")
        return None
    root = _parse(data, source)
    if root is None:
        return None
    elements = list(root.iter(etree.Element))
    source.index = {id(el): place for place, el in enumerate(elements)}
    source.keep_alive = elements  # ids stay valid while the elements live
    if etree.QName(root).localname != "svg" or etree.QName(root).namespace not in (SVG_NS, None):
        source.error(root, f"this is not an SVG drawing (it starts with "
                     f"<{etree.QName(root).localname}>, not <svg>); save the drawing again as SVG")
        return None
    if len(elements) > MAX_ELEMENTS:
        source.error(root, f"the drawing has {len(elements):,} elements, more than the "
                     f"{MAX_ELEMENTS:,} a picture may have; simplify it in the drawing program")
        return None
    texts, ids = _walk(root, source)
    if source.reported:
        return None
    _check_size(root, source)
    _check_copies(root, ids, source)
    labelled = _apply_labels(texts, ids, labels, problems, shown, at)
    _check_text(root, texts, labelled, labels, source, problems)
    return None if len(problems.errors) > before else root


def _parse(data: bytes, source: _Source):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, dtd_validation=False, remove_comments=True,
                             collect_ids=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        line, col = e.position if e.position else (e.lineno or 1, 0)
        what = re.sub(r", line \d+, column \d+\Z", "", e.msg or "").strip()
        source.problems.error(source.shown, line or 1, col, f"this is not a readable SVG "
                              f"drawing ({what}); save the drawing again as plain SVG")
        return None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:  # a second lock
        source.error(root, "the SVG has a DOCTYPE declaration, which a picture may not have; "
                     "save the drawing again as plain SVG")
        return None
    return root


def _walk(root, source: _Source):
    """Check every node; collect the text elements and ids; drop editors' foreign elements."""
    texts: dict[str, object] = {}
    ids: dict[str, object] = {}
    foreign = []
    dropped: set[int] = set()
    for node in root.iter():
        if foreign and any(id(a) in dropped for a in node.iterancestors()):
            continue  # inside an editor's element: dropped below, never drawn
        if isinstance(node, etree._Entity):
            source.error(node.getparent(), f"the SVG uses the entity {node.text}, which a "
                         "picture may not; write the character itself")
            continue
        if isinstance(node, etree._ProcessingInstruction):
            if node.target.lower() == "xml-stylesheet":
                source.error(node.getparent(), "the SVG loads a style sheet "
                             "(<?xml-stylesheet?>); delete that line")
            continue
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node)
        if _depth(node) > MAX_DEPTH:
            source.error(node, f"the drawing nests groups more than {MAX_DEPTH} deep; "
                         "ungroup some parts in the drawing program")
            return texts, ids
        if name.namespace == XINCLUDE_NS:
            source.error(node, "the SVG includes another file (XInclude), which a picture may "
                         "not; delete that element")
            continue
        if name.namespace not in (SVG_NS, None):
            foreign.append(node)
            dropped.add(id(node))
            continue
        if name.localname in _FORBIDDEN:
            source.error(node, f"{_FORBIDDEN[name.localname]}, which a picture may not have; "
                         "delete it in the drawing program")
            continue
        _check_attributes(node, name.localname, source)
        if name.localname == "style":
            _check_css(node.text or "", node, source, stylesheet=True)
        node_id = node.get("id")
        if node_id:
            ids.setdefault(node_id, node)
            if name.localname in _TEXT_ELEMENTS:
                texts.setdefault(node_id, node)
    for node in foreign:  # an editor's metadata and settings: never drawn, never read
        node.getparent().remove(node)
    return texts, ids


def _depth(node) -> int:
    return sum(1 for _ in node.iterancestors())


def _check_attributes(node, element: str, source: _Source) -> None:
    for qualified, value in node.attrib.items():
        name = etree.QName(qualified)
        shown = _attribute_name(node, qualified)
        if name.localname.lower().startswith("on"):
            source.error(node, f"the attribute {shown} runs a program when the picture is "
                         "shown, which a picture may not; delete it", attribute=shown)
        elif name.localname == "href":  # in any namespace: a renderer may not be as strict
            _check_reference(node, element, qualified, shown, value, source)
        elif "(" in value or "\\" in value:
            _check_css(value, node, source, attribute=shown)


def _attribute_name(node, qualified: str) -> str:
    name = etree.QName(qualified)
    if name.namespace:
        prefix = next((p for p, ns in node.nsmap.items() if ns == name.namespace and p), None)
        if name.namespace == "http://www.w3.org/XML/1998/namespace":
            prefix = "xml"
        if prefix:
            return f"{prefix}:{name.localname}"
    return name.localname


def _check_reference(node, element: str, qualified: str, shown: str, value: str,
                     source: _Source) -> None:
    target = value.strip()
    if _FRAGMENT.match(target):
        return
    embedded = _DATA_IMAGE.match(target)
    if embedded and element == "image":
        clean = _embedded_image(embedded, node, shown, source)
        if clean:
            node.set(qualified, clean)
        return
    if target.lower().startswith("data:"):
        why = ("only an <image> may embed a picture, and only a PNG or JPEG written as "
               "data:image/png;base64,...")
    elif re.match(r"[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
        why = "a picture may not load anything from an address"
    else:
        why = "a picture may not use other files, even inside the assets folder"
    source.error(node, f"{shown}=\"{_short(target)}\" refers to something outside this SVG, "
                 f"and {why}; keep the part inside the drawing (href=\"#id\") or embed the "
                 "picture when saving the SVG", attribute=shown)


def _embedded_image(match, node, shown: str, source: _Source) -> str | None:
    """A data: PNG or JPEG, checked like a picture file; returns the address svglib expects."""
    declared = "jpeg" if match[1].lower() in ("jpg", "jpeg") else "png"
    payload = re.sub(r"\s+", "", match[2])
    if len(payload) * 3 // 4 > MAX_EMBEDDED_BYTES:
        source.error(node, f"the picture embedded in {shown} is over "
                     f"{MAX_EMBEDDED_BYTES // 1000} kB; use a smaller picture",
                     attribute=shown)
        return None
    try:
        data = base64.b64decode(payload, validate=True)
    except ValueError:
        source.error(node, f"the picture embedded in {shown} is damaged (not valid base64); "
                     "embed it again", attribute=shown)
        return None
    found = image_size(data)
    if found is None or found[0] != declared:
        source.error(node, f"the picture embedded in {shown} is not the {declared.upper()} "
                     "image it says it is; embed it again as PNG or JPEG", attribute=shown)
        return None
    _, width, height = found
    if not width or not height or width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        source.error(node, f"the picture embedded in {shown} is {width} x {height} pixels, "
                     "which cannot be used; embed a copy at most 4096 pixels on each side",
                     attribute=shown)
        return None
    if not decodes(data):
        source.error(node, f"the picture embedded in {shown} is damaged; embed it again",
                     attribute=shown)
        return None
    return f"data:image/{declared};base64,{payload}"


def _check_css(css: str, node, source: _Source, attribute: str | None = None,
               stylesheet: bool = False) -> None:
    """Refuse CSS that loads anything: @import, @font-face, url() to outside the file."""
    if stylesheet:
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        tokens = []
        for rule in rules:
            if rule.type == "at-rule" and rule.lower_at_keyword in ("import", "font-face"):
                what = ("@import loads another style sheet" if rule.lower_at_keyword == "import"
                        else "@font-face brings a font of its own (text is drawn in the "
                        "handout's fonts)")
                source.error(node, f"the SVG's style uses {what}, which a picture may not; "
                             "delete that rule", char="@")
                continue
            tokens += list(getattr(rule, "prelude", None) or [])
            tokens += list(getattr(rule, "content", None) or [])
    else:
        tokens = tinycss2.parse_component_value_list(css, skip_comments=True)
    for token in _flatten(tokens):
        target = None
        if token.type == "url":
            target = token.value
        elif token.type == "function" and token.lower_name == "url":
            target = next((t.value for t in token.arguments if t.type == "string"), "")
        elif token.type == "function" and token.lower_name in _CSS_LOADS:
            target = ""  # these load a picture whatever they are given
        if target is not None and not _FRAGMENT.match(target.strip()):
            where = f"{attribute}=" if attribute else "style"
            call = (f"url({_short(target)})" if token.type == "url" or token.lower_name == "url"
                    else f"{token.lower_name}(...)")
            source.error(node, f"the SVG's {where} uses {call}, which refers to something "
                         "outside this SVG; a picture may only refer to its own parts, as "
                         "url(#id)", attribute=attribute)


def _flatten(tokens):
    for token in tokens:
        yield token
        inner = getattr(token, "arguments", None) or getattr(token, "content", None)
        if isinstance(inner, list):
            yield from _flatten(inner)


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _check_size(root, source: _Source) -> None:
    """A size the page can use: positive, finite, not absurd, proportions not absurd."""
    box = None
    if root.get("viewBox") is not None:
        try:
            box = [float(v) for v in root.get("viewBox").replace(",", " ").split()]
        except ValueError:
            box = []
        if len(box) != 4 or not all(math.isfinite(v) for v in box) or box[2] <= 0 or \
                box[3] <= 0 or max(box[2], box[3]) > MAX_UNITS:
            source.error(root, f"the drawing's viewBox=\"{_short(root.get('viewBox'))}\" is not "
                         "a usable size (four numbers: left, top, width, height; width and "
                         f"height above 0 and at most {MAX_UNITS:,}); fix the drawing's size",
                         attribute="viewBox")
            return
        box = box[2:]
    size = []
    for name in ("width", "height"):
        value = root.get(name)
        if value is None:
            continue
        match = _LENGTH.match(value)
        unit = match[2].lower() if match else None
        if match and unit not in _UNITS_PX and box:
            del root.attrib[name]  # 100% or 10em: the viewBox gives the proportions
            continue
        number = float(match[1]) * _UNITS_PX[unit] if match and unit in _UNITS_PX else None
        if number is None or not math.isfinite(number) or number <= 0 or number > MAX_UNITS:
            source.error(root, f"the drawing's {name}=\"{_short(value)}\" is not a usable size "
                         f"(a number above 0 and at most {MAX_UNITS:,} px, in px, pt, mm, cm "
                         "or in); fix the drawing's size", attribute=name)
            return
        size.append(number)
    if len(size) == 2:
        box = size
    if not box:
        source.error(root, "the drawing has no size; give its <svg> a viewBox (or a width and "
                     "a height) in the drawing program")
        return
    ratio = max(box[0] / box[1], box[1] / box[0])
    if ratio > MAX_ASPECT:
        long, short = ("wide", "tall") if box[0] > box[1] else ("tall", "wide")
        source.error(root, f"the drawing is {ratio:.0f} times as {long} as it is {short}, too "
                     "thin to print; fix the drawing's size")


def _check_copies(root, ids: dict, source: _Source) -> None:
    """<use> copies parts; copies of copies grow as fast as entities do: count what is drawn."""
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def drawn(node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in busy or depth > 2 * MAX_DEPTH:
            raise _CopyLoop(node)
        busy.add(key)
        count = 1
        for child in node.iterchildren(etree.Element):
            count += drawn(child, depth + 1)
            if count > MAX_DRAWN:
                break
        if etree.QName(node).localname == "use":
            target = (node.get(f"{{{XLINK_NS}}}href") or node.get("href") or "").strip()
            if target.startswith("#") and target[1:] in ids:
                count += drawn(ids[target[1:]], depth + 1)
        busy.discard(key)
        sizes[key] = min(count, MAX_DRAWN + 1)
        return sizes[key]

    try:
        total = drawn(root, 0)
    except _CopyLoop as loop:
        source.error(loop.node, "a <use> copies a part that contains itself (or copies nest "
                     "too deeply); point it at another part")
        return
    if total > MAX_DRAWN:
        source.error(root, f"the drawing's <use> copies would draw more than {MAX_DRAWN:,} "
                     "shapes; simplify it in the drawing program")


class _CopyLoop(Exception):
    def __init__(self, node):
        super().__init__()
        self.node = node


def _apply_labels(texts: dict, ids: dict, labels: dict, problems: Problems, shown: str,
                  at) -> set[int]:
    """Replace the words of each labelled text; returns the labelled elements (their ids)."""
    labelled = set()
    key_marks = getattr(labels, "key_marks", {})
    for key, value in labels.items():
        key_mark = key_marks.get(key) or getattr(key, "mark", None)

        def report(message, value=value, key_mark=key_mark):
            if key_mark is not None:
                problems.error(key_mark.path, key_mark.line, key_mark.col, message)
            else:
                _report_at(problems, value if getattr(value, "mark", None) else at, shown,
                           message)

        element = texts.get(key)
        if element is None:
            what = ""
            if key in ids:
                what = f" (the element with that id is a <{etree.QName(ids[key]).localname}>)"
            choices = sorted(texts)
            listed = ", ".join(choices) if choices else "none"
            report(f"label '{key}' matches no text in '{shown}'{what}; its text ids are: "
                   f"{listed}" + did_you_mean(key, choices))
            continue
        words = unicodedata.normalize("NFC", " ".join(str(value).split()))
        if not words:
            report(f"label '{key}' is empty; write the words to print, or leave the label out")
            continue
        if unprintable(words):
            continue  # reported with its place by _check_text
        for child in list(element):
            element.remove(child)
        element.text = words
        labelled.add(id(element))
    return labelled


def _check_text(root, texts: dict, labelled: set[int], labels: dict, source: _Source,
                problems: Problems) -> None:
    """Every character the picture prints must be one a bundled font draws."""
    for key, value in labels.items():
        if key in texts:
            for char, why in unprintable(unicodedata.normalize("NFC", str(value))):
                message = f"label '{key}' cannot print {describe(char)}: {why}"
                if getattr(value, "mark", None) is not None:
                    problems.at(value, message)
                else:
                    problems.error(source.shown, 1, 0, message)
    for node in root.iter(etree.Element):
        if etree.QName(node).localname not in _TEXT_ELEMENTS or id(node) in labelled:
            continue
        pieces = [node.text or ""] + [child.tail or "" for child in node]
        for char, why in unprintable("".join(pieces)):
            source.error(node, f"the picture's text cannot print {describe(char)}: {why}; "
                         "change the text, or give it a label in the content", char=char)


# ---- drawing ------------------------------------------------------------------------------------

class _OurFonts:
    """svglib's font look-up, answered with the handout's fonts only: svglib's own would load a
    system font the SVG names (or ask fontconfig), and the PDF would not embed ours."""

    def find_font(self, name: str, weight: str = "normal", style: str = "normal"):
        return (BODY_BOLD if _is_bold(weight) else BODY), True

    def __bool__(self) -> bool:  # svglib tests `font_map or its own global map`
        return True


def _is_bold(weight) -> bool:
    weight = str(weight).strip().lower()
    return weight in ("bold", "bolder") or (weight.isdigit() and int(weight) >= 600)


def _render(root, font_for_text: FontForText) -> Drawing:
    drawing = _convert(root)
    _use_our_fonts(drawing, font_for_text)
    return drawing


def _convert(root) -> Drawing:
    """svglib's conversion of the checked tree (each text still one String)."""
    from svglib.svglib import SvgRenderer

    register_fonts()
    # The path is None, so svglib resolves no reference to a file even if one slipped past.
    return SvgRenderer(None, font_map=_OurFonts()).render(root)


def _check_fit(drawing: Drawing, labels: dict, problems: Problems, shown: str, at) -> None:
    """A translated label must stay inside the picture and off its other words."""
    words = {" ".join(str(v).split()): key for key, v in labels.items()}
    boxes = list(_text_boxes(drawing))
    edge = (0, 0, drawing.width, drawing.height)
    tolerance = 0.01 * max(drawing.width, drawing.height)
    reported = set()
    for text, box, line in boxes:
        key = words.get(" ".join(text.split()))
        if key is None or key in reported:
            continue
        value = labels[key]
        trouble = None
        if box[0] < edge[0] - tolerance or box[2] > edge[2] + tolerance:
            trouble = "runs past the picture's edge"
        else:
            # Pieces of one <text> touch by design; only other texts count.
            other = next((t for t, b, other_line in boxes if other_line is not line
                          and _overlap(box, b, tolerance)), None)
            if other is not None:
                trouble = f"runs into the words '{_short(other)}'"
        if trouble:
            reported.add(key)
            message = (f"label '{key}' is too long for the picture '{shown}': it {trouble}; "
                       "shorten it")
            _report_at(problems, value if getattr(value, "mark", None) else at, shown, message)


def _overlap(a, b, tolerance: float) -> bool:
    return (a[0] + tolerance < b[2] and b[0] + tolerance < a[2]
            and a[1] + tolerance < b[3] and b[1] + tolerance < a[3])


def _text_boxes(group, transform=(1, 0, 0, 1, 0, 0)):
    """Each String's text, its box (x0, y0, x1, y1) on the drawing as printed, and the Group it
    is in (svglib makes one Group per <text>)."""
    from reportlab.graphics.shapes import mmult

    for shape in group.contents:
        if isinstance(shape, Group):
            yield from _text_boxes(shape, mmult(transform, shape.transform))
        elif isinstance(shape, String):
            width = sum(stringWidth(run, font, shape.fontSize)
                        for font, run in font_runs(shape.text, shape.fontName == BODY_BOLD))
            start = shape.x - {"middle": width / 2, "end": width}.get(shape.textAnchor, 0)
            low, high = shape.y - 0.25 * shape.fontSize, shape.y + 0.8 * shape.fontSize
            a, b, c, d, e, f = transform
            corners = [(a * x + c * y + e, b * x + d * y + f)
                       for x in (start, start + width) for y in (low, high)]
            xs, ys = [p[0] for p in corners], [p[1] for p in corners]
            yield shape.text, (min(xs), min(ys), max(xs), max(ys)), group


def _use_our_fonts(group, font_for_text: FontForText) -> None:
    """Each String in our fonts, split into runs where the body face lacks characters."""
    for index, shape in enumerate(list(group.contents)):
        if isinstance(shape, String):
            group.contents[index] = _in_our_fonts(shape, font_for_text)
        elif isinstance(shape, Group):
            _use_our_fonts(shape, font_for_text)


def _in_our_fonts(string: String, font_for_text: FontForText):
    bold = string.fontName == BODY_BOLD
    runs = font_for_text(string.text, bold)
    if len(runs) == 1:
        string.fontName = runs[0][0]
        return string
    widths = [stringWidth(run, font, string.fontSize) for font, run in runs]
    shift = {"middle": sum(widths) / 2, "end": sum(widths)}.get(string.textAnchor, 0)
    x = string.x - shift
    parts = Group()
    for (font, run), width in zip(runs, widths):
        part = string.copy()
        part.x, part.text, part.fontName, part.textAnchor = x, run, font, "start"
        parts.add(part)
        x += width
    return parts


def smallest_text(drawing: Drawing) -> float | None:
    """The smallest type size a drawing prints, in points as placed (None: it has no text),
    so a caller can hold a picture's words to the edition's smallest size."""
    sizes = []

    def walk(group, scale):
        for shape in group.contents:
            if isinstance(shape, String):
                sizes.append(shape.fontSize * scale)
            elif isinstance(shape, Group):
                a, b, c, d = shape.transform[:4]
                walk(shape, scale * math.sqrt(abs(a * d - b * c)))

    walk(drawing, 1.0)
    return min(sizes) if sizes else None


def _scaled(drawing: Drawing, width: float) -> Drawing:
    factor = width / drawing.width
    scaled = Drawing(width, drawing.height * factor)
    scaled.add(Group(*drawing.contents, transform=(factor, 0, 0, factor, 0, 0)))
    return scaled
