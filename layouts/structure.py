"""Structure elements recorded while rendering -> the PDF's structure tree and PDF/UA markers.

Writes, with pypdf: the StructTreeRoot and one StructElem per element (roles, alternative text,
attributes, marked-content references and widget references); the ParentTree that maps each
page's marked-content ids and each widget back to its element; /MarkInfo; and XMP metadata that
declares PDF/UA-1 and repeats the title.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from .tags import Element, MarkedContent, Widget


def _name(value: str) -> NameObject:
    return NameObject("/" + value)


def write_structure(writer: PdfWriter, root: Element, widgets: list, title: str,
                    lang: str) -> None:
    """Add the structure tree of `root` to the writer's document; `widgets[i]` is the widget
    annotation (indirect reference) of field spot i."""
    pages = [page.indirect_reference for page in writer.pages]
    marked: dict[int, dict[int, object]] = {}    # page -> mcid -> element reference
    widget_parents: list[tuple[object, object]] = []  # (widget reference, element reference)
    tree_root = DictionaryObject({_name("Type"): _name("StructTreeRoot")})
    tree_root_ref = writer._add_object(tree_root)

    def element_object(element: Element, parent_ref) -> object | None:
        if not element.children:
            return None  # an element that drew nothing has no place in the tree
        obj = DictionaryObject({_name("Type"): _name("StructElem"), _name("S"):
                                _name(element.role), _name("P"): parent_ref})
        ref = writer._add_object(obj)
        kids = ArrayObject()
        for child in element.children:
            if isinstance(child, Element):
                child_ref = element_object(child, ref)
                if child_ref is not None:
                    kids.append(child_ref)
            elif isinstance(child, MarkedContent):
                kids.append(DictionaryObject({
                    _name("Type"): _name("MCR"), _name("Pg"): pages[child.page - 1],
                    _name("MCID"): NumberObject(child.mcid)}))
                marked.setdefault(child.page, {})[child.mcid] = ref
            elif isinstance(child, Widget):
                widget = widgets[child.spot]
                kids.append(DictionaryObject({
                    _name("Type"): _name("OBJR"), _name("Obj"): widget,
                    _name("Pg"): widget.get_object()["/P"]}))
                widget_parents.append((widget, ref))
        obj[_name("K")] = kids
        if element.alt:
            obj[_name("Alt")] = TextStringObject(element.alt)
        attributes = _attributes(element, pages)
        if attributes is not None:
            obj[_name("A")] = attributes
        if "Page" in element.attributes:
            obj[_name("Pg")] = pages[element.attributes["Page"] - 1]
        return ref

    document = element_object(root, tree_root_ref)
    numbers = ArrayObject()
    for index, page in enumerate(writer.pages):
        page[_name("StructParents")] = NumberObject(index)
        by_mcid = marked.get(index + 1, {})
        numbers += [NumberObject(index),
                    ArrayObject(by_mcid[mcid] for mcid in range(len(by_mcid)))]
    key = len(pages)
    for widget, element_ref in widget_parents:
        widget.get_object()[_name("StructParent")] = NumberObject(key)
        numbers += [NumberObject(key), element_ref]
        key += 1
    tree_root[_name("K")] = ArrayObject([document]) if document else ArrayObject()
    tree_root[_name("ParentTree")] = DictionaryObject({_name("Nums"): numbers})
    tree_root[_name("ParentTreeNextKey")] = NumberObject(key)
    catalog = writer._root_object
    catalog[_name("StructTreeRoot")] = tree_root_ref
    catalog[_name("MarkInfo")] = DictionaryObject({_name("Marked"): BooleanObject(True)})
    catalog[_name("Lang")] = TextStringObject(lang)
    catalog[_name("Metadata")] = writer._add_object(_xmp(title, lang))


def _attributes(element: Element, pages) -> DictionaryObject | None:
    if "Scope" in element.attributes:
        return DictionaryObject({_name("O"): _name("Table"),
                                 _name("Scope"): _name(element.attributes["Scope"])})
    if "BBox" in element.attributes:
        return DictionaryObject({_name("O"): _name("Layout"), _name("BBox"): ArrayObject(
            FloatObject(v) for v in element.attributes["BBox"])})
    return None


def _xmp(title: str, lang: str) -> DecodedStreamObject:
    """XMP metadata: the title (shown by viewers) and the PDF/UA-1 identifier."""
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    stream = DecodedStreamObject()
    stream.set_data(packet.encode("utf-8"))
    stream.update({_name("Type"): _name("Metadata"), _name("Subtype"): _name("XML")})
    return stream
