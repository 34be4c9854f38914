"""Pictures from the assets folder: finding them safely, SVG as untrusted input, labels, fonts.

Every attack is a small file in a temporary assets folder. Each must give a located, plain
error (the YAML value, or the SVG's own line and column), raise nothing from the check, refuse
to draw, and read nothing outside the assets folder: Python-level opens are recorded with an
audit hook, a local server counts connections, and a secret file's words must never appear
in a problem or a drawing.
"""

from __future__ import annotations

import base64
import io
import os
import re
import socket
import struct
import sys
import zlib
from pathlib import Path

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Image, String
from reportlab.pdfgen.canvas import Canvas

from conftest import ROOT
from layouts.content.assets import ASSETS_DIR, Asset, find_asset
from layouts.content.errors import Problems
from layouts.content.source import parse_yaml
from layouts.pdf import svg as svg_module
from layouts.pdf.images import picture_flowable, raster_image
from layouts.pdf.markup import font_runs
from layouts.pdf.styles import BODY, BODY_BOLD, FALLBACK, register_fonts
from layouts.pdf.svg import PictureError, check_svg, smallest_text, svg_drawing

SECRET = "TOP-SECRET-PATIENT-42"
YAML_NAME = "handouts/en/staging.yaml"
HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
SIMPLE = HEAD + 'viewBox="0 0 200 100">\n<rect width="10" height="10"/>\n</svg>\n'


# ---- watching what is read ----------------------------------------------------------------------

_OPENED: list[str] | None = None


def _audit(event, args):
    if _OPENED is not None and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


class Watch:
    """Records the files Python opens while active (libxml2's own reads are checked by the
    secret never showing up anywhere)."""

    def __enter__(self):
        global _OPENED
        register_fonts()  # the fonts are the tool's own files, opened before we watch
        _OPENED = []
        return self

    def __exit__(self, *exc):
        global _OPENED
        self.opened, _OPENED = _OPENED, None

    def outside(self, folder: Path) -> list[str]:
        root = str(folder.resolve())
        return [p for p in self.opened
                if not os.path.realpath(p).startswith(root) and not p.endswith((".py", ".pyc"))]


def test_the_watch_sees_a_read_outside_the_assets_folder(folders):
    """The audit hook these tests rely on does see Python reading a file."""
    assets, outside = folders
    with Watch() as watch:
        (outside / "secret.txt").read_text(encoding="utf-8")
    assert watch.outside(assets) == [str(outside / "secret.txt")]


# ---- fixtures and helpers -----------------------------------------------------------------------

@pytest.fixture
def folders(tmp_path):
    """An assets folder with an images folder, and a secret file beside it (outside)."""
    assets = tmp_path / "assets"
    (assets / "images").mkdir(parents=True)
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (outside / "secret.svg").write_text(
        HEAD + f'viewBox="0 0 10 10"><text id="s">{SECRET}</text></svg>', encoding="utf-8")
    (outside / "secret.png").write_bytes(png_bytes(2, 2))
    return assets, outside


@pytest.fixture
def listener():
    """A local server that never answers: a check that fetched an address would show here."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def connections(server) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def located(yaml_text: str):
    """Parse a small content file, as content is read, so values carry their places."""
    problems = Problems()
    data = parse_yaml(yaml_text.encode("utf-8"), YAML_NAME, problems)
    assert not problems.errors, problems.sorted()
    return data


def picture_yaml(file: str, labels: dict | None = None) -> str:
    lines = ["picture:", f"  file: {file}"]
    if labels:
        lines.append("  labels:")
        lines += [f"    {key}: {value}" for key, value in labels.items()]
    return "\n".join(lines) + "\n"


def place(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the nth occurrence of needle in text."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def check(assets: Path, content: str | bytes, labels: dict | None = None,
          name: str = "x.svg"):
    """Write the SVG into the assets folder and check it as content would; returns
    (problem lines, the asset or None, the located picture mapping)."""
    path = assets / "images" / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    picture = located(picture_yaml(f"images/{name}", labels))["picture"]
    problems = Problems()
    asset = find_asset(picture["file"], assets, problems)
    if asset:
        check_svg(asset, picture.get("labels", {}), problems, picture["file"])
    return [str(p) for p in problems.sorted()], asset, picture


def assert_refused(assets: Path, content: str | bytes, phrase: str, where=None,
                   labels: dict | None = None, name: str = "x.svg") -> list[str]:
    """A located error (at `where`: (line, col) in the SVG, or None for any place in it) that
    matches `phrase`; the drawing is refused; the secret shows nowhere."""
    with Watch() as watch:
        lines, asset, _ = check(assets, content, labels, name)
        if asset is not None:
            with pytest.raises(PictureError):
                svg_drawing(asset, {}, 300)
    svg_path = re.escape(str(assets / "images" / name))
    at = rf":{where[0]}:{where[1]}" if where else r":\d+(:\d+)?"
    pattern = rf"^{svg_path}{at}: error: .*{phrase}"
    assert any(re.search(pattern, line) for line in lines), (pattern, lines)
    assert not any(SECRET in line for line in lines)
    assert watch.outside(assets) == [], watch.opened
    return lines


def png_bytes(width: int, height: int, declared: tuple[int, int] | None = None) -> bytes:
    """A small grey PNG; `declared` puts another size in its header (a decompression bomb)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    w, h = declared or (width, height)
    header = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("L", (4, 3), 128).save(out, "JPEG")
    return out.getvalue()


def strings(group) -> list[String]:
    found = []
    for shape in group.contents:
        if isinstance(shape, String):
            found.append(shape)
        elif hasattr(shape, "contents"):
            found += strings(shape)
    return found


