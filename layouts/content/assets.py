"""An asset path written in content -> a checked picture file inside the assets folder.

The path may not climb out of the assets folder (`..`, absolute paths, links that point
elsewhere). A file's size is checked before anything reads it whole, and a PNG or JPEG's pixel
size is read from its header before anything decodes it, so a small file that unpacks into
gigabytes (a decompression bomb) is refused. What is inside an SVG is checked by pdf/svg.py.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from .errors import Problems

# The tool's own assets folder: the default until content brings its own (`<src>/../assets`).
ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
KINDS = ("png", "jpeg", "svg")
MAX_IMAGE_BYTES = 5_000_000
MAX_SVG_BYTES = 1_000_000     # a drawing is a few kB to a few hundred kB; more is a mistake
MAX_PIXELS = 4096 * 4096
MAX_SIDE = 10_000             # pixels; a long thin strip can still be small in pixels
BIG_LOGO_BYTES = 500_000      # every PDF carries the logo: past this it bloats each one

_EXTENSIONS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".svg": "svg"}
_KIND_NAMES = {"png": "PNG", "jpeg": "JPEG", "svg": "SVG"}
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8"


@dataclass(frozen=True)
class Asset:
    """A picture file found inside the assets folder.

    `width` and `height` are pixels for PNG and JPEG. For an SVG they are None: its size is
    known once pdf/svg.py has read it safely (the Drawing it returns has it).
    """

    path: Path        # resolved, inside the assets folder
    kind: str         # 'png', 'jpeg' or 'svg'
    width: int | None
    height: int | None
    shown: str        # the file as problems name it, such as assets/images/stage-scale.svg


def find_asset(written, assets_dir: Path, problems: Problems, kinds=KINDS,
               logo: bool = False) -> Asset | None:
    """Resolve and check a picture path written in content (a located value).

    Reports a located problem at `written` and returns None when the file cannot be used.
    `kinds` are the kinds this place accepts; `logo` adds a warning for a file so large that
    it would bloat every PDF.
    """
    root = Path(assets_dir).resolve()
    shown_root = Path(os.path.normpath(assets_dir))
    text = str(written)
    if Path(text).is_absolute() or "\\" in text or ":" in text or text.startswith("//"):
        problems.at(written, f"'{text}' is not a path inside the assets folder; put the file "
                    "in the assets folder's images folder and write images/<file name>")
        return None
    path = (root / text).resolve()
    if not path.is_relative_to(root) or path == root:
        problems.at(written, f"'{text}' points outside the assets folder (through '..' or a "
                    "link); put the file in the assets folder's images folder and write "
                    "images/<file name>")
        return None
    if not path.is_file():
        problems.at(written, _missing(text))
        return None
    kind = _EXTENSIONS.get(path.suffix.lower())
    names = [_KIND_NAMES[k] for k in kinds]
    allowed = " or ".join(filter(None, (", ".join(names[:-1]), names[-1])))
    if kind not in kinds:
        problems.at(written, f"'{text}' is not a {allowed} file; save the picture as "
                    f"{allowed} and write its name with the right ending")
        return None
    shown = str(shown_root / text)
    try:
        size = path.stat().st_size
        limit = MAX_SVG_BYTES if kind == "svg" else MAX_IMAGE_BYTES
        if size > limit:  # refused before reading: a huge file is never loaded
            problems.at(written, f"'{text}' is {size / 1_000_000:.1f} MB, over the "
                        f"{limit // 1_000_000} MB limit for {_KIND_NAMES[kind]} pictures; "
                        + _smaller_copy(kind))
            return None
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        problems.at(written, f"cannot read '{text}' ({e.strerror})")
        return None
    if len(data) > limit:  # the file grew while we looked
        problems.at(written, f"'{text}' is over {limit // 1_000_000} MB; {_smaller_copy(kind)}")
        return None
    actual = _sniff(data)
    if actual and actual != kind:
        ending = ".jpg" if actual == "jpeg" else "." + actual
        problems.at(written, f"'{text}' is really a {_KIND_NAMES[actual]} file with a "
                    f".{path.suffix.lstrip('.')} name; rename it to end in {ending}")
        return None
    if logo and len(data) > BIG_LOGO_BYTES:
        problems.at(written, f"'{text}' is {len(data) // 1000} kB, and every PDF carries the "
                    "logo; save a smaller copy (about 600 pixels across is plenty, as PNG "
                    "with fewer colours or as JPEG)", severity="warning")
    if kind == "svg":
        return Asset(path, kind, None, None, shown)
    size_px = _png_size(data) if kind == "png" else _jpeg_size(data)
    if size_px is None:
        problems.at(written, f"'{text}' is not a {allowed} image, or it is damaged; open it "
                    f"in a picture editor and save it again as {_KIND_NAMES[kind]}")
        return None
    width, height = size_px
    if not width or not height or width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        problems.at(written, f"'{text}' is {width} x {height} pixels, too large to use (or "
                    "empty); save a copy at most 4096 pixels on each side")
        return None
    if not decodes(path):
        problems.at(written, f"'{text}' is damaged and cannot be read; open it in a picture "
                    f"editor and save it again as {_KIND_NAMES[kind]}")
        return None
    return Asset(path, kind, width, height, shown)


def _missing(text: str) -> str:
    if text.startswith("assets/"):
        fixed = text.removeprefix("assets/")
        return (f"there is no file '{text}' in the assets folder; paths start inside it, so "
                f"write {fixed}, without assets/")
    return (f"there is no file '{text}' in the assets folder; check the spelling, or copy "
            f"the file to assets/{text}")


def _smaller_copy(kind: str) -> str:
    if kind == "svg":
        return "simplify the drawing, or save it as a plain SVG without embedded pictures"
    return "save a smaller copy (a picture needs at most about 2000 pixels across)"


def _sniff(data: bytes) -> str | None:
    """The kind a file's first bytes say it is, whatever its name (None: not a picture file
    we know, which the kind's own check then reports)."""
    if data.startswith(_PNG_MAGIC):
        return "png"
    if data.startswith(_JPEG_MAGIC):
        return "jpeg"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or head.startswith(b"<!--"):
        return "svg"
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == _PNG_MAGIC and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    if data[:2] != _JPEG_MAGIC:
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                      0xCF):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """The kind and pixel size a PNG or JPEG's header gives, without decoding it."""
    for kind, read in (("png", _png_size), ("jpeg", _jpeg_size)):
        size = read(data)
        if size:
            return kind, *size
    return None


def decodes(data_or_path) -> bool:
    """Decode once now (the size is already known to be safe), so rendering cannot fail on it."""
    import io

    from PIL import Image as PILImage  # Pillow comes with ReportLab

    source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    try:
        with PILImage.open(source) as img:
            img.load()
        return True
    except Exception:  # any decoder error means the same thing to staff: a damaged image
        return False

