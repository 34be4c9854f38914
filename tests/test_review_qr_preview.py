"""Review cycle, QR code, staff preview and overflow warning (issue 4, parts 5 to 7).

Review cycle: `--today` the day before a handout's next review date (last_reviewed plus
review_every_months, read from the YAML) passes `--check --strict`; on and after it, a warning at
that file's `last_reviewed` line names the due date, an error under `--strict`; the clinic's
warning signs have their own review date, warned about the same way. The handout's closing
(after the sources, on its last page) shows both dates once, formatted as the language's phrases
say; a packet shows each handout's dates at the end of that handout.

QR code: with a `web` address in clinic.yaml, the last page of each handout prints the address of
its own web page (`<web>/<set>/<lang>/<topic>.html`) and, left of it, a tagged Figure whose /Alt
names the address, drawn as small filled squares (a packet: one per handout). The rendered
squares are compared module by module with a standard QR encoding of the address (no QR decoder
is installed, so ReportLab's encoder stands in: any error-correction level and mask is
accepted), with its quiet zone clear. Without `web`, neither the address nor the code is printed.

Preview: `--preview` writes <topic>.preview.png (and packet.preview.png) beside each PDF, named in
the manifest, with one thumbnail per page (ceil(pages / 6) rows), each the page in order, not
blank. Overflow: a 150-character clinic name is a warning at clinic.yaml's name line, and under
`--strict` exit 1 with nothing written.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections import Counter
from pathlib import Path

import pikepdf
import pypdf
import pypdfium2 as pdfium
import pytest
import yaml
from PIL import Image, ImageChops, ImageStat

from conftest import HANDOUTS, SET, TOPICS, output, problems, run_cli, topic_file
from pdf_measure import measure_page

LANGS = ("en", "es")
EDITIONS = ("standard", "large-print")
WEB = yaml.safe_load((HANDOUTS / "clinic.yaml").read_text(encoding="utf-8")).get("web")


def address(lang: str, topic: str) -> str:
    """The web page of one handout, where its QR code points (DESIGN.md part 2)."""
    return f"{WEB.rstrip('/')}/{SET}/{lang}/{topic}.html"


def squeezed(text: str) -> str:
    """Text without any white space: an address a line break split is whole again."""
    return "".join(text.split())


# ---- helpers ---------------------------------------------------------------------------------



def line_of(path: Path, key: str) -> int:
    """The (1-based) line on which a top-level key is typed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(i for i, text in enumerate(lines, 1) if text.startswith(f"{key}:"))