def shapes_of(group, kind) -> list:
    found = []
    for shape in group.contents:
        if isinstance(shape, kind):
            found.append(shape)
        if hasattr(shape, "contents"):
            found += shapes_of(shape, kind)
    return found


def drawing_text(drawing) -> str:
    return " ".join(s.text for s in strings(drawing))


def pdf_of(drawing: Drawing) -> pypdf.PdfReader:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(drawing.width + 20, drawing.height + 20))
    renderPDF.draw(drawing, canvas, 10, 10)
    canvas.showPage()
    canvas.save()
    return pypdf.PdfReader(io.BytesIO(out.getvalue()))


def pdf_fonts(reader: pypdf.PdfReader) -> dict[str, bool]:
    """Each font on the pages: its base name -> whether the PDF embeds it."""
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get(
                "/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


# ---- XML that expands or loads ------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE svg [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
""" + HEAD + 'viewBox="0 0 100 100"><text id="t" y="20">&lol9;</text></svg>\n'


def test_billion_laughs_is_refused_at_its_doctype(folders):
    assets, _ = folders
    lines = assert_refused(assets, BILLION_LAUGHS, "DOCTYPE.*may not have",
                           place(BILLION_LAUGHS, "<!DOCTYPE"))
    assert "lol" not in " ".join(lines)


def test_external_entity_to_a_local_file_is_refused_and_never_read(folders):
    assets, outside = folders
    text = (f'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY s SYSTEM '
            f'"file://{outside}/secret.txt">]>\n'
            + HEAD + 'viewBox="0 0 100 100"><text id="t" y="20">&s;</text></svg>\n')
    assert_refused(assets, text, "DOCTYPE", place(text, "<!DOCTYPE"))


def test_entity_declared_without_a_doctype_line_of_its_own_is_refused(folders):
    assets, _ = folders
    text = (HEAD + 'viewBox="0 0 100 100">\n<text>&lt;fine&gt;</text>\n'
            '<!ENTITY x "y">\n</svg>\n')
    assert_refused(assets, text, "ENTITY", place(text, "<!ENTITY"))


def test_doctype_with_a_system_id_is_refused(folders, listener):
    assets, outside = folders
    port = listener.getsockname()[1]
    for target in (f"http://127.0.0.1:{port}/svg.dtd", f"{outside}/secret.txt"):
        text = f'<?xml version="1.0"?>\n<!DOCTYPE svg SYSTEM "{target}">\n{SIMPLE}'
        assert_refused(assets, text, "DOCTYPE", (2, 1))
    assert connections(listener) == 0


def test_parser_is_hardened_even_if_the_doctype_scan_were_gone(folders, monkeypatch):
    """The second lock: the parser itself expands and loads nothing."""
    assets, outside = folders
    monkeypatch.setattr(svg_module, "_DECLARATION", re.compile("(?!)"))  # never matches
    text = (f'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY s SYSTEM '
            f'"file://{outside}/secret.txt">]>\n'
            + HEAD + 'viewBox="0 0 100 100"><text id="t" y="20">&s;</text></svg>\n')
    lines, _, _ = check(assets, text)
    assert any("DOCTYPE" in line and ": error: " in line for line in lines), lines
    assert not any(SECRET in line for line in lines)


# ---- references to other files and addresses ----------------------------------------------------

@pytest.mark.parametrize("element, target, phrase", [
    ("image", "http://127.0.0.1:{port}/x.png", "address"),
    ("image", "https://example.org/x.png", "address"),
    ("image", "//example.org/x.png", "address"),
    ("image", "file://{outside}/secret.png", "address"),
    ("image", "../../private/secret.png", "other files"),
    ("image", "{outside}/secret.png", "other files"),
    ("use", "../../private/secret.svg#s", "other files"),
    ("use", "{outside}/secret.svg#s", "other files"),
    ("use", "other.svg#part", "other files"),          # another file, even inside assets/
    ("image", "logo.png", "other files"),
    ("pattern", "http://127.0.0.1:{port}/p.svg#p", "address"),
    ("linearGradient", "../../private/secret.svg#g", "other files"),
    ("a", "javascript:alert(1)", "address"),
], ids=["http-local", "https", "network-path", "file-url", "climb-out", "absolute",
        "use-climb-out", "use-absolute", "use-other-file-inside", "image-inside", "pattern-http",
        "gradient-climb-out", "javascript-link"])
@pytest.mark.parametrize("attribute", ["xlink:href", "href", 'xmlns:l="urn:x" l:href'])
def test_references_outside_the_file_are_refused(folders, listener, element, target, phrase,
                                                attribute):
    assets, outside = folders
    (assets / "images" / "other.svg").write_text(
        HEAD + 'viewBox="0 0 10 10"><g id="part"><rect width="1" height="1"/></g></svg>')
    (assets / "images" / "logo.png").write_bytes(png_bytes(2, 2))
    target = target.format(port=listener.getsockname()[1], outside=outside)
    text = (HEAD + 'viewBox="0 0 100 100">\n  <g>\n'
            f'    <{element} x="0" y="0" width="10" height="10" {attribute}="{target}"/>\n'
            '  </g>\n</svg>\n')
    name = attribute.split()[-1]
    assert_refused(assets, text, rf"{name}=\".*refers to something outside this SVG.*{phrase}",
                   place(text, f'{name}="'))
    assert connections(listener) == 0


def test_a_reference_to_a_part_of_the_same_file_is_drawn(folders):
    assets, _ = folders
    text = (HEAD + 'viewBox="0 0 100 100">\n<defs><g id="part"><rect width="5" height="5"/>'
            '</g></defs>\n<use xlink:href="#part" x="10"/><use href="#part" x="30"/>\n</svg>\n')
    lines, asset, _ = check(assets, text)
    assert lines == []
    drawing = svg_drawing(asset, {}, 100)
    assert len(shapes_of(drawing, svg_module.Group)) >= 3


def test_svglib_is_never_given_a_path_even_if_a_reference_slipped_past(folders):
    """The second lock: the renderer has no file to resolve references against."""
    assets, outside = folders
    text = (HEAD + f'viewBox="0 0 100 100"><image href="{outside}/secret.png" width="5" '
            f'height="5"/><image href="../../private/secret.png" width="5" height="5"/>'
            f'<use href="../../private/secret.svg#s"/><use href="secret.svg#s"/></svg>')
    root = etree.fromstring(text.encode())
    with Watch() as watch:
        drawing = svg_module._render(root, font_runs)
    assert watch.outside(assets) == [], watch.opened
    assert SECRET not in drawing_text(drawing)
    assert shapes_of(drawing, Image) == []


# ---- embedded pictures --------------------------------------------------------------------------

def data_uri(kind: str, data: bytes) -> str:
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def test_a_small_embedded_png_or_jpeg_is_drawn(folders):
    assets, _ = folders
    for kind, data in (("png", png_bytes(3, 2)), ("jpeg", jpeg_bytes())):
        text = (HEAD + f'viewBox="0 0 100 100">\n<image width="30" height="20" '
                f'xlink:href="{data_uri(kind, data)}"/>\n</svg>\n')
        lines, asset, _ = check(assets, text, name=f"embedded-{kind}.svg")
        assert lines == []
        drawing = svg_drawing(asset, {}, 100)
        assert len(shapes_of(drawing, Image)) == 1


@pytest.mark.parametrize("element, uri, phrase", [
    ("image", "data:image/svg+xml;base64," + base64.b64encode(SIMPLE.encode()).decode(),
     "only a PNG or JPEG"),
    ("image", "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;", "only a PNG or JPEG"),
    ("use", data_uri("png", png_bytes(2, 2)), "only an <image> may embed"),
    ("image", data_uri("png", jpeg_bytes()), "not the PNG image it says"),
    ("image", data_uri("png", png_bytes(1, 1, declared=(60_000, 60_000))), "60000 x 60000"),
    ("image", "data:image/png;base64,!!!!", "not valid base64"),
    ("image", data_uri("png", png_bytes(2, 2)[:40]), "damaged"),
    ("image", data_uri("png", b"\x89PNG" + b"\0" * 600_000), "over 500 kB"),
], ids=["svg-inside-svg", "html", "on-use", "wrong-kind", "pixel-bomb", "bad-base64",
        "truncated", "too-large"])
def test_embedded_pictures_that_are_not_small_png_or_jpeg_are_refused(folders, element, uri,
                                                                     phrase):
    assets, _ = folders
    text = HEAD + f'viewBox="0 0 100 100">\n<{element} width="9" height="9" href="{uri}"/>\n</svg>'
    assert_refused(assets, text, re.escape(phrase) if "<" in phrase else phrase,
                   place(text, 'href="'))


# ---- CSS that loads -----------------------------------------------------------------------------

@pytest.mark.parametrize("css, needle, phrase", [
    ("@import url(http://127.0.0.1:{port}/a.css);", "@import", "@import"),
    ('@import "../../private/secret.txt";', "@import", "@import"),
    ("@font-face { font-family: X; src: url(../../private/x.ttf); }", "@font-face",
     "@font-face"),
    ("rect { fill: url(http://127.0.0.1:{port}/p.svg#g); }", "<style", "url"),
    ("rect { fill: u\\72l(../../private/secret.svg#g); }", "<style", "url"),
    ("rect { background: image-set('x.png' 1x); }", "<style", "image-set"),
], ids=["import-url", "import-string", "font-face", "url-http", "url-escaped", "image-set"])
def test_css_in_a_style_element_that_loads_is_refused(folders, listener, css, needle, phrase):
    assets, _ = folders
    css = css.replace("{port}", str(listener.getsockname()[1]))
    text = HEAD + f'viewBox="0 0 100 100">\n<style>\n{css}\n</style>\n<rect width="5" ' \
        'height="5"/>\n</svg>\n'
    assert_refused(assets, text, phrase, place(text, needle))
    assert connections(listener) == 0


@pytest.mark.parametrize("attribute, value", [
    ("style", "fill: url(http://example.org/p.svg#g)"),
    ("style", "fill:url('../../private/secret.svg#g')"),
    ("fill", "url(file:///etc/passwd)"),
    ("filter", "url(other.svg#blur)"),
    ("clip-path", "url(  ../x.svg#c  )"),
])
def test_url_in_attributes_that_leaves_the_file_is_refused(folders, attribute, value):
    assets, _ = folders
    text = HEAD + f'viewBox="0 0 100 100">\n<rect width="5" height="5" {attribute}="{value}"/>\n' \
        '</svg>\n'
    assert_refused(assets, text, r"url\(.*outside this SVG", place(text, f'{attribute}="'))


def test_url_to_a_part_of_the_same_file_is_fine(folders):
    assets, _ = folders
    text = (HEAD + 'viewBox="0 0 100 100">\n<defs><linearGradient id="g"><stop offset="0" '
            'stop-color="#000"/><stop offset="1" stop-color="#fff"/></linearGradient></defs>\n'
            '<style>rect { fill: url(#g); }</style>\n'
            '<rect width="50" height="50" style="fill: url(#g)"/>\n'
            '<rect width="50" height="50" fill="url(\'#g\')"/>\n</svg>\n')
    lines, asset, _ = check(assets, text)
    assert lines == []
    svg_drawing(asset, {}, 100)


# ---- programs and foreign content ---------------------------------------------------------------

@pytest.mark.parametrize("snippet, needle, phrase", [
    ("<script>alert(1)</script>", "<script", "<script> element runs a program"),
    ('<script xlink:href="http://example.org/x.js"/>', "<script", "<script>"),
    ('<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">'
     "hi</div></foreignObject>", "<foreignObject", "<foreignObject>"),
    ('<rect width="5" height="5" onclick="alert(1)"/>', "onclick", "onclick runs a program"),
    ('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="../../private/secret.txt"'
     ' parse="text"/>', "<xi:include", "XInclude"),
    ('<?xml-stylesheet href="../../private/x.css"?>', "<svg", "xml-stylesheet"),
], ids=["script", "script-src", "foreign-object", "event-attribute", "xinclude",
        "stylesheet-pi"])
def test_programs_and_foreign_content_are_refused(folders, snippet, needle, phrase):
    assets, _ = folders
    text = HEAD + f'viewBox="0 0 100 100">\n<g>\n  {snippet}\n</g>\n</svg>\n'
    where = None if needle == "<svg" else place(text, needle)
    if needle == "onclick":
        where = place(text, "onclick")
    assert_refused(assets, text, re.escape(phrase), where)


def test_an_editors_own_elements_are_dropped_not_refused(folders):
    assets, _ = folders
    text = ('<svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" '
            'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'viewBox="0 0 100 100" inkscape:version="1.3">\n'
            '<sodipodi:namedview id="nv" inkscape:zoom="1"/>\n'
            '<metadata><rdf:RDF><rdf:Description about="x"/></rdf:RDF></metadata>\n'
            '<g inkscape:label="Layer 1" inkscape:groupmode="layer">'
            '<text id="t" x="5" y="20">Hello</text></g>\n</svg>\n')
    lines, asset, _ = check(assets, text)
    assert lines == []
    assert drawing_text(svg_drawing(asset, {}, 100)) == "Hello"


def test_elements_of_another_namespace_are_never_drawn(folders):
    """svglib goes by an element's local name: <x:text> would draw as <text> if it stayed."""
    assets, _ = folders
    text = (HEAD + 'xmlns:x="urn:example" viewBox="0 0 100 100">\n'
            '<text x="1" y="9">Shown</text>\n<x:text x="1" y="30">Hidden</x:text>\n'
            '<x:g><text x="1" y="50">Hidden too</text></x:g>\n</svg>\n')
    lines, asset, _ = check(assets, text)
    assert lines == []
    assert drawing_text(svg_drawing(asset, {}, 100)) == "Shown"


# ---- sizes and limits ---------------------------------------------------------------------------

def test_a_50_mb_svg_is_refused_before_it_is_read(folders):
    assets, _ = folders
    path = assets / "images" / "huge.svg"
    with open(path, "wb") as f:
        f.write(SIMPLE.encode())
        f.truncate(50_000_000)  # sparse: nothing to read, only its size
    picture = located(picture_yaml("images/huge.svg"))["picture"]
    problems = Problems()
    with Watch() as watch:
        assert find_asset(picture["file"], assets, problems) is None
    assert [str(p) for p in problems.sorted()] == [
        f"{YAML_NAME}:2:9: error: 'images/huge.svg' is 50.0 MB, over the 1 MB limit for SVG "
        "pictures; simplify the drawing, or save it as a plain SVG without embedded pictures"]
    assert str(path) not in watch.opened, "the file was opened, not just measured"


def test_an_svg_that_grew_after_it_was_found_is_refused_at_the_content(folders):
    assets, _ = folders
    lines, asset, picture = check(assets, SIMPLE)
    assert lines == [] and asset is not None
    asset.path.write_bytes(SIMPLE.encode() + b" " * 1_100_000)
    problems = Problems()
    check_svg(asset, {}, problems, picture["file"])
    assert [str(p) for p in problems.sorted()][0].startswith(f"{YAML_NAME}:2:9: error: ")
    with pytest.raises(PictureError, match="over 1 MB"):
        svg_drawing(asset, {}, 100)


def test_a_hundred_thousand_elements_are_refused(folders):
    assets, _ = folders
    text = HEAD + 'viewBox="0 0 100 100">\n' + "<g/>" * 100_000 + "\n</svg>\n"
    assert_refused(assets, text, "100,001 elements, more than the 20,000", (1, 1))


def test_deep_nesting_is_refused(folders):
    assets, _ = folders
    text = HEAD + 'viewBox="0 0 100 100">\n' + "<g>\n" * 60 + "</g>\n" * 60 + "</svg>\n"
    assert_refused(assets, text, "nests groups more than 50 deep", (52, 1))
    deeper = HEAD + 'viewBox="0 0 100 100">' + "<g>" * 5000 + "</g>" * 5000 + "</svg>"
    assert_refused(assets, deeper, r"not a readable SVG drawing \(Excessive depth", None)


def test_use_copies_that_multiply_like_entities_are_refused(folders):
    assets, _ = folders
    levels = ['<g id="a0"><rect width="1" height="1"/></g>']
    for n in range(1, 9):
        levels.append(f'<g id="a{n}">' + f'<use href="#a{n - 1}"/>' * 10 + "</g>")
    text = HEAD + 'viewBox="0 0 100 100">\n<defs>' + "".join(levels) + \
        '</defs>\n<use href="#a8"/>\n</svg>\n'
    assert_refused(assets, text, "copies would draw more than 50,000 shapes", (1, 1))


def test_a_use_that_copies_itself_is_refused(folders):
    assets, _ = folders
    text = HEAD + 'viewBox="0 0 100 100">\n<g id="loop">\n<use href="#loop"/>\n</g>\n</svg>\n'
    assert_refused(assets, text, "copies a part that contains itself", None)


@pytest.mark.parametrize("attributes, phrase, needle", [
    ('width="1e9" height="100"', r'width="1e9" is not a usable size', "width="),
    ('width="0" height="100"', r'width="0" is not a usable size', "width="),
    ('width="-5" height="100"', r'width="-5" is not a usable size', "width="),
    ('width="1e999" height="10"', r"width=\"1e999\" is not a usable size", "width="),
    ('viewBox="0 0 0 100"', r"viewBox=\"0 0 0 100\" is not a usable size", "viewBox="),
    ('viewBox="0 0 nan 100"', r"is not a usable size", "viewBox="),
    ('viewBox="0 0 100"', r"is not a usable size", "viewBox="),
    ('viewBox="0 0 10000 10"', r"1000 times as wide as it is tall", "<svg"),
    ('width="10" height="5000"', r"500 times as tall as it is wide", "<svg"),
    ('width="100%" height="100%"', r"width=\"100%\" is not a usable size", "width="),
    ("", r"has no size", "<svg"),
], ids=["huge", "zero", "negative", "infinite", "zero-viewbox", "nan-viewbox",
        "short-viewbox", "thin", "tall", "percent-without-viewbox", "no-size"])
def test_sizes_that_make_no_sense_are_refused(folders, attributes, phrase, needle):
    assets, _ = folders
    text = HEAD.rstrip() + f"\n     {attributes}>\n<rect width='5' height='5'/>\n</svg>\n"
    assert_refused(assets, text, phrase, place(text, needle))


def test_a_percent_size_with_a_viewbox_takes_the_viewbox_proportions(folders):
    assets, _ = folders
    text = HEAD + 'viewBox="0 0 300 100" width="100%" height="100%"><rect width="5" ' \
        'height="5"/></svg>'
    lines, asset, _ = check(assets, text)
    assert lines == []
    drawing = svg_drawing(asset, {}, 150)
    assert (drawing.width, drawing.height) == (150, pytest.approx(50))


# ---- not an SVG at all --------------------------------------------------------------------------

def test_text_that_is_not_xml_is_refused_with_its_place(folders):
    assets, _ = folders
    text = HEAD + 'viewBox="0 0 100 100">\n<g>\n<rect width="5" height="5">\n</g>\n</svg>\n'
    line, col = place(text, "</g>")  # libxml2 points just after the tag it could not match
    assert_refused(assets, text, r"not a readable SVG drawing \(Opening and ending tag mismatch",
                   (line, col + len("</g>")))
    assert_refused(assets, "just some words\n", "not a readable SVG drawing", (1, 1),
                   name="words.svg")


def test_binary_that_is_not_text_is_refused(folders):
    assets, _ = folders
    assert_refused(assets, bytes(range(256)) * 4, r"not an SVG drawing \(byte \d+ is not text",
                   None)


def test_xml_that_is_not_svg_is_refused(folders):
    assets, _ = folders
    text = '<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>\n'
    assert_refused(assets, text, r"not an SVG drawing \(it starts with <html>, not <svg>\)",
                   (1, 1))


def test_a_png_renamed_svg_is_refused_at_the_content(folders):
    assets, _ = folders
    (assets / "images" / "photo.svg").write_bytes(png_bytes(4, 4))
    picture = located(picture_yaml("images/photo.svg"))["picture"]
    problems = Problems()
    assert find_asset(picture["file"], assets, problems) is None
    assert [str(p) for p in problems.sorted()] == [
        f"{YAML_NAME}:2:9: error: 'images/photo.svg' is really a PNG file with a .svg name; "
        "rename it to end in .png"]


def test_a_symlink_out_of_the_assets_folder_is_refused(folders):
    assets, outside = folders
    (assets / "images" / "link.svg").symlink_to(outside / "secret.svg")
    (assets / "images" / "folder").symlink_to(outside)
    for written in ("images/link.svg", "images/folder/secret.svg"):
        picture = located(picture_yaml(written))["picture"]
        problems = Problems()
        with Watch() as watch:
            assert find_asset(picture["file"], assets, problems) is None
        lines = [str(p) for p in problems.sorted()]
        assert len(lines) == 1 and re.match(
            rf"{YAML_NAME}:2:9: error: '{written}' points outside the assets folder", lines[0])
        assert watch.outside(assets) == []


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300),
                 st.text(alphabet=st.sampled_from(list('<>/="&;!?#:x- svgrectg\n')),
                         max_size=200).map(lambda t: (HEAD + t).encode())))
