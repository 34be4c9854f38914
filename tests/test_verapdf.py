"""PDF/A-2a and PDF/UA-1 as veraPDF, the reference validator, judges them: every PDF of a full
build (both papers), of a pre-filled run (English) and of a flattened run (Spanish, large print,
A4; one value in the fallback font) passes both with no failure, and a built PDF broken on
purpose, one rule at a time, fails the rule that was broken.

veraPDF runs on Java (see verapdf.py). Without it these tests are skipped with the reason, except
under CI (CI=true), where they fail: CI installs what they need.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pikepdf
import pytest
from pypdf.generic import read_object

import verapdf
from conftest import ROOT, output, run_cli

PATIENTS = ROOT / "examples" / "patients.csv"


@pytest.fixture(scope="module")
def validator():
    reason = verapdf.unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run veraPDF, but: {reason}")
        pytest.skip(reason)


def _report(results: dict[Path, list], base: Path) -> dict[str, list[str]]:
    return {str(path.relative_to(base)): [str(f) for f in failures]
            for path, failures in results.items() if failures}


def _patients_with_a_fallback_row(folder: Path) -> Path:
    """The shipped sample, plus a patient whose name the form font lacks (Armenian), so the
    fallback font is embedded too."""
    with PATIENTS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    extra = {"id": "fallback-1", "patient_name": "Արամ Պետրոսյան"}
    rows.append([extra.get(column, "") for column in header])
    path = folder / "patients.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture(scope="module")
def fills(tmp_path_factory) -> Path:
    """A pre-filled run (English) and a flattened one (Spanish, large print, A4) of the shipped
    sample patients, plus one whose name needs the fallback font."""
    folder = tmp_path_factory.mktemp("fills")
    patients = _patients_with_a_fallback_row(folder)
    for out, extra in ((folder / "filled", ("--lang", "en")),
                       (folder / "flat", ("--lang", "es", "--edition", "large-print", "--paper",
                                          "a4", "--flatten"))):
        result = run_cli("--out", out, "--fill", patients, *extra)
        assert result.returncode == 0, result.stderr
    return folder


def test_every_pdf_of_a_build_a_fill_and_a_flattened_fill_conforms(validator, built, fills):
    pdfs, filled = sorted(built.rglob("*.pdf")), sorted(fills.rglob("*.pdf"))
    assert len(pdfs) >= 40 and len(filled) >= 8
    results = verapdf.validate(pdfs + filled)
    assert _report({p: results[p] for p in pdfs}, built) == {}
    assert _report({p: results[p] for p in filled}, fills) == {}


def _trailer_ids(data: bytes) -> list[tuple[bytes, ...]]:
    """The /ID of every trailer: the classic one ReportLab writes and each update's
    cross-reference stream, found from every `startxref`."""
    ids = []
    for offset in re.findall(rb"startxref\s+(\d+)", data):
        at = int(offset)
        end = data.index(b"startxref" if data.startswith(b"xref", at) else b"stream", at)
        found = data.find(b"/ID", at, end)
        assert found >= 0, f"the trailer at {offset.decode()} has no /ID"
        at = found + 3
        while data[at:at + 1].isspace():
            at += 1
        stream = io.BytesIO(data)
        stream.seek(at)
        ids.append(tuple(getattr(part, "original_bytes", part)
                         for part in read_object(stream, None)))
    return ids


def test_every_update_keeps_the_document_id(built, fills):
    """PDF/A wants the file identifier in the last trailer; each incremental update (fields and
    tags, then a fill) repeats the original's, so the file stays the same document."""
    for path in [built / output("en", "letter", "standard", "diagnosis"),
                 *sorted(fills.rglob("*.pdf"))]:
        ids = _trailer_ids(path.read_bytes())
        assert len(ids) >= 2 and len(set(ids)) == 1, (path.name, ids)


# ---- one rule broken at a time --------------------------------------------------------------

def _structure_elements(pdf: pikepdf.Pdf, role: str) -> list:
    return [o for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/S") == role and "/P" in o]


def _no_figure_alt(pdf: pikepdf.Pdf) -> None:
    for figure in _structure_elements(pdf, "/Figure"):
        del figure["/Alt"]


def _list_item_as_paragraph(pdf: pikepdf.Pdf) -> None:
    _structure_elements(pdf, "/LI")[0].S = pikepdf.Name("/P")


def _no_language(pdf: pikepdf.Pdf) -> None:
    del pdf.Root["/Lang"]


def _no_tooltip(pdf: pikepdf.Pdf) -> None:
    field = next(f for f in pdf.Root.AcroForm.Fields[0].Kids if "/TU" in f)
    del field["/TU"]


def _no_output_intent(pdf: pikepdf.Pdf) -> None:
    del pdf.Root["/OutputIntents"]


# Each breakage and rules veraPDF must report for it (flavour clause-test).
BREAKAGES = {
    "no alt text on a figure": (_no_figure_alt, {"ua1 7.3-1"}),
    # L may hold only L, LI and Caption; LBody belongs in an LI.
    "a list item turned into a paragraph": (_list_item_as_paragraph,
                                            {"ua1 7.2-18", "ua1 7.2-19"}),
    # The language of the page text (and of the metadata, tooltips...) is unknown.
    "no /Lang": (_no_language, {"ua1 7.2-34"}),
    "a missing tooltip": (_no_tooltip, {"ua1 7.18.1-3"}),
    "no output intent": (_no_output_intent, {"2a 6.2.4.3-2", "2a 6.2.10-2"}),
}


def test_each_rule_broken_on_purpose_is_reported(validator, built, tmp_path):
    """The same file saved again unchanged passes; each breakage is reported as what it is."""
    source = built / output("en", "letter", "standard", "diagnosis")
    paths = {}
    for name, (breaking, _) in {"nothing": (lambda pdf: None, set()), **BREAKAGES}.items():
        with pikepdf.open(source) as pdf:
            breaking(pdf)
            out = io.BytesIO()
            pdf.save(out)
        paths[name] = tmp_path / f"{name.replace(' ', '-').replace('/', '')}.pdf"
        paths[name].write_bytes(out.getvalue())
    results = verapdf.validate(paths.values())
    reported = {name: {f.rule for f in results[path]} for name, path in paths.items()}
    assert reported.pop("nothing") == set()
    missed = {name: sorted(expected - reported[name])
              for name, (_, expected) in BREAKAGES.items() if expected - reported[name]}
    assert missed == {}, f"veraPDF reported {reported}"
