"""A picture found by content/assets.py -> a flowable of a given width: an Image or a Drawing."""

from __future__ import annotations

import io

from reportlab.platypus import Flowable, Image

from ..content.assets import Asset
from .markup import font_runs
from .svg import FontForText, svg_drawing


def raster_image(asset: Asset, width: float) -> Image:
    """A PNG or JPEG `width` points wide, its proportions kept (find_asset checked the file
    and read its pixel size before anything decoded it)."""
    if asset.kind not in ("png", "jpeg"):
        raise ValueError(f"{asset.shown} is not a PNG or JPEG picture")
    # From the bytes, not the file name: ReportLab names an image drawn from a file by its path,
    # which would put the checkout's folder into the PDF.
    return Image(io.BytesIO(asset.path.read_bytes()), width=width,
                 height=width * asset.height / asset.width)


def picture_flowable(asset: Asset, labels: dict[str, str], width: float,
                     font_for_text: FontForText = font_runs) -> Flowable:
    """Any picture kind `width` points wide: an SVG stays vector (labels applied), a PNG or
    JPEG is placed as it is (it has no labels)."""
    if asset.kind == "svg":
        return svg_drawing(asset, labels, width, font_for_text)
    return raster_image(asset, width)