def test_whatever_the_bytes_the_check_reports_and_never_raises(folders, data):
    assets, _ = folders
    lines, asset, _ = check(assets, data, name="fuzz.svg")
    assert asset is None or all(": error: " in ln or ": warning: " in ln for ln in lines)
    if asset is not None and not lines:
        svg_drawing(asset, {}, 50)


# ---- labels -------------------------------------------------------------------------------------

LABELLED = (HEAD + 'viewBox="0 0 400 100">\n'
            '  <text id="stage1" x="10" y="30">Stage 1</text>\n'
            '  <text id="stage2" x="200" y="30" text-anchor="middle">Stage <tspan>2</tspan>'
            '</text>\n'
            '  <text x="10" y="80">Less <tspan id="word" font-weight="bold">spread</tspan>!'
            '</text>\n'
            '  <rect id="box" width="5" height="5"/>\n'
            '</svg>\n')


def test_labels_replace_the_words_of_text_and_tspan(folders):
    assets, _ = folders
    labels = {"stage1": "Etapa 1", "stage2": "Etapa 2", "word": "extendido"}
    lines, asset, picture = check(assets, LABELLED, labels)
    assert lines == []
    drawing = svg_drawing(asset, picture["labels"], 400)
    assert sorted(s.text for s in strings(drawing)) == sorted(
        ["Etapa 1", "Etapa 2", "Less ", "extendido", "!"])
    assert "Stage" not in drawing_text(drawing)
    bold = [s for s in strings(drawing) if s.text == "extendido"]
    assert bold[0].fontName == BODY_BOLD