def set_key(path: Path, key: str, value: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(rf"(?m)^{re.escape(key)}:.*$", f"{key}: {value}", text)
    assert count == 1, f"{key} should be typed once in {path}"
    path.write_text(new, encoding="utf-8")


def add_months(date: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the last day of that month if it is shorter."""
    month = date.month - 1 + months
    year, month = date.year + month // 12, month % 12 + 1
    last = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(date.day, last))


def review_dates(content: Path) -> dict[Path, tuple[datetime.date, datetime.date]]:
    """handout file -> (last_reviewed, next review), from the YAML alone."""
    dates = {}
    for lang in LANGS:
        for topic in TOPICS:
            path = content / topic_file(topic, lang)
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            last = datetime.date.fromisoformat(str(data["last_reviewed"]))
            dates[path] = last, add_months(last, int(data["review_every_months"]))
    return dates


def signs_reviews(content: Path) -> dict[str, tuple[datetime.date, datetime.date, int]]:
    """language -> (last_reviewed, next review, line of last_reviewed) of the clinic's warning
    signs, from clinic.yaml alone."""
    path = content / "clinic.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = {}
    for lang, local in data["languages"].items():
        signs = local["warning_signs"]
        last = datetime.date.fromisoformat(str(signs["last_reviewed"]))
        start = lines.index(f"  {lang}:")
        line = next(i for i, text in enumerate(lines[start:], start + 1)
                    if text.strip().startswith("last_reviewed:"))
        found[lang] = last, add_months(last, int(signs["review_every_months"])), line
    return found


SHIPPED = review_dates(HANDOUTS)
SIGNS = signs_reviews(HANDOUTS)
FIRST_DUE = min(due for _, due, *_ in (*SHIPPED.values(), *SIGNS.values()))
TODAY = max(last for last, *_ in (*SHIPPED.values(), *SIGNS.values())).isoformat()  # none due


def formatted(date: datetime.date, lang: str, content: Path = HANDOUTS) -> str:
    phrases = yaml.safe_load((content / lang / "phrases.yaml").read_text(encoding="utf-8"))
    return phrases["date_format"].format(day=date.day, month=phrases["months"][date.month - 1],
                                         year=date.year)


def footer_texts(lang: str, content: Path, last: datetime.date, due: datetime.date):
    phrases = yaml.safe_load((content / lang / "phrases.yaml").read_text(encoding="utf-8"))
    return (phrases["reviewed_label"].format(date=formatted(last, lang, content)),
            phrases["next_review_label"].format(date=formatted(due, lang, content)))


def squash(text: str) -> str:
    return " ".join(text.split())


def structure_elements(pdf: pikepdf.Pdf):
    def walk(node):
        if isinstance(node, pikepdf.Array):
            for kid in node:
                yield from walk(kid)
        elif isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                yield node
            if "/K" in node:
                yield from walk(node.K)

    root = pdf.Root.get("/StructTreeRoot")
    return [] if root is None else list(walk(root.K))


def qr_figures(path: Path) -> list[tuple[int, str, tuple[float, ...]]]:
    """(page index, /Alt, BBox) of each tagged Figure whose /Alt names a QR code or the address."""
    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        found = []
        for element in structure_elements(pdf):
            alt = str(element.get("/Alt", ""))
            if str(element.S) == "/Figure" and ("QR" in alt or (WEB and WEB in alt)):
                bbox = tuple(float(v) for v in element.A.BBox)
                found.append((pages[element.Pg.objgen], alt, bbox))
        return found


def page_texts(path: Path) -> list[str]:
    return [squash(page.extract_text() or "") for page in pypdf.PdfReader(path).pages]


# ---- a build of the shipped content, shared --------------------------------------------------

@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """Every handout and the packet, both languages and editions, with previews."""
    out = tmp_path_factory.mktemp("review-qr-preview")
    result = run_cli("--out", out, "--paper", "letter", "--preview", "--today", TODAY,
                     "--format", "pdf")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def manifest(shipped) -> list[dict]:
    """The manifest's entries: with --format pdf, the PDFs alone (no web pages, no site)."""
    files = json.loads((shipped / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert files and all(e["format"] == "pdf" for e in files), {e["format"] for e in files}
    return files


# ---- review cycle --------------------------------------------------------------------------------

def test_the_day_before_the_first_review_is_due_check_strict_passes(tmp_path):
    day_before = FIRST_DUE - datetime.timedelta(days=1)
    result = run_cli("--check", "--strict", "--today", day_before.isoformat(),
                     "--out", tmp_path / "unused")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("days_late", [0, 45])
def test_a_due_handout_is_a_warning_at_its_last_reviewed_line(tmp_path, days_late):
    today = FIRST_DUE + datetime.timedelta(days=days_late)
    result = run_cli("--check", "--today", today.isoformat(), "--out", tmp_path / "unused")
    assert result.returncode == 0, result.stderr
    reviews = [p for p in problems(result.stderr) if "review" in p["message"]]
    due = {(path.resolve(), line_of(path, "last_reviewed")): when
           for path, (_, when) in SHIPPED.items() if when <= today}
    assert due, "the shipped handouts should be due on their first due date"
    # the clinic's warning signs are reviewed on their own dates, in each language
    clinic = (HANDOUTS / "clinic.yaml").resolve()
    due |= {(clinic, line): when for _, when, line in SIGNS.values() if when <= today}
    assert sorted((p["path"], p["line"]) for p in reviews) == sorted(due)
    for problem in reviews:
        assert problem["severity"] == "warning"
        assert due[problem["path"], problem["line"]].isoformat() in problem["message"]


def test_strict_makes_a_due_review_an_error_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = run_cli("--out", out, "--lang", "en", "--topic", "diagnosis", "--edition",
                     "standard", "--today", FIRST_DUE.isoformat(), "--strict")
    assert result.returncode == 1
    reviews = [p for p in problems(result.stderr) if "review" in p["message"]]
    assert reviews and all(p["severity"] == "error" for p in reviews)
    diagnosis = HANDOUTS / topic_file("diagnosis")
    assert any(p["path"] == diagnosis.resolve()
               and p["line"] == line_of(diagnosis, "last_reviewed") for p in reviews)
    assert "nothing was written" in result.stderr
    assert not out.exists() or not any(out.rglob("*.*"))


def test_the_review_interval_is_read_from_each_handouts_yaml(content, tmp_path):
    """Only the handout whose own dates say so is due, on exactly its own due date."""
    diagnosis = content / topic_file("diagnosis")
    # The days checked fall after every other review (a review date after --today is an
    # error) and before any other is due.
    set_key(diagnosis, "last_reviewed", '"2026-03-31"')
    set_key(diagnosis, "review_every_months", "8")   # due 2026-11-30: November has 30 days
    due = datetime.date(2026, 11, 30)
    assert review_dates(content)[diagnosis][1] == due
    day_before = run_cli("--src", content, "--check", "--strict", "--today", "2026-11-29",
                         "--out", tmp_path / "unused")
    assert day_before.returncode == 0, day_before.stderr
    on_the_day = run_cli("--src", content, "--check", "--strict", "--today", "2026-11-30",
                         "--out", tmp_path / "unused")
    assert on_the_day.returncode == 1
    (error,) = problems(on_the_day.stderr)
    assert (error["path"], error["line"]) == (diagnosis.resolve(), line_of(diagnosis,
                                                                           "last_reviewed"))
    assert "2026-11-30" in error["message"]


def test_a_review_due_at_the_end_of_february_in_a_leap_year(content, tmp_path):
    diagnosis = content / topic_file("diagnosis")
    set_key(diagnosis, "last_reviewed", '"2027-08-31"')
    set_key(diagnosis, "review_every_months", "6")
    assert review_dates(content)[diagnosis][1] == datetime.date(2028, 2, 29)
    # The other handouts are due by then too; only diagnosis's date is under test.
    day_before = run_cli("--src", content, "--lang", "en", "--check",
                         "--today", "2028-02-28", "--out", tmp_path / "unused")
    assert "diagnosis.yaml" not in day_before.stderr, day_before.stderr
    due = run_cli("--src", content, "--lang", "en", "--check",
                  "--today", "2028-02-29", "--out", tmp_path / "unused")
    assert "diagnosis.yaml" in due.stderr and "2028-02-29" in due.stderr, due.stderr


def closing_dates(lang: str, topic: str, content: Path = HANDOUTS) -> tuple[str, str]:
    """"Reviewed <date>" and "Next review <date>" of one handout, from its YAML."""
    dates = review_dates(content)[content / topic_file(topic, lang)]
    return tuple(squash(t) for t in footer_texts(lang, content, *dates))


def test_the_closing_shows_the_review_and_next_review_dates(shipped, manifest):
    """The dates are in the closing, after the sources, once per handout; no longer in every
    page's footer."""
    checked = 0
    for entry in manifest:
        lang = entry["lang"]
        phrases = yaml.safe_load((HANDOUTS / lang / "phrases.yaml").read_text(encoding="utf-8"))
        sources = squash(phrases["sources_heading"])
        texts = page_texts(shipped / entry["path"])
        assert len(texts) == entry["pages"]
        if entry["topic"] != "packet":
            reviewed, next_review = closing_dates(lang, entry["topic"])
            for line in (reviewed, next_review):
                assert [i for i, t in enumerate(texts) if line in t] == [len(texts) - 1], \
                    (entry["path"], line)
            last = texts[-1]
            assert sources in last
            assert last.index(sources) < last.index(reviewed) < last.index(next_review), \
                entry["path"]
            checked += 1
            continue
        # a packet: each handout's closing, in the set's order, after its own sources
        whole, at = " ".join(texts), 0
        for topic in TOPICS:
            reviewed, next_review = closing_dates(lang, topic)
            source_at = whole.index(sources, at)
            reviewed_at = whole.index(reviewed, source_at)
            at = whole.index(next_review, reviewed_at)
            checked += 1
        assert whole.count(sources) == len(TOPICS), entry["path"]
        # each handout's dates once, nowhere else (not in the footers)
        wanted = Counter(line for topic in TOPICS for line in closing_dates(lang, topic))
        assert {line: whole.count(line) for line in wanted} == dict(wanted), entry["path"]
    assert checked > 20
    # As the brief's example writes it: "November 1, 2026".
    assert formatted(datetime.date(2026, 11, 1), "en") == "November 1, 2026"


def test_the_closing_dates_come_from_the_handouts_yaml(content, tmp_path):
    # The date falls after every shipped review (a review dated after --today is an error) and
    # before any is due.
    assert datetime.date(2026, 11, 15) > max(last for last, *_ in (*SHIPPED.values(),
                                                                    *SIGNS.values()))
    assert datetime.date(2026, 11, 15) < FIRST_DUE
    for lang in LANGS:
        path = content / topic_file("diagnosis", lang)
        set_key(path, "last_reviewed", '"2026-11-15"')
        set_key(path, "review_every_months", "18")
    out = tmp_path / "out"
    result = run_cli("--src", content, "--out", out, "--topic", "diagnosis", "--edition",
                     "standard", "--paper", "letter", "--today", "2026-11-15",
                     "--format", "pdf")
    assert result.returncode == 0, result.stderr
    expected = {"en": ("Reviewed November 15, 2026", "Next review May 15, 2028")}
    for lang in LANGS:
        last, due = datetime.date(2026, 11, 15), datetime.date(2028, 5, 15)
        assert closing_dates(lang, "diagnosis", content) == tuple(
            squash(t) for t in footer_texts(lang, content, last, due))
        reviewed, next_review = footer_texts(lang, content, last, due)
        assert (reviewed, next_review) == expected.get(lang, (reviewed, next_review))
        texts = page_texts(out / output(lang, "letter", "standard", "diagnosis"))
        assert squash(reviewed) in texts[-1] and squash(next_review) in texts[-1]
        assert not any(squash(reviewed) in text for text in texts[:-1])


# ---- QR code ---------------------------------------------------------------------------------

def qr_matrices(text: str):
    """Every standard QR encoding of text: each error-correction level and mask pattern."""
    from reportlab.graphics.barcode import qrencoder

    for level in ("L", "M", "Q", "H"):
        for mask in range(8):
            code = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
            code.addData(text)
            code.make()
            code.makeImpl(False, mask)
            yield [[bool(v) for v in row] for row in code.modules]


def rendered_symbol(path: Path, page_index: int, bbox, scale: float = 4.0):
    """The page rendered in grey, and the pixel box of the dark symbol inside bbox."""
    document = pdfium.PdfDocument(str(path))
    try:
        page = document[page_index]
        height = page.get_height()
        image = page.render(scale=scale).to_pil().convert("L")
    finally:
        document.close()
    x0, y0, x1, y1 = bbox
    box = (int(x0 * scale), int((height - y1) * scale), math.ceil(x1 * scale),
           math.ceil((height - y0) * scale))
    dark = image.crop(box).point(lambda v: 255 if v < 128 else 0)
    inner = dark.getbbox()
    assert inner, f"{path} page {page_index + 1}: nothing dark inside the QR figure's box"
    symbol = (box[0] + inner[0], box[1] + inner[1], box[0] + inner[2], box[1] + inner[3])
    return image, symbol


def sampled_modules(image: Image.Image, symbol, modules: int) -> list[list[bool]]:
    left, top, right, bottom = symbol
    size_x, size_y = (right - left) / modules, (bottom - top) / modules
    return [[image.getpixel((int(left + (c + 0.5) * size_x), int(top + (r + 0.5) * size_y))) < 128
             for c in range(modules)] for r in range(modules)]


needs_web = pytest.mark.skipif(not WEB, reason="the shipped clinic.yaml has no web address")


def last_content_page(path: Path, lang: str) -> int:
    """The handout's last page, or the one before when only the closing lines that follow the
    web address (the disclaimer, the clinic's language-help line) are after it."""
    texts = page_texts(path)
    phrases = yaml.safe_load((HANDOUTS / lang / "phrases.yaml").read_text(encoding="utf-8"))
    clinic = yaml.safe_load((HANDOUTS / "clinic.yaml").read_text(encoding="utf-8"))
    after = [squash(re.sub(r"\*\*|__", "", text)) for text in
             (phrases["disclaimer"], clinic["languages"][lang]["language_help"])]
    if len(texts) > 1 and any(texts[-1].startswith(text) for text in after):
        return len(texts) - 2
    return len(texts) - 1


@needs_web
def test_the_end_of_each_handout_prints_its_own_web_address(shipped, manifest):
    for entry in manifest:
        if entry["topic"] == "packet":
            continue  # a packet shows it once per handout; its pages are checked below
        path = shipped / entry["path"]
        texts = page_texts(path)
        last = last_content_page(path, entry["lang"])
        assert [i for i, text in enumerate(texts) if WEB in squeezed(text)] == [last], \
            entry["path"]
        assert address(entry["lang"], entry["topic"]) in squeezed(texts[last]), entry["path"]


@needs_web
def test_the_qr_code_is_a_tagged_figure_of_small_squares_left_of_the_address(shipped, manifest):
    for entry in manifest:
        path = shipped / entry["path"]
        topics = TOPICS if entry["topic"] == "packet" else (entry["topic"],)
        figures = qr_figures(path)
        # one per handout, each naming the handout's own web page, in the set's order
        assert len(figures) == len(topics), (entry["path"], figures)
        for topic, figure in zip(topics, figures):
            check_qr_figure(path, entry, address(entry["lang"], topic), *figure)


def check_qr_figure(path: Path, entry: dict, own: str, page_index: int, alt: str, bbox) -> None:
    """A QR figure: where it should be, what it says, and drawn as squares beside the address."""
    if entry["topic"] != "packet":
        assert page_index == last_content_page(path, entry["lang"]), entry["path"]
    assert own in squeezed(page_texts(path)[page_index]), (entry["path"], own)
    assert own in alt, (entry["path"], alt)
    x0, y0, x1, y1 = bbox
    assert x1 - x0 == pytest.approx(y1 - y0, abs=0.5)   # square
    assert x1 - x0 >= 50                                # about 2 cm at least, to scan

    reader = pypdf.PdfReader(path)
    drawing = measure_page(reader.pages[page_index], reader)
    squares = [r for r in drawing.rects if r.filled and r.height < 6
               and x0 <= r.x0 and r.x1 <= x1 and y0 <= r.y0 and r.y1 <= y1]
    assert len(squares) >= 100, (entry["path"], len(squares))
    module = min(r.height for r in squares)
    assert all(r.height == pytest.approx(module, abs=0.01) for r in squares)

    document = pdfium.PdfDocument(str(path))
    try:
        page = document[page_index]
        text = page.get_textpage()
        beside = text.get_text_bounded(left=x1, bottom=y0, right=page.get_width(), top=y1)
        inside = text.get_text_bounded(left=x0, bottom=y0, right=x1, top=y1)
    finally:
        document.close()
    assert own in squeezed(beside), (entry["path"], beside)
    assert inside.strip() == "", (entry["path"], inside)


@needs_web
@pytest.mark.parametrize("lang, edition", [(lang, e) for lang in LANGS for e in EDITIONS])
def test_the_qr_code_encodes_the_web_address(shipped, lang, edition):
    path = shipped / output(lang, "letter", edition, "diagnosis")
    ((page_index, _, bbox),) = qr_figures(path)
    image, symbol = rendered_symbol(path, page_index, bbox)
    left, top, right, bottom = symbol
    assert right - left == pytest.approx(bottom - top, abs=2)
    own = address(lang, "diagnosis")
    candidates = list(qr_matrices(own))
    matched = [m for m in candidates if sampled_modules(image, symbol, len(m)) == m]
    assert matched, "the drawn symbol is no standard QR encoding of " + own
    modules = len(matched[0])
    # The quiet zone: four modules of white all round, or scanners miss the code.
    quiet = 4 * (right - left) / modules
    around = image.crop((int(left - quiet), int(top - quiet), math.ceil(right + quiet),
                         math.ceil(bottom + quiet)))
    ring = around.copy()
    ring.paste(255, (int(quiet) + 1, int(quiet) + 1, ring.width - int(quiet) - 1,
                     ring.height - int(quiet) - 1))
    assert ring.point(lambda v: 255 if v < 128 else 0).getbbox() is None, "quiet zone not clear"


def test_without_a_web_address_there_is_no_address_and_no_qr_code(content, tmp_path):
    clinic = content / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8")
    clinic.write_text(re.sub(r"(?m)^web:.*\n", "", text), encoding="utf-8")
    assert "web:" not in clinic.read_text(encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("--src", content, "--out", out, "--lang", "en", "--edition", "standard",
                     "--paper", "letter", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    phrases = yaml.safe_load((content / "en" / "phrases.yaml").read_text(encoding="utf-8"))
    for name in ("diagnosis", "packet"):
        path = out / output("en", "letter", "standard", name)
        assert qr_figures(path) == []
        texts = page_texts(path)
        if WEB:
            assert all(WEB not in t for t in texts)
        if phrases.get("online_label"):
            assert all(squash(phrases["online_label"]) not in t for t in texts)
        reader = pypdf.PdfReader(path)
        drawing = measure_page(reader.pages[-1], reader)
        assert [r for r in drawing.rects if r.filled and r.height < 6 and r.width < 20] == []


def test_without_a_web_address_check_warns(content, tmp_path):
    clinic = content / "clinic.yaml"
    clinic.write_text(re.sub(r"(?m)^web:.*\n", "", clinic.read_text(encoding="utf-8")),
                      encoding="utf-8")
    result = run_cli("--src", content, "--check", "--today", TODAY, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    warnings = [p for p in problems(result.stderr) if p["severity"] == "warning"]
    assert [p["path"] for p in warnings] == [clinic.resolve()], result.stderr
    assert "web" in warnings[0]["message"]


# ---- preview -------------------------------------------------------------------------------

def runs(flags: list[bool]) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    found, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            found.append((start, i))
            start = None
    return found


def thumbnails(sheet: Image.Image) -> list[list[tuple[int, int, int, int]]]:
    """Rows of thumbnail boxes: whatever differs from the sheet's background colour."""
    background = Image.new("RGB", sheet.size, sheet.getpixel((0, 0)))
    differs = ImageChops.difference(sheet, background).convert("L").point(
        lambda v: 255 if v else 0)
    width, height = sheet.size
    lines = [differs.crop((0, y, width, y + 1)).getbbox() is not None for y in range(height)]
    rows = []
    for top, bottom in runs(lines):
        band = differs.crop((0, top, width, bottom))
        columns = [band.crop((x, 0, x + 1, bottom - top)).getbbox() is not None
                   for x in range(width)]
        rows.append([(left, top, right, bottom) for left, right in runs(columns)])
    return rows


def test_preview_writes_a_contact_sheet_beside_each_pdf(shipped, manifest):
    assert {e["topic"] for e in manifest} == {*TOPICS, "packet"}
    assert len(manifest) == len(LANGS) * len(EDITIONS) * (len(TOPICS) + 1)
    for entry in manifest:
        pdf = shipped / entry["path"]
        expected = entry["path"].removesuffix(".pdf") + ".preview.png"
        assert entry.get("preview") == expected
        png = shipped / expected
        assert png.parent == pdf.parent and png.name == f"{entry['topic']}.preview.png"
        with Image.open(png) as sheet:
            assert sheet.format == "PNG"
            sheet = sheet.convert("RGB")
        rows = thumbnails(sheet)
        pages = entry["pages"]
        assert len(rows) == math.ceil(pages / 6), (expected, [len(r) for r in rows])
        assert [len(r) for r in rows] == [min(6, pages - 6 * i) for i in range(len(rows))]
        boxes = [box for row in rows for box in row]
        sizes = {(r - left, b - t) for left, t, r, b in boxes}
        assert len(sizes) == 1, sizes  # every page drawn at the same size
        ((w, h),) = sizes
        assert h / w == pytest.approx(11 / 8.5, rel=0.03)  # Letter pages, upright
        for box in boxes:
            inked = sum(sheet.crop(box).convert("L").histogram()[:160])
            assert inked >= 500, (expected, box, inked)  # text on every page, not blank


def test_the_contact_sheet_shows_the_pages_in_order(shipped, manifest):
    entry = next(e for e in manifest if e["lang"] == "en" and e["edition"] == "standard"
                 and e["topic"] == "diagnosis")
    with Image.open(shipped / entry["preview"]) as sheet:
        sheet = sheet.convert("L")
    boxes = [box for row in thumbnails(sheet.convert("RGB")) for box in row]
    document = pdfium.PdfDocument(str(shipped / entry["path"]))
    try:
        width = boxes[0][2] - boxes[0][0]
        renders = [page.render(scale=width / page.get_width()).to_pil().convert("L")
                   for page in document]
    finally:
        document.close()
    assert len(renders) == len(boxes) == entry["pages"]

    def distance(a: Image.Image, b: Image.Image) -> float:
        b = b.resize(a.size)
        return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]

    for index, box in enumerate(boxes):
        thumb = sheet.crop(box)
        closest = min(range(len(renders)), key=lambda i: distance(thumb, renders[i]))
        assert closest == index, f"thumbnail {index + 1} looks most like page {closest + 1}"


# ---- clinic text that does not fit ---------------------------------------------------------

LONG_NAME = ("Maple Grove Regional Comprehensive Cancer and Neuroendocrine Tumor Treatment "
             "Center of the Greater Northern Valley Counties and Surrounding Communities")


def test_a_clinic_name_too_long_for_its_space_is_a_warning_at_its_line(content, tmp_path):
    assert 140 <= len(LONG_NAME) <= 160
    clinic = content / "clinic.yaml"
    set_key(clinic, "name", LONG_NAME)
    out = tmp_path / "out"
    args = ("--src", content, "--lang", "en", "--topic", "diagnosis", "--edition", "standard",
            "--paper", "letter", "--today", TODAY)
    result = run_cli(*args, "--out", out)
    assert result.returncode == 0, result.stderr
    (warning,) = [p for p in problems(result.stderr) if "fit" in p["message"]]
    assert warning["severity"] == "warning"
    assert (warning["path"], warning["line"]) == (clinic.resolve(), line_of(clinic, "name"))
    assert "name" in warning["message"] and "does not fit" in warning["message"]
    assert (out / output("en", "letter", "standard", "diagnosis")).exists()

    strict_out = tmp_path / "strict"
    strict = run_cli(*args, "--out", strict_out, "--strict")
    assert strict.returncode == 1
    (error,) = [p for p in problems(strict.stderr) if "fit" in p["message"]]
    assert error["severity"] == "error"
    assert (error["path"], error["line"]) == (clinic.resolve(), line_of(clinic, "name"))
    assert "nothing was written" in strict.stderr
    assert not strict_out.exists() or not any(strict_out.rglob("*.*"))
