"""Rendered PDF bytes and blank spots -> the same PDF with a form field on every blank.

Every blank is ink for the pen first; this stage lays an interactive field exactly over that
ink, so the same PDF works on screen. Fields are named `<topic>.<field>` (a parent field per
topic), carry a tooltip, and come in reading order on each page. ReportLab's own form API only
offers unembedded standard fonts, so the fields get their own embedded font here (see
formfont.py), which covers what a patient may type in English, Spanish or Vietnamese. Empty
fields have empty appearances, so a printed blank handout looks exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from .archival import clean_streams, declare
from .blanks import FieldSpot
from .formfont import FORM_FONT, write_form_font
from .structure import write_structure
from .styles import EDITIONS, INK_RGB
from .tags import Element
from .update import Update

_MULTILINE, _RADIO, _NO_TOGGLE_OFF, _PRINT = 1 << 12, 1 << 15, 1 << 14, 4


def add_fields(pdf: bytes, spots: Sequence[FieldSpot], edition: str,
               structure: Element | None = None, title: str = "", lang: str = "") -> bytes:
    """Return pdf with an AcroForm holding one field per spot (radio spots grouped by name),
    and, when rendering recorded one, its structure tree (see structure.py) and what PDF/A
    adds to it (see archival.py)."""
    pdf = clean_streams(pdf)
    if not spots and structure is None:
        return pdf
    form = _FormWriter(pdf, EDITIONS[edition].body)
    for spot in spots:
        form.add(spot)
    if structure is not None:  # tagged: PDF/UA-1, and so also PDF/A-2 level a
        write_structure(form.update, structure, form.widgets, lang)
        declare(form.update, title, lang)
    return form.finish()


@cache
def _name(value: str) -> NameObject:
    """A PDF name; made once per process, as pypdf checks each one it makes."""
    return NameObject("/" + value)


class _FormWriter:
    def __init__(self, pdf: bytes, font_size: float):
        self.update = Update.editing_pages(pdf)
        self.font = write_form_font(self.update)
        self.empty = self.update.add(_appearance(b"", 1, 1))
        self.da = TextStringObject(f"{FORM_FONT} {font_size:g} Tf {INK_RGB} rg")
        self.topics: dict[str, DictionaryObject] = {}
        self.radios: dict[str, DictionaryObject] = {}
        self.shared: dict[str, DictionaryObject] = {}   # text and check box fields by name
        self.per_page: dict[int, list] = {}
        self.widgets: list = []   # the widget annotation of each spot, in spot order

    def add_object(self, obj):
        return self.update.add(obj)

    def topic(self, topic: str) -> DictionaryObject:
        """The non-terminal parent field of a topic, so names read `<topic>.<field>`."""
        if topic not in self.topics:
            parent = DictionaryObject({_name("T"): TextStringObject(topic),
                                       _name("Kids"): ArrayObject()})
            self.add_object(parent)
            self.topics[topic] = parent
        return self.topics[topic]

    def add(self, spot: FieldSpot) -> None:
        topic, name = spot.name.split(".", 1)
        parent = self.topic(topic)
        page = self.update.pages[spot.page - 1]
        x1, y1, x2, y2 = spot.rect
        width, height = x2 - x1, y2 - y1
        widget = DictionaryObject({
            _name("Type"): _name("Annot"),
            _name("Subtype"): _name("Widget"),
            _name("Rect"): ArrayObject(FloatObject(v) for v in spot.rect),
            _name("F"): NumberObject(_PRINT),
            _name("P"): page.indirect_reference,
        })
        if spot.kind == "radio":
            group = self.radio_group(spot, name, parent)
            widget.update({
                _name("Parent"): group.indirect_reference,
                _name("AS"): _name("Off"),
                _name("AP"): DictionaryObject({_name("N"): DictionaryObject({
                    _name(spot.value): self.add_object(_appearance(_dot(width, height), width,
                                                                   height)),
                    _name("Off"): self.empty})}),
            })
            ref = self.add_object(widget)
            group["/Kids"].append(ref)
        else:
            # One field per name; a blank printed in several handouts of a packet (the
            # patient's name) is one field with a widget in each, so typing it once fills all.
            shared = self.shared.get(spot.name)
            if shared is None:
                shared = self.shared[spot.name] = DictionaryObject({
                    _name("T"): TextStringObject(name),
                    _name("TU"): TextStringObject(spot.tooltip),
                    _name("Parent"): parent.indirect_reference,
                    _name("Kids"): ArrayObject(),
                })
                parent["/Kids"].append(self.add_object(shared))
            widget[_name("Parent")] = shared.indirect_reference
            if spot.kind == "checkbox":
                shared.update({_name("FT"): _name("Btn"), _name("V"): _name("Off")})
                widget.update({
                    _name("AS"): _name("Off"),
                    _name("AP"): DictionaryObject({_name("N"): DictionaryObject({
                        _name("Yes"): self.add_object(_appearance(_tick(width, height), width,
                                                                  height)),
                        _name("Off"): self.empty})}),
                })
            else:
                shared.update({_name("FT"): _name("Tx"), _name("DA"): self.da})
                widget[_name("AP")] = DictionaryObject({_name("N"): self.empty})
                if spot.kind == "multiline":
                    shared[_name("Ff")] = NumberObject(_MULTILINE)
            ref = self.add_object(widget)
            shared["/Kids"].append(ref)
        self.per_page.setdefault(spot.page, []).append(ref)
        self.widgets.append(ref)

    def radio_group(self, spot: FieldSpot, name: str, parent) -> DictionaryObject:
        group = self.radios.get(spot.name)
        if group is None:
            group = self.radios[spot.name] = DictionaryObject({
                _name("FT"): _name("Btn"),
                _name("Ff"): NumberObject(_RADIO | _NO_TOGGLE_OFF),
                _name("T"): TextStringObject(name),
                _name("TU"): TextStringObject(spot.tooltip),
                _name("V"): _name("Off"),
                _name("Kids"): ArrayObject(),
                _name("Parent"): parent.indirect_reference,
            })
            parent["/Kids"].append(self.add_object(group))
        return group

    def finish(self) -> bytes:
        update = self.update
        for number, refs in sorted(self.per_page.items()):
            page = update.pages[number - 1]
            page[_name("Annots")] = ArrayObject([*(page.get("/Annots") or ()), *refs])
            page[_name("Tabs")] = _name("S")  # tab order follows the structure tree
        update.root[_name("AcroForm")] = DictionaryObject({
            _name("Fields"): ArrayObject(t.indirect_reference for t in self.topics.values()),
            _name("DR"): DictionaryObject({_name("Font"): DictionaryObject({
                NameObject(FORM_FONT): self.font})}),
            _name("DA"): self.da,
        })
        return update.to_bytes()


def _appearance(content: bytes, width: float, height: float) -> StreamObject:
    stream = DecodedStreamObject()
    stream.set_data(content)
    stream.update({_name("Type"): _name("XObject"), _name("Subtype"): _name("Form"),
                   _name("BBox"): ArrayObject([FloatObject(0), FloatObject(0),
                                               FloatObject(width), FloatObject(height)]),
                   _name("Resources"): DictionaryObject()})
    return stream


def _tick(width: float, height: float) -> bytes:
    """A check mark drawn as lines, so no font is needed to show it."""
    w, h = width, height
    return (f"q {INK_RGB} RG {max(w, h) * 0.12:.2f} w 1 J 1 j "
            f"{w * 0.2:.2f} {h * 0.52:.2f} m {w * 0.42:.2f} {h * 0.28:.2f} l "
            f"{w * 0.8:.2f} {h * 0.78:.2f} l S Q").encode()


def _dot(width: float, height: float) -> bytes:
    """A filled disc in the middle of a circle target, drawn with four Bezier curves."""
    cx, cy, r = width / 2, height / 2, min(width, height) * 0.3
    k = r * 0.5523  # control-point distance that makes Bezier arcs circular
    return (f"q {INK_RGB} rg {cx + r:.2f} {cy:.2f} m "
            f"{cx + r:.2f} {cy + k:.2f} {cx + k:.2f} {cy + r:.2f} {cx:.2f} {cy + r:.2f} c "
            f"{cx - k:.2f} {cy + r:.2f} {cx - r:.2f} {cy + k:.2f} {cx - r:.2f} {cy:.2f} c "
            f"{cx - r:.2f} {cy - k:.2f} {cx - k:.2f} {cy - r:.2f} {cx:.2f} {cy - r:.2f} c "
            f"{cx + k:.2f} {cy - r:.2f} {cx + r:.2f} {cy - k:.2f} {cx + r:.2f} {cy:.2f} c "
            f"f Q").encode()