def test_an_unknown_label_is_an_error_at_the_label_listing_the_ids(folders):
    assets, _ = folders
    labels = {"stage1": "Etapa 1", "stage_2": "Etapa 2", "box": "Caja"}
    lines, asset, _ = check(assets, LABELLED, labels)
    shown = assets / "images" / "x.svg"
    assert lines == [
        f"{YAML_NAME}:5:5: error: label 'stage_2' matches no text in '{shown}'; its text ids "
        "are: stage1, stage2, word; did you mean 'stage2'?",
        f"{YAML_NAME}:6:5: error: label 'box' matches no text in '{shown}' (the element with "
        "that id is a <rect>); its text ids are: stage1, stage2, word",
    ]


def test_an_empty_label_is_an_error(folders):
    assets, _ = folders
    lines, _, _ = check(assets, LABELLED, {"stage1": "''"})
    assert lines == [f"{YAML_NAME}:4:5: error: label 'stage1' is empty; write the words to "
                     "print, or leave the label out"]


def test_a_label_no_font_can_draw_is_an_error_at_the_label(folders):
    assets, _ = folders
    lines, _, _ = check(assets, LABELLED, {"stage1": "Stage 中"})
    assert len(lines) == 1
    assert lines[0].startswith(f"{YAML_NAME}:4:13: error: label 'stage1' cannot print '中' "
                               "(U+4E2D"), lines


