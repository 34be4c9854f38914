"""Structure elements recorded while rendering -> the PDF's structure tree and PDF/UA markers.

Writes, with pypdf: the StructTreeRoot and one StructElem per element (roles, alternative text,
attributes, marked-content references and widget and link references); the link annotations;
the ParentTree that maps each page's marked-content ids, each widget and each link back to its
element; /MarkInfo and /Lang. The XMP
metadata that declares PDF/UA-1 is archival.py's.
"""

from __future__ import annotations

import io
from urllib.parse import quote

from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from .tags import Element, LinkAnnotation, MarkedContent, Widget
from .update import Raw, Update


def _name(value: str) -> NameObject:
    return NameObject("/" + value)


def write_structure(update: Update, root: Element, widgets: list, lang: str) -> None:
    """Add the structure tree of `root` to the document; `widgets[i]` is the widget
    annotation (indirect reference) of field spot i.

    A handout has thousands of elements, so they are written as text directly: serialising
    them as library objects took longer than laying out the pages.
    """
    pages = [page.indirect_reference.idnum for page in update.pages]
    marked: dict[int, dict[int, int]] = {}       # page -> mcid -> element object number
    widget_parents: list[tuple[object, int]] = []  # (widget reference, element number)
    links: list[tuple[int, LinkAnnotation, int]] = []  # (annotation number, link, element)
    tree_root = update.add(Raw(b""))

    def element_object(element: Element, parent: int) -> int | None:
        if not element.children:
            return None  # an element that drew nothing has no place in the tree
        number = update.add(Raw(b"")).idnum
        kids = []
        for child in element.children:
            if isinstance(child, Element):
                kid = element_object(child, number)
                if kid is not None:
                    kids.append(f"{kid} 0 R")
            elif isinstance(child, MarkedContent):
                kids.append(f"<</Type/MCR/Pg {pages[child.page - 1]} 0 R/MCID {child.mcid}>>")
                marked.setdefault(child.page, {})[child.mcid] = number
            elif isinstance(child, Widget):
                widget = widgets[child.spot]
                page = widget.get_object().raw_get("/P").idnum
                kids.append(f"<</Type/OBJR/Obj {widget.idnum} 0 R/Pg {page} 0 R>>")
                widget_parents.append((widget, number))
            elif isinstance(child, LinkAnnotation):
                annotation = update.add(Raw(b"")).idnum   # written once its key is known
                kids.append(f"<</Type/OBJR/Obj {annotation} 0 R/Pg {pages[child.page - 1]} 0 R>>")
                links.append((annotation, child, number))
        text = f"<</Type/StructElem/S/{element.role}/P {parent} 0 R/K[{' '.join(kids)}]"
        if "Page" in element.attributes:
            text += f"/Pg {pages[element.attributes['Page'] - 1]} 0 R"
        if "Scope" in element.attributes:
            text += f"/A<</O/Table/Scope/{element.attributes['Scope']}>>"
        if "ListNumbering" in element.attributes:
            text += f"/A<</O/List/ListNumbering/{element.attributes['ListNumbering']}>>"
        if "BBox" in element.attributes:
            box = " ".join(f"{v:.2f}" for v in element.attributes["BBox"])
            text += f"/A<</O/Layout/BBox[{box}]>>"
        alt = _text(element.alt) if element.alt else b""
        update.replace(number, Raw(text.encode() + (b"/Alt" + alt if alt else b"") + b">>"))
        return number

    document = element_object(root, tree_root.idnum)
    numbers = []
    for index, page in enumerate(update.pages):
        page[_name("StructParents")] = NumberObject(index)
        by_mcid = marked.get(index + 1, {})
        numbers.append(f"{index}[{' '.join(f'{by_mcid[m]} 0 R' for m in range(len(by_mcid)))}]")
    key = len(pages)
    for widget, element_number in widget_parents:
        widget.get_object()[_name("StructParent")] = NumberObject(key)
        numbers.append(f"{key} {element_number} 0 R")
        key += 1
    for annotation, link, element_number in links:
        page = update.pages[link.page - 1]
        update.replace(annotation, Raw(_link_annotation(link, pages[link.page - 1], key)))
        page[_name("Annots")] = ArrayObject([*(page.get("/Annots") or ()),
                                             IndirectObject(annotation, 0, update)])
        page[_name("Tabs")] = _name("S")  # tab order follows the structure tree
        numbers.append(f"{key} {element_number} 0 R")
        key += 1
    kids = f"{document} 0 R" if document else ""
    update.replace(tree_root.idnum, Raw(
        f"<</Type/StructTreeRoot/K[{kids}]/ParentTree<</Nums[{' '.join(numbers)}]>>"
        f"/ParentTreeNextKey {key}>>".encode()))
    catalog = update.root
    catalog[_name("StructTreeRoot")] = tree_root
    catalog[_name("MarkInfo")] = DictionaryObject({_name("Marked"): BooleanObject(True)})
    # PDF/UA-1 builds on PDF 1.7 (and the update's cross-reference stream needs 1.5).
    catalog[_name("Version")] = _name("1.7")
    catalog[_name("Lang")] = TextStringObject(lang)


def _link_annotation(link: LinkAnnotation, page: int, key: int) -> bytes:
    """A link annotation: printable (PDF/A), no border, its description in /Contents
    (PDF/UA), and a URI action, whose address must be ASCII (PDF 1.7, 12.6.4.7)."""
    box = " ".join(f"{v:.2f}" for v in link.rect)
    uri = quote(link.uri, safe="!#$%&'()*+,-./:;=?@[]_~")
    return (f"<</Type/Annot/Subtype/Link/Rect[{box}]/Border[0 0 0]/F 4/P {page} 0 R"
            f"/StructParent {key}/A<</Type/Action/S/URI/URI".encode() + _text(uri)
            + b">>/Contents" + _text(link.contents) + b">>")


def _text(value: str) -> bytes:
    out = io.BytesIO()
    TextStringObject(value).write_to_stream(out)
    return out.getvalue()
