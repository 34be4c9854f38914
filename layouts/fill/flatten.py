"""A filled packet's shown values -> the same values as tagged page ink, with the form removed.

Flattening draws each value's appearance on its page and removes the widgets and the AcroForm.
The structure tree stays whole (PDF/UA-1 7.1: all content is tagged or an artifact): the
element that held a field's widget now holds the ink drawn in its place, as marked content a
screen reader speaks (the text itself; a check mark for a ticked box or a chosen circle), and
the elements of fields left empty are dropped, as nothing of them is left on the page.
"""

from __future__ import annotations

import zlib

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from ..pdf.update import Raw, Update, stream_bytes

CHECK_MARK = "\u2713"   # what a ticked box or a chosen circle reads as: "check mark"


class Flattener:
    """What flattening needs to know of the blank packet's pages and structure tree; read
    once per process, used for every patient."""

    def __init__(self, reader: PdfReader, widget_numbers: set[int]):
        self.widget_numbers = widget_numbers
        self.pages = [(page.indirect_reference.idnum, DictionaryObject(page))
                      for page in reader.pages]
        root = reader.trailer["/Root"]
        self.root_number = reader.trailer.raw_get("/Root").idnum
        self.root = DictionaryObject(root)
        tree_ref = root.raw_get("/StructTreeRoot")
        self.tree_number = tree_ref.idnum
        self.tree = DictionaryObject(tree_ref.get_object())
        nums = self.tree["/ParentTree"].get_object()["/Nums"]
        self.parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        self.page_keys = [int(page["/StructParents"]) for _, page in self.pages]
        self.element_of: dict[int, int] = {}     # widget number -> its Form element number
        self.elements: dict[int, DictionaryObject] = {}
        self.widget_keys: set[int] = set()        # the widgets' entries in the parent tree
        for page in reader.pages:
            for annot in page.get("/Annots", ()):
                if annot.idnum not in widget_numbers:
                    continue
                key = int(annot.get_object()["/StructParent"])
                self.widget_keys.add(key)
                element = self.parent_tree[key]
                self.element_of[annot.idnum] = element.idnum
                self.elements[element.idnum] = DictionaryObject(element.get_object())
        self.parents = {number: DictionaryObject(element.raw_get("/P").get_object())
                        for number, element in self.elements.items()}
        self.parent_numbers = {number: element.raw_get("/P").idnum
                               for number, element in self.elements.items()}

    def flatten(self, update: Update, shown: list) -> None:
        """Draw each shown appearance, (widget, kind, appearance object number), on its page as
        tagged content; then remove the widgets and the form."""
        by_page: dict[int, list] = {}
        for widget, kind, appearance in shown:
            by_page.setdefault(widget.spot.page, []).append((widget, kind, appearance))
        new_mcids: dict[int, list[int]] = {}    # page index -> element of each new MCID
        for index, (page_number, page) in enumerate(self.pages):
            d = DictionaryObject(page)
            kept = [a for a in page.get("/Annots", ()) if a.idnum not in self.widget_numbers]
            d.pop(NameObject("/Annots"), None)
            if kept:  # links stay; the tab order still follows the structure
                d[NameObject("/Annots")] = ArrayObject(kept)
            else:
                d.pop(NameObject("/Tabs"), None)
            items = by_page.get(index + 1, [])
            if items:
                first_mcid = len(self.parent_tree[self.page_keys[index]].get_object())
                new_mcids[index] = []
                resources = DictionaryObject(page["/Resources"].get_object())
                xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()))
                ops = []
                for at, (widget, kind, appearance) in enumerate(items):
                    key, mcid = f"/Fill{at}", first_mcid + at
                    xobjects[NameObject(key)] = IndirectObject(appearance, 0, update)
                    x1, y1 = widget.spot.rect[:2]
                    ops.append(f"/Span <</MCID {mcid}>> BDC q 1 0 0 1 {x1:.2f} {y1:.2f} cm "
                               f"{key} Do Q EMC")
                    element = self.element_of[widget.number]
                    new_mcids[index].append(element)
                    self._hold(update, element, page_number, mcid, kind)
                resources[NameObject("/XObject")] = xobjects
                d[NameObject("/Resources")] = resources
                content = update.add(_flate_stream("\n".join(ops).encode()))
                existing = page["/Contents"]
                existing = list(existing) if isinstance(existing, ArrayObject) else [
                    page.raw_get("/Contents")]
                d[NameObject("/Contents")] = ArrayObject([*existing, content])
            update.replace(page_number, d)
        self._drop_empty(update, {e for refs in new_mcids.values() for e in refs})
        self._rewrite_parent_tree(update, new_mcids)
        root = DictionaryObject(self.root)
        root.pop(NameObject("/AcroForm"), None)
        update.replace(self.root_number, root)

    def _hold(self, update: Update, element: int, page: int, mcid: int, kind: str) -> None:
        """The field's element now holds the ink drawn for its value."""
        d = DictionaryObject(self.elements[element])
        d[NameObject("/S")] = NameObject("/Span")
        d[NameObject("/K")] = ArrayObject([DictionaryObject({
            NameObject("/Type"): NameObject("/MCR"),
            NameObject("/Pg"): IndirectObject(page, 0, update),
            NameObject("/MCID"): NumberObject(mcid)})])
        if kind in ("checkbox", "radio"):
            d[NameObject("/ActualText")] = TextStringObject(CHECK_MARK)
        update.replace(element, d)

    def _drop_empty(self, update: Update, kept: set[int]) -> None:
        """Take the elements of fields left empty out of their parents."""
        dropped = set(self.elements) - kept
        parents: dict[int, DictionaryObject] = {}
        for element in sorted(dropped):
            number = self.parent_numbers[element]
            parent = parents.setdefault(number, DictionaryObject(self.parents[element]))
            parent[NameObject("/K")] = ArrayObject(
                k for k in parent["/K"]
                if not (isinstance(k, IndirectObject) and k.idnum in dropped))
        for number, parent in parents.items():
            update.replace(number, parent)

    def _rewrite_parent_tree(self, update: Update, new_mcids: dict[int, list[int]]) -> None:
        """Page entries gain the new MCIDs; the removed widgets' entries go."""
        nums = ArrayObject()
        for key in sorted(self.parent_tree):
            if key in self.widget_keys:
                continue
            value = self.parent_tree[key]
            if key in self.page_keys and self.page_keys.index(key) in new_mcids:
                added = new_mcids[self.page_keys.index(key)]
                value = ArrayObject([*value.get_object(),
                                     *(IndirectObject(e, 0, update) for e in added)])
            nums += [NumberObject(key), value]
        tree = DictionaryObject(self.tree)
        tree[NameObject("/ParentTree")] = DictionaryObject({NameObject("/Nums"): nums})
        update.replace(self.tree_number, tree)


def _flate_stream(content: bytes) -> Raw:
    return Raw(stream_bytes(DictionaryObject({NameObject("/Filter"): NameObject("/FlateDecode")}),
                            zlib.compress(content)), stream=True)