def test_text_in_the_svg_no_font_can_draw_is_an_error_at_its_place(folders):
    assets, _ = folders
    text = HEAD + 'viewBox="0 0 100 100">\n<g>\n  <text x="1" y="9">Ok ภาษา</text>\n</g></svg>\n'
    assert_refused(assets, text, r"text cannot print 'ภ' \(U\+0E20.*not supported yet",
                   place(text, "ภ"))


def test_a_label_can_replace_text_no_font_could_draw(folders):
    assets, _ = folders
    text = HEAD + 'viewBox="0 0 100 100">\n<text id="t" x="1" y="9">中文</text></svg>\n'
    lines, asset, picture = check(assets, text, {"t": "Chinese"})
    assert lines == []
    assert drawing_text(svg_drawing(asset, picture["labels"], 100)) == "Chinese"


# ---- fonts --------------------------------------------------------------------------------------

FONTS_ASKED = (HEAD + 'viewBox="0 0 400 200">\n'
               '<text x="10" y="30" font-family="Times New Roman, serif">Serif asked</text>\n'
               '<text x="10" y="60" style="font-family: \'Comic Sans MS\'; font-weight: 700">'
               'Bold asked</text>\n'
               '<text x="10" y="90" font-family="DejaVu Serif" font-style="italic">Italic'
               '</text>\n'
               '<text x="10" y="120">No font named</text>\n'
               '<text id="ru" x="200" y="150" text-anchor="middle" font-family="Courier">'
               'x</text>\n</svg>\n')


