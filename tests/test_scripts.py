"""Any script, no boxes: text in Vietnamese, Greek and Cyrillic prints (the body face, with a
fallback face per run of characters it lacks); Chinese, right-to-left and shaping scripts, and
characters no bundled font has, are located errors naming the character."""

from __future__ import annotations

import re
import unicodedata

import pytest
from pypdf import PdfReader

from conftest import output, run_cli, topic_file

SAMPLES = {
    "vietnamese": "Bệnh nhân cần nghỉ ngơi và uống đủ nước mỗi ngày.",
    "greek": "Ο γιατρός θα σας εξηγήσει τα αποτελέσματα.",
    "cyrillic": "Врач объяснит вам результаты анализов.",
}


def set_main_message(content, text: str) -> int:
    """Replace the diagnosis handout's main message; return its line number."""
    path = content / topic_file("diagnosis")
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("main_message:"))
    lines[number] = f'main_message: "{text}"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1


def page_fonts(pdf: PdfReader) -> set[str]:
    return {str(font.get_object()["/BaseFont"]) for page in pdf.pages
            for font in page["/Resources"].get("/Font", {}).values()}


@pytest.mark.parametrize("script", SAMPLES)
def test_other_scripts_print_and_come_back_out_of_the_pdf(content, tmp_path, script):
    text = SAMPLES[script]
    set_main_message(content, text)
    result = run_cli("--src", content, "--out", tmp_path / "out", "--lang", "en",
                     "--topic", "diagnosis", "--edition", "standard")
    assert result.returncode == 0, result.stderr
    pdf = PdfReader(tmp_path / "out" / output("en", "letter", "standard", "diagnosis"))
    first_page = unicodedata.normalize("NFC", pdf.pages[0].extract_text())
    assert text in " ".join(first_page.split())
    # Atkinson Hyperlegible lacks these letters, so the fallback face carries them.
    assert any("DejaVuSans" in name for name in page_fonts(pdf))


def test_text_is_normalised_so_decomposed_accents_print(content, tmp_path):
    decomposed = unicodedata.normalize("NFD", SAMPLES["vietnamese"])
    assert decomposed != SAMPLES["vietnamese"]
    set_main_message(content, decomposed)
    result = run_cli("--src", content, "--out", tmp_path / "out", "--lang", "en",
                     "--topic", "diagnosis", "--edition", "standard")
    assert result.returncode == 0, result.stderr
    pdf = PdfReader(tmp_path / "out" / output("en", "letter", "standard", "diagnosis"))
    assert SAMPLES["vietnamese"] in " ".join(pdf.pages[0].extract_text().split())


@pytest.mark.parametrize("text, char, why", [
    ("Hello 中文 world", "中", "no bundled font"),
    ("Hello \U0001D11E music", "\U0001D11E", "no bundled font"),
    ("Shalom שלום friend", "ש", "right-to-left"),
    ("Salaam سلام friend", "س", "right-to-left"),
    ("Namaste नमस्ते friend", "न", "shaping"),
    ("Private \ue000 use", "\ue000", "unassigned"),
])
def test_unprintable_characters_are_located_errors(content, tmp_path, text, char, why):
    line = set_main_message(content, text)
    out = tmp_path / "out"
    result = run_cli("--src", content, "--out", out, "--lang", "en")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # Column: the character's own place on the line (after `main_message: "`).
    col = len('main_message: "') + text.index(char) + 1
    expected = re.compile(rf"diagnosis\.yaml:{line}:{col}: error: the character '{re.escape(char)}"
                          rf"' \(U\+{ord(char):04X}")
    assert expected.search(result.stderr), result.stderr
    assert why in result.stderr
    assert not out.exists() or not any(out.rglob("*.pdf"))
