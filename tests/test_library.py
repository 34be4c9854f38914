"""The handout library: sets, topics, languages, pictures and clinics are content, not code.

A made-up second set (tests/fixtures/library: "chemo at home", five topics listed in an order
unlike their file names, English complete, Spanish half written, an SVG picture whose labels
the Spanish content translates) is built beside the shipped set from a content folder put
together here, with no code change. Checked from what the run prints and writes: the PDFs and
packets each language gets, their bookmarks in the set's order, the manifest, warnings for
missing topics (errors under --strict) and stray folders, reserved names, --set and --clinic,
the translated labels in the picture, and that a pre-filled answer stays under its question
when questions are moved, and becomes a located error when its question is renamed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pypdf
import pytest

from conftest import HANDOUTS, ROOT, problems, run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "library"
SET = "pancreatic-net"
CHEMO = "chemo-at-home"
CHEMO_TOPICS = ("your-pump", "medicines", "infection", "eating", "feelings")


def library(tmp_path: Path) -> Path:
    """A content folder holding the shipped languages and set, plus the made-up set and
    clinic, with an assets folder beside it holding the shipped logo and the made-up picture."""
    src = tmp_path / "handouts"
    shutil.copytree(HANDOUTS, src)
    shutil.copytree(FIXTURE / CHEMO, src / CHEMO)
    shutil.copy(FIXTURE / "clinic.yaml", src / "clinic.yaml")
    shutil.copytree(ROOT / "assets" / "images", tmp_path / "assets" / "images")
    shutil.copy(FIXTURE / "assets" / "images" / "pump.svg", tmp_path / "assets" / "images")
    return src


def manifest(out: Path) -> list[dict]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]


def text_of(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)


@pytest.fixture(scope="module")
def built_library(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("library")
    src = library(tmp)
    out = tmp / "build"
    result = run_cli("--src", src, "--out", out, "--edition", "standard", "--format", "pdf")
    assert result.returncode == 0, result.stderr
    return src, out, result


def test_a_new_set_builds_with_no_code_change(built_library):
    _, out, _ = built_library
    folder = out / CHEMO / "en" / "letter" / "standard"
    assert sorted(p.name for p in folder.glob("*.pdf")) == sorted(
        [f"{t}.pdf" for t in CHEMO_TOPICS] + ["packet.pdf"])
    # The shipped set is still built beside it.
    assert (out / SET / "en" / "letter" / "standard" / "packet.pdf").is_file()


def test_the_packet_follows_the_order_set_yaml_gives(built_library):
    src, out, _ = built_library
    reader = pypdf.PdfReader(out / CHEMO / "en" / "letter" / "standard" / "packet.pdf")
    bookmarks = [item.title for item in reader.outline]
    titles = [(src / CHEMO / "en" / f"{t}.yaml").read_text(encoding="utf-8")
              .split("\n", 1)[0].removeprefix("title: ") for t in CHEMO_TOPICS]
    assert bookmarks == ["Chemo at home: your handouts", *titles]


def test_a_half_written_language_builds_what_it_has_and_gets_no_packet(built_library):
    src, out, result = built_library
    folder = out / CHEMO / "es" / "letter" / "standard"
    assert sorted(p.name for p in folder.glob("*.pdf")) == ["infection.pdf", "your-pump.pdf"]
    missing = {Path(p["path"]).name for p in problems(result.stderr)
               if p["severity"] == "warning" and "not written in es yet" in p["message"]}
    assert missing == {"medicines.yaml", "eating.yaml", "feelings.yaml"}


def test_the_manifest_names_the_set_and_format_of_every_file(built_library):
    _, out, _ = built_library
    entries = manifest(out)
    chemo = [e for e in entries if e["set"] == CHEMO]
    assert {e["path"] for e in chemo} == {
        *(f"{CHEMO}/en/letter/standard/{t}.pdf" for t in (*CHEMO_TOPICS, "packet")),
        *(f"{CHEMO}/es/letter/standard/{t}.pdf" for t in ("your-pump", "infection"))}
    assert all(e["format"] == "pdf" for e in entries)
    assert {e["set"] for e in entries} == {SET, CHEMO}


def test_set_and_topic_warning_signs_join_the_clinics_on_page_1(built_library):
    _, out, _ = built_library
    page_1 = pypdf.PdfReader(out / CHEMO / "en" / "letter" / "standard" /
                             "your-pump.pdf").pages[0].extract_text()
    assert "The pump alarm will not stop" in page_1          # the set's own
    assert "The tube comes out of the port" in page_1        # the topic's own
    assert "shaking chills" in page_1                        # the clinic's
    other = text_of(out / CHEMO / "en" / "letter" / "standard" / "eating.pdf")
    assert "The pump alarm will not stop" in other
    assert "The tube comes out of the port" not in other


def test_the_clinic_placeholder_prints_the_clinics_name(built_library):
    _, out, _ = built_library
    text = text_of(out / CHEMO / "es" / "letter" / "standard" / "infection.pdf")
    assert "Escrito para las pruebas por Maple Grove Cancer Center (clínica de ejemplo)" in \
        " ".join(text.split())
    assert "{clinic}" not in text


def test_the_picture_prints_its_translated_labels(built_library):
    _, out, _ = built_library
    english = text_of(out / CHEMO / "en" / "letter" / "standard" / "your-pump.pdf")
    spanish = text_of(out / CHEMO / "es" / "letter" / "standard" / "your-pump.pdf")
    for word in ("Pump", "Tube", "Port"):
        assert word in english
        assert word not in spanish
    for word in ("Bomba", "Tubo", "Puerto"):
        assert word in spanish


def test_strict_makes_a_missing_topic_an_error(tmp_path):
    src = library(tmp_path)
    result = run_cli("--src", src, "--out", tmp_path / "out", "--set", CHEMO, "--strict",
                     "--check")
    assert result.returncode == 1
    assert any(p["severity"] == "error" and "not written in es yet" in p["message"]
               for p in problems(result.stderr))


def test_set_narrows_the_build(tmp_path):
    src = library(tmp_path)
    out = tmp_path / "out"
    result = run_cli("--src", src, "--out", out, "--set", CHEMO, "--lang", "en",
                     "--edition", "standard", "--topic", "eating", "--format", "pdf")
    assert result.returncode == 0, result.stderr
    assert [e["path"] for e in manifest(out)] == [f"{CHEMO}/en/letter/standard/eating.pdf"]
    assert not (out / SET).exists()


@pytest.mark.parametrize("args, words", [
    (("--set", "chemo-at-hom"), "did you mean 'chemo-at-home'"),
    (("--topic", "eatting"), "did you mean 'eating'"),
])
def test_unknown_set_or_topic_is_a_usage_error(tmp_path, args, words):
    src = library(tmp_path)
    result = run_cli("--src", src, "--out", tmp_path / "out", "--check", *args)
    assert result.returncode == 2
    assert words in result.stderr


def test_a_stray_folder_is_reported_and_never_built(tmp_path):
    src = library(tmp_path)
    shutil.copytree(src / "en", src / "old")
    (src / "old" / "phrases.yaml").rename(src / "old" / "phrases.yaml.bak")
    result = run_cli("--src", src, "--out", tmp_path / "out", "--check")
    assert result.returncode == 0, result.stderr
    stray = [p for p in problems(result.stderr) if p["path"] == (src / "old").resolve()]
    assert stray and stray[0]["severity"] == "warning"
    assert "not built" in stray[0]["message"]


@pytest.mark.parametrize("rename", ["site", "filled"])
def test_a_set_cannot_take_a_name_the_output_uses(tmp_path, rename):
    src = library(tmp_path)
    (src / CHEMO).rename(src / rename)
    result = run_cli("--src", src, "--out", tmp_path / "out", "--check")
    assert result.returncode == 1
    found = problems(result.stderr)
    assert any(p["path"] == (src / rename / "set.yaml").resolve() and "output uses" in
               p["message"] for p in found), result.stderr


@pytest.mark.parametrize("topic", ["packet", "index", "set"])
def test_a_topic_cannot_take_a_name_the_output_uses(tmp_path, topic):
    src = library(tmp_path)
    set_file = src / CHEMO / "set.yaml"
    set_file.write_text(set_file.read_text(encoding="utf-8").replace("  - eating",
                                                                     f"  - {topic}"))
    result = run_cli("--src", src, "--out", tmp_path / "out", "--check")
    assert result.returncode == 1
    line = next(i for i, text in enumerate(set_file.read_text().splitlines(), 1)
                if text == f"  - {topic}")
    assert any(p["path"] == set_file.resolve() and p["line"] == line and "output uses" in
               p["message"] for p in problems(result.stderr)), result.stderr


def test_a_topic_file_not_in_the_set_is_an_error_naming_the_fix(tmp_path):
    src = library(tmp_path)
    shutil.copy(src / CHEMO / "en" / "eating.yaml", src / CHEMO / "en" / "sleep.yaml")
    result = run_cli("--src", src, "--out", tmp_path / "out", "--check")
    assert result.returncode == 1
    [found] = [p for p in problems(result.stderr)
               if p["path"] == (src / CHEMO / "en" / "sleep.yaml").resolve()]
    assert "add 'sleep' to the topics" in found["message"]


def test_copying_a_set_and_adding_a_sixth_topic_builds_a_new_packet(tmp_path):
    """What a clinic does to start a new condition: copy a set folder, rename it, add a topic
    file and a picture; no Python is edited."""
    src = library(tmp_path)
    shutil.copytree(src / CHEMO, src / "chemo-at-home-2")
    new = src / "chemo-at-home-2"
    (new / "set.yaml").write_text((new / "set.yaml").read_text() + "  - sleep\n")
    sleep = (new / "en" / "your-pump.yaml").read_text(encoding="utf-8")
    (new / "en" / "sleep.yaml").write_text(sleep.replace("Your chemo pump", "Sleeping well"),
                                           encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("--src", src, "--out", out, "--set", "chemo-at-home-2", "--lang", "en",
                     "--edition", "standard")
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(out / "chemo-at-home-2" / "en" / "letter" / "standard" /
                             "packet.pdf")
    assert [item.title for item in reader.outline][-1] == "Sleeping well"


def test_another_clinic_file_builds_the_same_content_for_another_site(tmp_path):
    src = library(tmp_path)
    other = tmp_path / "riverside.yaml"
    text = (src / "clinic.yaml").read_text(encoding="utf-8")
    other.write_text(text.replace("name: Maple Grove Cancer Center (sample clinic)",
                                  "name: Riverside Clinic")
                     .replace('phone: "555-0100"', 'phone: "555-0777"'), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("--src", src, "--out", out, "--clinic", other, "--set", CHEMO,
                     "--lang", "en", "--edition", "standard", "--topic", "eating")
    assert result.returncode == 0, result.stderr
    text = " ".join(text_of(out / CHEMO / "en" / "letter" / "standard" / "eating.pdf").split())
    assert "Riverside Clinic" in text and "555-0777" in text
    assert "Written for the tests by Riverside Clinic" in text
    assert "Maple Grove" not in text


def test_a_question_name_must_be_the_same_in_every_language(tmp_path):
    src = library(tmp_path)
    path = src / CHEMO / "es" / "infection.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: second_question",
                                                             "name: segunda"), encoding="utf-8")
    result = run_cli("--src", src, "--out", tmp_path / "out", "--check")
    assert result.returncode == 1
    [found] = [p for p in problems(result.stderr) if p["severity"] == "error"]
    assert found["path"] == path.resolve()
    assert found["line"] == next(i for i, line in enumerate(path.read_text().splitlines(), 1)
                                 if "name: segunda" in line)
    assert "same names in every language" in found["message"]
    assert "segunda" in found["message"] and "second_question" in found["message"]


# ---- pre-filled answers stay under their own question ------------------------------------------

def _fill(src: Path, out: Path, csv_text: str):
    patients = out.parent / f"{out.name}.csv"
    patients.write_text(csv_text, encoding="utf-8")
    return run_cli("--src", src, "--out", out, "--fill", patients, "--set", CHEMO,
                   "--lang", "en", "--edition", "standard", "--paper", "letter")


def _answers(pdf: Path) -> dict[str, tuple[str, str]]:
    """Each filled text field: (its value, its tooltip, which names the question)."""
    found = {}
    for annotation in (a.get_object() for page in pypdf.PdfReader(pdf).pages
                       for a in page.get("/Annots") or ()):
        if annotation.get("/Subtype") != "/Widget":
            continue
        field = annotation["/Parent"].get_object()
        if "/V" in field and "/TU" in field and field.get("/FT") == "/Tx":
            found[str(field["/T"])] = (str(field["/V"]), str(field["/TU"]))
    return found


def test_moving_a_question_keeps_its_prefilled_answer(tmp_path):
    src = library(tmp_path)
    csv_text = ("id,infection.first_question,infection.second_question\n"
                "p-1,Above 100.4,Yes but wash hands\n")
    before = _fill(src, tmp_path / "before", csv_text)
    assert before.returncode == 0, before.stderr
    path = src / CHEMO / "en" / "infection.yaml"
    text = path.read_text(encoding="utf-8")
    first = "  - name: first_question\n    ask: What is a fever for me?\n"
    assert first in text
    # The first question becomes the last: every question moves.
    path.write_text(text.replace(first, "").replace("sources:", first + "sources:", 1),
                    encoding="utf-8")
    after = _fill(src, tmp_path / "after", csv_text)
    assert after.returncode == 0, after.stderr
    for run in ("before", "after"):
        answers = _answers(tmp_path / run / "filled" / "p-1.pdf")
        assert answers["first_question"] == ("Above 100.4", "What is a fever for me?")
        assert answers["second_question"] == ("Yes but wash hands", "Can I see my family?")


def test_renaming_a_question_makes_an_old_column_a_located_error(tmp_path):
    src = library(tmp_path)
    path = src / CHEMO / "en" / "infection.yaml"
    for lang in ("en", "es"):
        file = src / CHEMO / lang / "infection.yaml"
        file.write_text(file.read_text(encoding="utf-8").replace("name: first_question",
                                                                 "name: fever"),
                        encoding="utf-8")
    result = _fill(src, tmp_path / "out", "id,infection.first_question\np-1,Above 100.4\n")
    assert result.returncode == 1
    [found] = [p for p in problems(result.stderr) if p["severity"] == "error"]
    assert found["line"] == 1 and found["col"] == "4"  # where column 2 starts
    # Header cells may be patient data, so the column is named by its number.
    assert "column 2 is not a field of the packet" in found["message"]
    assert "Above 100.4" not in result.stderr + result.stdout
    assert path.exists()


def test_without_a_web_address_no_qr_code_is_printed_and_check_warns(tmp_path):
    src = library(tmp_path)
    clinic = src / "clinic.yaml"
    clinic.write_text("\n".join(line for line in clinic.read_text().splitlines()
                                if not line.startswith("web:")) + "\n")
    checked = run_cli("--src", src, "--out", tmp_path / "out", "--check")
    assert checked.returncode == 0, checked.stderr
    assert any(p["path"] == clinic.resolve() and p["severity"] == "warning" and "'web'" in
               p["message"] for p in problems(checked.stderr)), checked.stderr
    out = tmp_path / "out"
    result = run_cli("--src", src, "--out", out, "--set", CHEMO, "--lang", "en",
                     "--edition", "standard", "--topic", "eating")
    assert result.returncode == 0, result.stderr
    text = text_of(out / CHEMO / "en" / "letter" / "standard" / "eating.pdf")
    assert "example.org" not in text and "Read this online" not in text


def test_a_cyrillic_clinic_name_prints_in_the_banner_header_and_footer_text(tmp_path):
    """Letters the body font lacks are drawn in the fallback font wherever text is drawn, page
    furniture included, never as empty boxes; and every font is embedded."""
    src = library(tmp_path)
    clinic = src / "clinic.yaml"
    name = "Клиника Кленовая Роща"
    clinic.write_text(clinic.read_text(encoding="utf-8").replace(
        "name: Maple Grove Cancer Center (sample clinic)", f"name: {name}", 1), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("--src", src, "--out", out, "--set", CHEMO, "--lang", "en",
                     "--edition", "standard", "--topic", "eating", "--format", "pdf")
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(out / CHEMO / "en" / "letter" / "standard" / "eating.pdf")
    banner = reader.pages[0].extract_text()
    assert name in " ".join(banner.split())
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get(
                "/FontDescriptor")
            assert descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile2", "/FontFile3")), font
            fonts.add(str(font["/BaseFont"]))
    assert any("DejaVu" in f for f in fonts), fonts
    # The banner is page furniture (a Header artifact): the fallback font draws its Cyrillic.
    import pikepdf

    with pikepdf.open(out / CHEMO / "en" / "letter" / "standard" / "eating.pdf") as pdf:
        page = pdf.pages[0]
        names = {str(key): str(font.BaseFont) for key, font in page.Resources.Font.items()}
        in_header, header_fonts = False, set()
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op == "BDC" and str(operands[0]) == "/Artifact" and \
                    str(operands[1].get("/Subtype", "")) == "/Header":
                in_header = True
            elif op == "EMC":
                in_header = False
            elif op == "Tf" and in_header:
                header_fonts.add(names[str(operands[0])])
    assert any("DejaVu" in font for font in header_fonts), header_fonts
