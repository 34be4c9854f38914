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
from pathlib import Path

import pikepdf
import pytest

import verapdf
from conftest import ROOT, run_cli

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


def test_every_pdf_of_a_build_a_fill_and_a_flattened_fill_conforms(validator, built,
                                                                   tmp_path):
    filled, flat = tmp_path / "filled", tmp_path / "flat"
    patients = _patients_with_a_fallback_row(tmp_path)
    for out, extra in ((filled, ("--lang", "en")),
                       (flat, ("--lang", "es", "--edition", "large-print", "--paper", "a4",
                               "--flatten"))):
        result = run_cli("--out", out, "--fill", patients, *extra)
        assert result.returncode == 0, result.stderr
    pdfs = sorted(built.rglob("*.pdf"))
    fills = sorted(filled.rglob("*.pdf")) + sorted(flat.rglob("*.pdf"))
    assert len(pdfs) >= 40 and len(fills) >= 8
    results = verapdf.validate(pdfs + fills)
    assert _report({p: results[p] for p in pdfs}, built) == {}
    assert _report({p: results[p] for p in fills}, tmp_path) == {}


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
    source = built / "en" / "letter" / "standard" / "diagnosis.pdf"
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