def test_text_is_drawn_in_our_fonts_whatever_the_svg_asks(folders):
    assets, _ = folders
    lines, asset, _ = check(assets, FONTS_ASKED, {"ru": "Стадия 1 (stage)"})
    assert lines == []
    drawing = svg_drawing(asset, {"ru": "Стадия 1 (stage)"}, 400)
    by_text = {s.text: s.fontName for s in strings(drawing)}
    assert by_text["Serif asked"] == BODY
    assert by_text["Bold asked"] == BODY_BOLD
    assert by_text["Italic"] == BODY
    assert by_text["No font named"] == BODY
    assert by_text["Стадия"] == FALLBACK and by_text[" 1 (stage)"] == BODY
    fonts = pdf_fonts(pdf_of(drawing))
    assert fonts and all(fonts.values()), f"a font is not embedded: {fonts}"
    names = set(fonts)
    assert all(re.search(r"AtkinsonHyperlegible|DejaVuSans", n) for n in names), names
    assert any("DejaVuSans" in n for n in names)  # the Cyrillic run


def test_a_mixed_run_keeps_its_anchor(folders):
    """Split into font runs, a centred label stays centred: its runs span the same width."""
    assets, _ = folders
    drawing = svg_drawing(check(assets, FONTS_ASKED)[1], {"ru": "Стадия 1"}, 400)
    runs = [s for s in strings(drawing) if s.text in ("Стадия", " 1")]
    from reportlab.pdfbase.pdfmetrics import stringWidth

    left = runs[0].x
    right = runs[1].x + stringWidth(runs[1].text, runs[1].fontName, runs[1].fontSize)
    assert (left + right) / 2 == pytest.approx(200)
    assert all(s.textAnchor == "start" for s in runs)


def test_no_system_font_is_looked_up(folders, monkeypatch):
    """svglib's own font map would load a font file or ask fontconfig for the name given."""
    from svglib import fonts as svglib_fonts

    def refuse(*args, **kwargs):
        raise AssertionError("svglib looked up a system font")

    monkeypatch.setattr(svglib_fonts.FontMap, "find_font", refuse)
    assets, _ = folders
    svg_drawing(check(assets, FONTS_ASKED)[1], {}, 300)


# ---- drawing size and caching -------------------------------------------------------------------

def test_the_drawing_has_the_width_asked_and_keeps_its_proportions(folders):
    assets, _ = folders
    lines, asset, _ = check(assets, SIMPLE)
    for width in (100.0, 432.5):
        drawing = svg_drawing(asset, {}, width)
        assert (drawing.width, drawing.height) == (width, pytest.approx(width / 2))


