"""Rendered pages compared with committed reference images (DESIGN.md part 3).

Selected pages (page 1 of each handout, English, standard edition on Letter, which shows the
warning box after the key points, plus page 1 of staging-and-grading in large print, whose
warning box follows on page 2) are rendered with pypdfium2 at 50 dpi in greyscale and
compared with tests/reference/<name>.png. A page matches when the mean absolute difference per
pixel is below MAX_MEAN_DIFFERENCE and fewer than MAX_FAR_PIXELS of its pixels differ by more than
FAR (64 grey levels). These limits absorb anti-aliasing noise between renderer builds yet are
tight enough that changing one word of the main message fails (tested below).

On a mismatch the actual image and an amplified difference image are written to tests/output/
(gitignored) and the assertion message names them.

To regenerate the references after an intended change of layout, run

    UPDATE_REFERENCES=1 python -m pytest tests/test_page_images.py

look at the new PNGs, and commit them. (An environment variable rather than a pytest option:
pytest only accepts new options from conftest.py or a plugin.) Without pypdfium2 the tests are
skipped with that reason; it is a test dependency, so normally it is installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops

from conftest import ROOT, output, run_cli, topic_file

REFERENCE_DIR = ROOT / "tests" / "reference"
OUTPUT_DIR = ROOT / "tests" / "output"
DPI = 50
SCALE = DPI / 72
FAR = 64                      # grey levels: a difference this large is ink against paper
MAX_MEAN_DIFFERENCE = 1.0     # grey levels per pixel, averaged over the page
MAX_FAR_PIXELS = 0.002        # share of the page's pixels (0.2 %)
UPDATE = os.environ.get("UPDATE_REFERENCES") == "1"

# name -> (PDF below the build folder, 0-based page index)
PAGES = {
    "diagnosis-letter-standard-p1": (output("en", "letter", "standard", "diagnosis"), 0),
    "staging-and-grading-letter-standard-p1":
        (output("en", "letter", "standard", "staging-and-grading"), 0),
    "treatments-letter-standard-p1": (output("en", "letter", "standard", "treatments"), 0),
    "follow-up-letter-standard-p1": (output("en", "letter", "standard", "follow-up"), 0),
    "staging-and-grading-letter-large-print-p1":
        (output("en", "letter", "large-print", "staging-and-grading"), 0),
}
@dataclass(frozen=True)
class Comparison:
    """How far a rendered page is from its reference."""

    same_size: bool
    mean_difference: float = 0.0
    far_share: float = 0.0

    @property
    def matches(self) -> bool:
        return (self.same_size and self.mean_difference < MAX_MEAN_DIFFERENCE
                and self.far_share < MAX_FAR_PIXELS)

    def __str__(self) -> str:
        if not self.same_size:
            return "the sizes differ"
        return (f"mean difference {self.mean_difference:.3f} (limit {MAX_MEAN_DIFFERENCE}), "
                f"{self.far_share:.3%} of pixels differ by more than {FAR} "
                f"(limit {MAX_FAR_PIXELS:.1%})")


def compare(actual: Image.Image, reference: Image.Image) -> Comparison:
    """Compare two greyscale images pixel by pixel."""
    if actual.size != reference.size:
        return Comparison(same_size=False)
    histogram = ImageChops.difference(actual.convert("L"), reference.convert("L")).histogram()
    pixels = actual.size[0] * actual.size[1]
    mean = sum(level * count for level, count in enumerate(histogram)) / pixels
    far = sum(histogram[FAR + 1:]) / pixels
    return Comparison(True, mean, far)


def render_page(pdf: Path, index: int) -> Image.Image:
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[index]
        image = page.render(scale=SCALE, grayscale=True).to_pil().convert("L")
        page.close()
        return image
    finally:
        document.close()


def write_failure_images(name: str, actual: Image.Image, reference: Image.Image) -> list[Path]:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    actual_path = OUTPUT_DIR / f"{name}-actual.png"
    actual.save(actual_path)
    written = [actual_path]
    if actual.size == reference.size:
        diff = ImageChops.difference(actual, reference).point(lambda v: 255 - min(255, v * 4))
        diff_path = OUTPUT_DIR / f"{name}-diff.png"
        diff.save(diff_path)
        written.append(diff_path)
    return written


def check_against_reference(name: str, actual: Image.Image) -> None:
    reference_path = REFERENCE_DIR / f"{name}.png"
    if UPDATE:
        REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
        actual.save(reference_path, optimize=True)
        pytest.skip(f"UPDATE_REFERENCES=1: wrote {reference_path.relative_to(ROOT)}; "
                    "look at it before committing")
    assert reference_path.exists(), (
        f"no reference image {reference_path.relative_to(ROOT)}; create it with "
        "UPDATE_REFERENCES=1 python -m pytest tests/test_page_images.py")
    with Image.open(reference_path) as stored:
        reference = stored.convert("L")
    result = compare(actual, reference)
    if not result.matches:
        written = write_failure_images(name, actual, reference)
        pytest.fail(f"page {name} differs from its reference: {result}; wrote "
                    + ", ".join(str(p.relative_to(ROOT)) for p in written)
                    + ". If the change is intended, regenerate with UPDATE_REFERENCES=1.")


@pytest.fixture(scope="module")
def pages_build(tmp_path_factory) -> Path:
    """The shipped English content: standard edition, and staging-and-grading in large print."""
    out = tmp_path_factory.mktemp("page-images")
    for args in (("--edition", "standard"),
                 ("--edition", "large-print", "--topic", "staging-and-grading")):
        result = run_cli("--out", out, "--lang", "en", "--paper", "letter", *args)
        assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_matches_reference(name, pages_build):
    pdf, index = PAGES[name]
    actual = render_page(pages_build / pdf, index)
    assert actual.size == (round(612 * SCALE), round(792 * SCALE))  # Letter at 50 dpi
    assert actual.getextrema()[0] < 64, "the page rendered without any dark ink"
    check_against_reference(name, actual)


def test_one_changed_word_fails_the_comparison(content, tmp_path, pages_build):
    """The limits are tight enough to notice one word of the main message changing (compared
    with the same page of the shipped content, built now)."""
    path = content / topic_file("diagnosis")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, ln in enumerate(lines) if ln.startswith("main_message:"))
    words = lines[index].split(" ")
    words[1] = "Scans" if words[1] != "Scans" else "Tests"  # words[0] is "main_message:"
    lines[index] = " ".join(words)
    path.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("--src", content, "--out", out, "--lang", "en", "--paper", "letter",
                     "--edition", "standard", "--topic", "diagnosis")
    assert result.returncode == 0, result.stderr
    pdf, index = PAGES["diagnosis-letter-standard-p1"]
    unchanged = render_page(pages_build / pdf, index)
    assert compare(unchanged, render_page(pages_build / pdf, index)).matches

    actual = render_page(out / pdf, index)
    comparison = compare(actual, unchanged)

    assert not comparison.matches, f"a changed word went unnoticed: {comparison}"


def test_compare_accepts_identical_and_rejects_different_sizes():
    page = Image.new("L", (40, 50), 255)
    assert compare(page, page.copy()).matches
    assert compare(page, page.copy()).mean_difference == 0
    assert not compare(page, Image.new("L", (40, 51), 255)).matches
    blot = page.copy()
    blot.paste(0, (0, 0, 10, 10))  # 100 of 2000 pixels: 5 %
    assert not compare(blot, page).matches
