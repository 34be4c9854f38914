"""Tagged PDF (PDF/UA-1): the audit in pdf_audit.py passes on every PDF of a full build, fails
when an untagged mark or a broken link is injected, the packet keeps one tagged section for its
cover and one per handout, and tagging changes nothing on paper. Bullets are list labels, the
QR code and the web address are tagged links, and ReportLab's streams and ToUnicode maps are
cleaned for PDF/A; the audit fails when any of these is undone."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pikepdf
import pytest

from conftest import ASSETS, SET, TOPICS, load_content, output, read_content, topic_file
from pdf_audit import audit

DIAGNOSIS = output("en", "letter", "standard", "diagnosis")


def every_pdf(built: Path) -> list[Path]:
    pdfs = sorted(built.rglob("*.pdf"))
    assert len(pdfs) >= 20
    return pdfs


def test_every_pdf_of_a_full_build_passes_the_audit(built):
    failures = {str(p.relative_to(built)): problems for p in every_pdf(built)
                if (problems := audit(p))}
    assert failures == {}


def _injected(path: Path, operators: bytes) -> bytes:
    with pikepdf.open(path) as pdf:
        pdf.pages[0].contents_add(pdf.make_stream(operators), prepend=False)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def test_an_injected_untagged_line_fails_the_audit(built):
    path = built / DIAGNOSIS
    assert audit(path) == []
    problems = audit(_injected(path, b"q 0 0 m 100 100 l S Q"))
    assert any("paints outside marked content" in p for p in problems), problems


def test_the_same_line_marked_as_an_artifact_passes(built):
    path = built / DIAGNOSIS
    assert audit(_injected(path, b"/Artifact BMC q 0 0 m 100 100 l S Q EMC")) == []


def test_a_marked_sequence_missing_from_the_tree_fails_the_audit(built):
    path = built / DIAGNOSIS
    problems = audit(_injected(path, b"/P <</MCID 999>> BDC q 0 0 m 9 9 l S Q EMC"))
    assert any("MCIDs [999] are in no element" in p for p in problems), problems


def test_a_figure_without_alternative_text_fails_the_audit(built):
    path = built / DIAGNOSIS
    with pikepdf.open(path) as pdf:
        removed = 0
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure":
                del obj["/Alt"]
                removed += 1
        assert removed
        out = io.BytesIO()
        pdf.save(out)
    assert any("no alternative text" in p for p in audit(out.getvalue()))


def _structure(path: Path):
    with pikepdf.open(path) as pdf:
        document = pdf.Root.StructTreeRoot.K[0]

        def roles(element, depth=0):
            for kid in element.get("/K", []):
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                    yield depth, str(kid.S), kid
                    yield from roles(kid, depth + 1)

        return [(depth, role, _text_of(pdf, kid)) for depth, role, kid in roles(document)]


def _text_of(pdf, element) -> str:
    alt = element.get("/Alt")
    return str(alt) if alt is not None else ""


def test_the_packet_keeps_one_tagged_section_per_handout(built):
    """The cover is a section of its own (headed by the set's title), then one per handout."""
    from pdf_composition import Document

    path = built / output("en", "letter", "standard", "packet")
    structure = _structure(path)
    sections = [role for depth, role, _ in structure if depth == 0]
    assert sections == ["/Sect"] * (1 + len(TOPICS))
    first_in_each = [structure[i + 1][1] for i, (depth, role, _) in enumerate(structure)
                     if depth == 0]
    assert first_in_each == ["/H1"] * (1 + len(TOPICS))
    titles = [read_content(f"{SET}/en/set.yaml")["title"],
              *(read_content(topic_file(topic))["title"] for topic in TOPICS)]
    (document,) = Document(path).root.kids
    assert [" ".join(sect.kids[0].text.split()) for sect in document.kids] == titles


def test_the_picture_is_a_figure_with_the_alt_text_from_the_yaml(built):
    handout = read_content(topic_file("diagnosis"))
    picture = next(b["picture"] for s in handout["sections"] for b in s["blocks"]
                   if "picture" in b)
    figures = [text for _, role, text in _structure(built / DIAGNOSIS)
               if role == "/Figure"]
    assert " ".join(picture["alt"].split()) in [" ".join(f.split()) for f in figures]


def _render_packet(edition: str, tagged: bool):
    """The English Letter packet as ReportLab renders it, before fields and tags are added."""
    from layouts.build import check_pictures, packet_job
    from layouts.content.errors import Problems
    from layouts.pdf.render import render

    content = load_content(langs=("en",))
    logo = str(ASSETS / content.clinic.logo)
    job = packet_job(content, SET, "en", edition, "letter", logo,
                     check_pictures(content, ASSETS, Problems()))
    assert job.packet and len(job.documents) == len(TOPICS)
    return render(dataclasses.replace(job, tagged=tagged))


@pytest.mark.parametrize("edition", ["standard", "large-print"])
def test_tagging_changes_nothing_on_paper(edition):
    import pypdfium2 as pdfium

    pages = {}
    for tagged in (True, False):
        rendered = _render_packet(edition, tagged)
        document = pdfium.PdfDocument(rendered.pdf)
        pages[tagged] = [page.render(scale=0.5).to_pil().tobytes() for page in document]
    assert len(pages[True]) == len(pages[False])
    different = [n for n, (a, b) in enumerate(zip(pages[True], pages[False]), 1) if a != b]
    assert different == []


# ---- lists, links, fonts and streams -------------------------------------------------------

def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _elements(pdf: pikepdf.Pdf, role: str) -> list:
    return [o for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/S") == role and "/P" in o]


def test_every_bullet_is_the_label_of_its_list_item(built):
    with pikepdf.open(built / output("en", "letter", "standard", "packet")) as pdf:
        items = _elements(pdf, "/LI")
        assert len(items) > 50
        for item in items:
            assert [str(kid.S) for kid in item.K] == ["/Lbl", "/LBody"]
            label = item.K[0]
            assert len(label.K) == 1 and label.K[0].Type == "/MCR"  # the bullet, drawn


def test_a_bullet_back_in_the_list_body_fails_the_audit(built):
    with pikepdf.open(built / DIAGNOSIS) as pdf:
        item = _elements(pdf, "/LI")[0]
        item.K = pikepdf.Array([item.K[1]])
        problems = audit(_saved(pdf))
    assert any("not its bullet in an Lbl" in p for p in problems), problems


def test_the_qr_code_and_the_web_address_are_links_to_it(built):
    clinic = read_content("clinic.yaml")
    address = f"{clinic['web']}/{SET}/en/diagnosis.html"
    with pikepdf.open(built / output("en", "letter", "standard", "diagnosis")) as pdf:
        links = [a for page in pdf.pages for a in page.obj.get("/Annots", [])
                 if a.Subtype == "/Link"]
        assert [str(a.A.URI) for a in links] == [address] * 2
        assert all(str(a.Contents).strip() and int(a.F) & 4 for a in links)  # printable
        figure = next(f for f in _elements(pdf, "/Figure") if "QR" in str(f.Alt))
        qr_box = [float(v) for v in figure.A.BBox]
        assert any([float(v) for v in a.Rect] == qr_box for a in links)
        link = _elements(pdf, "/Link")[0]
        objects = [kid.Obj.objgen for kid in link.K if kid.get("/Type") == "/OBJR"]
        assert sorted(objects) == sorted(a.objgen for a in links)


def test_a_link_without_description_or_link_element_fails_the_audit(built):
    path = built / output("en", "letter", "standard", "diagnosis")
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                if annot.Subtype == "/Link":
                    del annot["/Contents"]
        problems = audit(_saved(pdf))
    assert any("link annotation has no description" in p for p in problems), problems
    with pikepdf.open(path) as pdf:
        _elements(pdf, "/Link")[0].S = pikepdf.Name("/Span")
        problems = audit(_saved(pdf))
    assert any("/Link annotation is referenced from /Span" in p for p in problems), problems


def test_reportlab_output_breaks_the_stream_and_nul_rules_until_cleaned():
    """What ReportLab writes has stream data running into `endstream` and subset fonts that
    map unused codes to U+0000; archival.clean_streams fixes both and nothing else."""
    import pypdfium2 as pdfium

    from layouts.pdf.archival import clean_streams

    rendered = _render_packet("standard", tagged=True)
    before = audit(rendered.pdf)
    assert any("not followed by a line ending" in p for p in before)
    assert any("to U+0000" in p for p in before)
    cleaned = clean_streams(rendered.pdf)
    after = audit(cleaned)
    assert not [p for p in after if "line ending" in p or "U+0000" in p], after
    assert set(after) <= set(before)
    images = [[page.render(scale=0.3).to_pil().tobytes() for page in pdfium.PdfDocument(pdf)]
              for pdf in (rendered.pdf, cleaned)]
    assert images[0] == images[1]