def test_a_picture_is_converted_once_per_content_labels_and_width(folders, monkeypatch):
    assets, _ = folders
    calls = []
    real = svg_module._render
    monkeypatch.setattr(svg_module, "_render", lambda *a: calls.append(1) or real(*a))
    text = LABELLED.replace("Less", "Fewer")  # not converted by another test yet
    lines, asset, _ = check(assets, text, name="cached.svg")
    first = svg_drawing(asset, {"stage1": "A"}, 200)
    second = svg_drawing(asset, {"stage1": "A"}, 200)
    assert len(calls) == 1
    assert second is not first and drawing_text(second) == drawing_text(first)
    second.contents.clear()  # a caller's change does not reach the next caller
    assert drawing_text(svg_drawing(asset, {"stage1": "A"}, 200)) == drawing_text(first)
    svg_drawing(asset, {"stage1": "B"}, 200)
    svg_drawing(asset, {"stage1": "A"}, 300)
    assert len(calls) == 3
    asset.path.write_text(LABELLED.replace("Less", "More"), encoding="utf-8")
    assert "More" in drawing_text(svg_drawing(asset, {"stage1": "A"}, 200))
    assert len(calls) == 4


# ---- finding assets -----------------------------------------------------------------------------

def find(assets: Path, written: str, **options):
    picture = located(picture_yaml(written))["picture"]
    problems = Problems()
    asset = find_asset(picture["file"], assets, problems, **options)
    return asset, [str(p) for p in problems.sorted()]


def test_a_path_that_starts_with_assets_gets_a_plain_hint(folders):
    assets, _ = folders
    (assets / "images" / "logo.png").write_bytes(png_bytes(4, 4))
    asset, lines = find(assets, "assets/images/logo.png")
    assert asset is None
    assert lines == [f"{YAML_NAME}:2:9: error: there is no file 'assets/images/logo.png' in "
                     "the assets folder; paths start inside it, so write images/logo.png, "
                     "without assets/"]


@pytest.mark.parametrize("written, phrase", [
    ("../private/secret.txt", "points outside the assets folder"),
    ("images/../../private/secret.png", "points outside the assets folder"),
    ("/etc/passwd", "is not a path inside the assets folder"),
    ("{assets}/images/a.png", "is not a path inside the assets folder"),  # absolute, yet inside
    ("file:///etc/passwd", "is not a path inside the assets folder"),
    ("images\\..\\a.png", "is not a path inside the assets folder"),
    ("https://example.org/x.png", "is not a path inside the assets folder"),
])
def test_paths_that_leave_the_assets_folder_are_refused(folders, written, phrase):
    assets, _ = folders
    (assets / "images" / "a.png").write_bytes(png_bytes(2, 2))
    with Watch() as watch:
        asset, lines = find(assets, f"'{written.format(assets=assets)}'")
    assert asset is None
    assert len(lines) == 1 and re.match(rf"{YAML_NAME}:2:9: error: .*{phrase}", lines[0]), lines
    assert watch.outside(assets) == []


def test_png_jpeg_and_svg_are_found_with_their_kind_and_size(folders):
    assets, _ = folders
    (assets / "images" / "a.png").write_bytes(png_bytes(30, 20))
    (assets / "images" / "b.JPG").write_bytes(jpeg_bytes())
    (assets / "images" / "c.svg").write_text(SIMPLE)
    def kind_and_size(written):
        asset = find(assets, written)[0]
        return asset.kind, asset.width, asset.height

    assert kind_and_size("images/a.png") == ("png", 30, 20)
    assert kind_and_size("images/b.JPG") == ("jpeg", 4, 3)
    assert kind_and_size("images/c.svg") == ("svg", None, None)
    assert find(assets, "images/c.svg")[0].shown == str(assets / "images" / "c.svg")


def test_a_kind_this_place_does_not_take_is_refused(folders):
    assets, _ = folders
    (assets / "images" / "c.svg").write_text(SIMPLE)
    (assets / "images" / "d.gif").write_bytes(b"GIF89a")
    assert find(assets, "images/c.svg", kinds=("png", "jpeg"))[1] == [
        f"{YAML_NAME}:2:9: error: 'images/c.svg' is not a PNG or JPEG file; save the picture "
        "as PNG or JPEG and write its name with the right ending"]
    assert "not a PNG, JPEG or SVG file" in find(assets, "images/d.gif")[1][0]


def test_a_pixel_bomb_is_refused_before_it_is_decoded(folders, monkeypatch):
    assets, _ = folders
    (assets / "images" / "bomb.png").write_bytes(png_bytes(1, 1, declared=(50_000, 50_000)))
    monkeypatch.setattr("layouts.content.assets.decodes", lambda *a: pytest.fail("decoded"))
    asset, lines = find(assets, "images/bomb.png")
    assert asset is None and "50000 x 50000 pixels" in lines[0]


def test_a_damaged_png_is_refused(folders):
    assets, _ = folders
    (assets / "images" / "bad.png").write_bytes(png_bytes(8, 8)[:45])
    asset, lines = find(assets, "images/bad.png")
    assert asset is None and "is damaged and cannot be read" in lines[0]


def test_a_large_logo_is_warned_about_with_advice(folders):
    assets, _ = folders
    from PIL import Image as PILImage

    noisy = PILImage.frombytes("L", (1000, 1000), os.urandom(1_000_000))
    out = io.BytesIO()
    noisy.save(out, "PNG")
    (assets / "images" / "logo.png").write_bytes(out.getvalue())
    asset, lines = find(assets, "images/logo.png", kinds=("png", "jpeg"), logo=True)
    assert asset is not None
    assert len(lines) == 1 and re.match(
        rf"{YAML_NAME}:2:9: warning: 'images/logo\.png' is \d+ kB, and every PDF carries the "
        r"logo; save a smaller copy \(about 600 pixels across", lines[0])
    assert find(assets, "images/logo.png")[1] == []  # a picture is not on every page


