"""An asset path written in content -> a checked image file inside assets/ and its pixel size.

The path may not climb out of assets/ (`..`, absolute paths, links that point elsewhere), and
an image's size is read from its header before anything decodes it, so a small file that
unpacks into gigabytes (a decompression bomb) is refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from .errors import Problems

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
MAX_IMAGE_BYTES = 5_000_000
MAX_PIXELS = 4096 * 4096


@dataclass(frozen=True)
class Image:
    path: Path
    width: int
    height: int


def find_image(written, problems: Problems, assets_dir: Path = ASSETS_DIR) -> Image | None:
    """Resolve and check an image path from content; report a located problem if it is unusable."""
    root = assets_dir.resolve()
    path = (root / written).resolve()
    if not path.is_relative_to(root):
        problems.at(written, f"'{written}' points outside the assets folder; put the file in "
                    "assets/images and write images/<file name>")
        return None
    if not path.is_file():
        problems.at(written, f"there is no file '{written}' in the assets folder; check the "
                    "spelling, or copy the file to assets/" + str(written))
        return None
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_IMAGE_BYTES + 1)
    except OSError as e:
        problems.at(written, f"cannot read '{written}' ({e.strerror})")
        return None
    if len(data) > MAX_IMAGE_BYTES:
        problems.at(written, f"'{written}' is over {MAX_IMAGE_BYTES // 1_000_000} MB; save a "
                    "smaller copy (a logo needs about 600 pixels across)")
        return None
    size = _png_size(data) or _jpeg_size(data)
    if size is None:
        problems.at(written, f"'{written}' is not a PNG or JPEG image, or it is damaged; save it "
                    "again as PNG")
        return None
    width, height = size
    if not width or not height or width * height > MAX_PIXELS:
        problems.at(written, f"'{written}' is {width} x {height} pixels, too large to use; save "
                    "a copy at most 4096 pixels on each side")
        return None
    if not _decodes(path):
        problems.at(written, f"'{written}' is damaged and cannot be read; save it again as PNG")
        return None
    return Image(path, width, height)


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    if data[:2] != b"\xff\xd8":
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


def _decodes(path: Path) -> bool:
    """Decode once now (the size is already known to be safe), so rendering cannot fail on it."""
    from PIL import Image as PILImage  # Pillow comes with ReportLab

    try:
        with PILImage.open(path) as img:
            img.load()
        return True
    except Exception:  # any decoder error means the same thing to staff: a damaged image
        return False