def test_the_shipped_logo_is_found_in_the_tools_assets_folder():
    problems = Problems()
    logo = located(picture_yaml("images/logo.png"))["picture"]["file"]
    asset = find_asset(logo, ASSETS_DIR, problems, kinds=("png", "jpeg"), logo=True)
    assert asset is not None and len(problems) == 0


# ---- raster pictures ----------------------------------------------------------------------------

def test_a_raster_picture_is_an_image_of_the_width_asked(folders):
    assets, _ = folders
    (assets / "images" / "a.png").write_bytes(png_bytes(30, 20))
    asset = find(assets, "images/a.png")[0]
    image = raster_image(asset, 150)
    assert (image.drawWidth, image.drawHeight) == (150, 100)
    assert picture_flowable(asset, {}, 150).drawHeight == 100
    svg_asset = Asset(assets / "x.svg", "svg", None, None, "x.svg")
    with pytest.raises(ValueError):
        raster_image(svg_asset, 10)


# ---- the shipped pictures -----------------------------------------------------------------------

def _shipped() -> dict[str, dict[str, str]]:
    """Every picture file the shipped Spanish handouts show, with the labels they give it
    (every text id is translated there)."""
    import yaml

    found = {}
    for path in sorted((ROOT / "handouts").glob("*/es/*.yaml")):
        for section in yaml.safe_load(path.read_text(encoding="utf-8")).get("sections", []):
            for block in section["blocks"]:
                picture = block.get("picture") if isinstance(block, dict) else None
                if picture and picture.get("file"):
                    found[picture["file"]] = picture.get("labels", {})
    return found


SHIPPED = _shipped()


def contrast(a, b) -> float:
    def luminance(colour):
        def channel(c):
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        return (0.2126 * channel(colour.red) + 0.7152 * channel(colour.green)
                + 0.0722 * channel(colour.blue))
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_shipped_pictures_convert_with_every_label_translatable(name):
    problems = Problems()
    written = located(picture_yaml(name))["picture"]["file"]
    asset = find_asset(written, ASSETS_DIR, problems)
    labels = SHIPPED[name]
    check_svg(asset, labels, problems, written)
    assert [str(p) for p in problems.sorted()] == []
    drawing = svg_drawing(asset, labels, 480)
    assert sorted(s.text for s in strings(drawing)) == sorted(labels.values())
    # Wide rather than tall, so a picture never takes most of a page.
    assert 0.3 < drawing.height / drawing.width < 0.75
    # Text is dark enough on white and on every light area text could sit on (7:1).
    from reportlab.graphics.shapes import Circle, Rect
    from reportlab.lib.colors import black, white

    fills = {s.fillColor for s in shapes_of(drawing, (Rect, Circle)) if s.fillColor}
    light = {f for f in fills if contrast(f, black) > contrast(f, white)} | {white}
    for text in strings(drawing):
        assert text.fontName in (BODY, BODY_BOLD)
        assert all(contrast(text.fillColor, fill) >= 7 for fill in light), text.text
    # Across the narrowest text width of any edition and paper (174 mm), its words are at
    # least the large-print edition's smallest size.
    assert smallest_text(svg_drawing(asset, {}, 174 * 72 / 25.4)) >= 16
    assert all(pdf_fonts(pdf_of(drawing)).values())


def test_the_stage_picture_shows_the_spread_growing_from_stage_1_to_4():
    """Facts from the reference: stages 1 to 4, the higher the stage the further it spread."""
    source = (ROOT / "assets" / "images" / "stage-scale.svg").read_text(encoding="utf-8")
    root = etree.fromstring(source.encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    reach = [float(c.get("r")) for c in root.iterfind(".//s:g/s:circle[@fill='#c9d6e3']", ns)]
    assert len(reach) == 4 and reach == sorted(reach) and len(set(reach)) == 4
    assert [t.text for t in root.iterfind(".//s:text", ns)][:4] == [
        "Stage 1", "Stage 2", "Stage 3", "Stage 4"]


# ---- labels that do not fit ---------------------------------------------------------------------

ROOMY = (HEAD + 'viewBox="0 0 400 100">\n'
         '  <text id="left" x="10" y="40" font-size="20">Less</text>\n'
         '  <text id="right" x="300" y="40" font-size="20" text-anchor="end">More</text>\n'
         '  <text id="mid" x="200" y="90" font-size="20" text-anchor="middle">Middle</text>\n'
         '</svg>\n')


def test_a_label_that_fits_is_fine(folders):
    assets, _ = folders
    lines, _, _ = check(assets, ROOMY, {"left": "Menos extendido", "right": "Más extendido"})
    assert lines == []


def test_a_label_too_long_for_the_picture_is_an_error_at_the_label(folders):
    assets, _ = folders
    labels = {"left": "Se ha extendido mucho menos que antes",
              "mid": "A middle label that is far too long to fit across this picture at all"}
    lines, _, _ = check(assets, ROOMY, labels)
    shown = assets / "images" / "x.svg"
    assert lines == [
        f"{YAML_NAME}:4:11: error: label 'left' is too long for the picture '{shown}': it runs "
        "into the words 'More'; shorten it",
        f"{YAML_NAME}:5:10: error: label 'mid' is too long for the picture '{shown}': it runs "
        "past the picture's edge; shorten it",
    ]


def test_a_drawing_svglib_cannot_convert_is_a_plain_error(folders, monkeypatch):
    assets, _ = folders

    def broken(root):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(svg_module, "_convert", broken)
    lines, _, _ = check(assets, SIMPLE)
    assert lines == [f"{assets / 'images' / 'x.svg'}:1: error: the drawing cannot be converted "
                     "(ZeroDivisionError: float division by zero); open it in a drawing program "
                     "and save it again as plain SVG"]
