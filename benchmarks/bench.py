"""Benchmark the handout build against a bare ReportLab build of the same text.

Run by hand from anywhere:  python benchmarks/bench.py [--runs N] [--json] [--profile]
                                                      [--against REF]

It measures one language, edition and paper (en / standard / letter): the four handouts and the
packet, built two ways.

ours  the real command, `python make_pdfs.py --set pancreatic-net --lang en --edition standard
      --paper letter --out DIR`, and in-process `layouts.build.build(Options(...))`.
bare  ReportLab alone: the same text (walked from the same neutral documents), the same Atkinson
      Hyperlegible regular and bold TTFs, the same type sizes, leading and paper,
      SimpleDocTemplate with Paragraphs only, pageCompression=1, invariant=1. No YAML, no
      validation, no blanks, no page furniture: the floor ReportLab sets for this text.

cold  a fresh process per run, interpreter start and imports included: wall time (median, min,
      max), CPU time and peak RSS (ru_maxrss of that very process, from os.wait4; kB on Linux).
warm  in one process, after one warm-up build, the median of N builds; ms per page, pages/s.

Variants, each in its own processes: ReportLab's C accelerator (_rl_accel) blocked, and
rl_config.useA85 set the other way from what the project leaves it.

--against REF  also builds with the code and content of another commit (git archive of REF into
      a temporary folder), cold and warm in the same way, and reports what this tree costs
      against it as ratios: time and bytes of a change such as PDF/A conformance.

This process only orchestrates; every build runs in a child. A child's ru_maxrss starts from
the RSS of the process that spawned it, so the orchestrator never imports ReportLab or layouts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve()
sys.path.insert(0, str(ROOT))  # children import layouts however this file was started

LANG, EDITION, PAPER = "en", "standard", "letter"
SET = "pancreatic-net"  # the shipped set of handouts
# PDFs only: the bare build makes no web pages, and a run without --format makes both.
COMMAND = (ROOT / "make_pdfs.py", ["--set", SET, "--lang", LANG, "--edition", EDITION,
                                   "--paper", PAPER, "--format", "pdf"])
FONTS = {"Body": "AtkinsonHyperlegible-Regular.ttf", "Body-Bold": "AtkinsonHyperlegible-Bold.ttf"}
STYLE_ATTRS = ("fontName", "fontSize", "leading", "spaceBefore", "spaceAfter", "leftIndent",
               "bulletIndent")
FRAME_PADDING = 6  # SimpleDocTemplate's frame pads each side by 6 pt; ours pads by 0
MIN_RUNS = 5

GOAL_COLD_S = 0.5
GOAL_RSS_KB = 64 * 1024  # "64 MB", read as MiB because ru_maxrss is in KiB
MIB = 1024


# ---- the bare build (runs in a child; keep it to ReportLab and the standard library) ----------

def bare_markup(text: str) -> str:
    """Escape the text and turn **bold** into <b>, as ours does for text its fonts can draw."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", " ".join(escape(text).split()), flags=re.S)


def register_bare_fonts(fonts: dict[str, str]) -> None:
    """Register the two TTFs once per process, as ours does, so warm runs do not reparse them."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Body" in pdfmetrics.getRegisteredFontNames():
        return
    for name, path in fonts.items():
        pdfmetrics.registerFont(TTFont(name, path))
    pdfmetrics.registerFontFamily("Body", normal="Body", bold="Body-Bold", italic="Body",
                                  boldItalic="Body-Bold")


def bare_build(job: dict, out: Path) -> dict[str, int]:
    """Build every document of the job into out/<name>.pdf; return the pages of each."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    register_bare_fonts(job["fonts"])
    styles = {name: ParagraphStyle(name, **attrs) for name, attrs in job["styles"].items()}
    m = job["margins"]
    pages = {}
    for spec in job["docs"]:
        doc = SimpleDocTemplate(
            str(out / f"{spec['name']}.pdf"), pagesize=job["page_size"], title=spec["title"],
            leftMargin=m["left"] - FRAME_PADDING, rightMargin=m["right"] - FRAME_PADDING,
            topMargin=m["top"] - FRAME_PADDING, bottomMargin=m["bottom"] - FRAME_PADDING,
            pageCompression=1, invariant=1)
        doc.build([Paragraph(markup, styles[style], bulletText="•" if style == "bullet" else None)
                   for style, markup in spec["paragraphs"]])
        pages[spec["name"]] = doc.page
    return pages


# ---- the job: the same text as ours, taken from the model (runs in a child) -------------------

def document_paragraphs(document, words) -> list[tuple[str, str]]:
    """(style, text) of what ours sets as paragraphs, in order; form widgets are left out.

    Walks the same neutral document the PDF writer walks (layouts.document), so the text and
    its order are ours: the read, the write part, the words to know, the closing."""
    out = []
    for block in (*document.read, *document.write):
        out += block_paragraphs(block)
    if words:
        out += block_paragraphs(words)
    for block in document.closing:
        out += block_paragraphs(block)
    return [(style, bare_markup(text)) for style, text in out]


def block_paragraphs(block) -> list[tuple[str, str]]:
    """The paragraphs of one document block; blanks, tick boxes and logs have none."""
    from layouts import document as doc

    if isinstance(block, doc.Heading):
        return [({1: "title", 2: "h2", 3: "h3"}[block.level], block.text)]
    if isinstance(block, doc.Para):
        if block.role == "strong":
            return [("body", f"**{block.text}**")]
        return [({"body": "body", "lead": "message", "label": "small"}[block.role], block.text)]
    if isinstance(block, doc.Bullets):
        return [("bullet", item) for item in block.items]
    if isinstance(block, doc.Section | doc.Box):
        heading = block_paragraphs(block.heading) if isinstance(block, doc.Section) else []
        return heading + [p for inner in block.blocks for p in block_paragraphs(inner)]
    if isinstance(block, doc.Phones):
        return [("message", f"{phone.label}: {phone.number}") for phone in block.phones]
    if isinstance(block, doc.Figure):
        return [("body", f"**{block.picture.caption}**"), ("body", block.picture.how_to_use)]
    if isinstance(block, doc.Choice):
        return [("h3", block.label), ("body", block.instruction)]
    if isinstance(block, doc.Notes):
        return [("h3", block.label)]
    if isinstance(block, doc.Questions):
        return [("h2", block.heading), ("body", block.intro),
                *(("bold", question.text) for question in block.questions)]
    if isinstance(block, doc.Words):
        out = [("h2", block.heading)] if block.terms else []
        for term in block.terms:
            out += [("body", f"**{term.term}** ({block.say_label}: {term.say})"),
                    ("bullet", term.means)]
        return out
    if isinstance(block, doc.Online):
        return [("body", f"**{block.label}**"), ("body", block.address)]
    return []


def make_job(path: Path) -> dict:
    """Write the bare build's job (text, styles, geometry) to path; return facts about ReportLab."""
    import reportlab
    from reportlab import rl_config, rl_settings

    from layouts.build import check_pictures, packet_job
    from layouts.content.errors import Problems
    from layouts.content.library import Selection, load
    from layouts.content.terms import terms_used
    from layouts.document import document
    from layouts.pdf.styles import EDITIONS, FONTS_DIR, styles_for

    problems = Problems()
    src = ROOT / "handouts"
    content = load(src, src / "clinic.yaml", Selection(sets=(SET,), langs=(LANG,)), problems)
    if content is None:
        raise SystemExit("\n".join(map(str, problems.sorted())))
    edition = content.sets[SET].languages[LANG]
    docs = []
    for topic, handout in edition.handouts.items():
        alone = document(content, SET, LANG, topic,
                         tuple(terms_used(handout, edition.glossary)))
        docs.append({"name": topic, "title": handout.title,
                     "paragraphs": document_paragraphs(alone, alone.words)})
    # The packet: every handout without its words, then one combined list at the end.
    packet = packet_job(content, SET, LANG, EDITION, PAPER, None,
                        check_pictures(content, ROOT / "assets", Problems()))
    last = len(packet.documents) - 1
    docs.append({"name": "packet", "title": edition.info.title,
                 "paragraphs": [par for i, d in enumerate(packet.documents) for par in
                                document_paragraphs(d, packet.words if i == last else None)]})
    styles = styles_for(EDITION, PAPER)  # also runs the project's font and rl_config set-up
    e = EDITIONS[EDITION]
    used = {style for doc in docs for style, _ in doc["paragraphs"]}
    job = {
        "fonts": {name: str(FONTS_DIR / file) for name, file in FONTS.items()},
        "styles": {name: {a: getattr(getattr(styles, name), a) for a in STYLE_ATTRS}
                   for name in sorted(used)},
        "page_size": list(styles.page_size),
        "margins": {"left": e.margin, "right": e.margin, "top": e.top_margin,
                    "bottom": e.bottom_margin},
        "docs": docs,
    }
    path.write_text(json.dumps(job, ensure_ascii=False))
    return {"reportlab": reportlab.Version, "accel_installed": accel_installed(),
            "useA85_reportlab_default": rl_settings.useA85,
            "useA85_project": int(rl_config.useA85)}


def accel_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("_rl_accel") is not None


def effective_settings() -> dict:
    """What a build actually ran with, read after it (a blocked accelerator leaves no C funcs)."""
    from reportlab import rl_config
    from reportlab.lib import rl_accel

    return {"accel": bool(rl_accel._c_funcs), "useA85": int(rl_config.useA85)}


# ---- warm builds and the profile (run in a child) ---------------------------------------------

def ours_options(out: Path, check: bool = False, root: Path = ROOT):
    from layouts.build import Options

    # An older commit (--against) may lack an option: before sets it builds its one packet,
    # before the web site it writes PDFs only, before incremental builds it always renders.
    # `force`: a warm build into the same folder would otherwise find every PDF up to date
    # and measure a no-op rebuild.
    wanted = {"sets": (SET,), "formats": ("pdf",), "force": True}
    extra = {k: v for k, v in wanted.items() if k in Options.__dataclass_fields__}
    return Options(src=root / "handouts", out=out, langs=(LANG,), editions=(EDITION,),
                   papers=(PAPER,), check=check, **extra)


def timed(function, runs: int) -> tuple[dict, object]:
    """Wall and CPU seconds of `runs` calls after one untimed warm-up call, and the last result.

    CPU time is kept too because it hardly moves when other work shares the CPUs; wall time does.
    """
    result = function()  # warm-up: imports done, fonts parsed, caches filled
    times = {"wall": [], "cpu": []}
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        times["wall"].append(time.perf_counter() - wall)
        times["cpu"].append(time.process_time() - cpu)
    return times, result


def warm_ours(out: Path, runs: int, root: Path = ROOT) -> dict:
    from layouts.build import build

    times, outcome = timed(lambda: build(ours_options(out, root=root)), runs)
    if outcome.exit_code:
        raise SystemExit("\n".join(map(str, outcome.problems)))
    # The front half alone (read YAML, validate, check fonts): how much of a build is not layout.
    check_times, _ = timed(lambda: build(ours_options(out, check=True, root=root)), runs)
    return {"times": times, "check_times": check_times["wall"],
            "pages": {Path(e["path"]).stem: e["pages"] for e in outcome.written},
            **effective_settings()}


def warm_bare(job_path: Path, out: Path, runs: int) -> dict:
    job = json.loads(job_path.read_text())
    times, pages = timed(lambda: bare_build(job, out), runs)
    return {"times": times, "pages": pages, **effective_settings()}


def profile_ours(out: Path, top: int) -> str:
    """cProfile of one warm build of ours, the `top` entries by cumulative time."""
    import cProfile
    import io
    import pstats

    from layouts.build import build

    build(ours_options(out))  # warm-up, so the profile shows the steady state
    profiler = cProfile.Profile()
    profiler.runcall(build, ours_options(out))
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def run_as_child(args) -> int:
    if args.child == "job":
        print(json.dumps(make_job(args.job)))
    elif args.child == "bare":
        bare_build(json.loads(args.job.read_text()), args.out)
    elif args.child == "warm-ours":
        if args.root:  # another commit's code: found before this tree's
            sys.path.insert(0, str(args.root))
        print(json.dumps(warm_ours(args.out, args.runs, args.root or ROOT)))
    elif args.child == "warm-bare":
        print(json.dumps(warm_bare(args.job, args.out, args.runs)))
    elif args.child == "profile":
        print(profile_ours(args.out, 15))
    return 0


# ---- child processes (the orchestrator side) --------------------------------------------------

def python_argv(script: Path, args: list[str], prelude: str = "") -> list[str]:
    """Run script with args; through `python -c` when a prelude must run before its imports."""
    args = [str(a) for a in args]
    if not prelude:
        return [sys.executable, str(script), *args]
    launcher = (f"{prelude}\nimport runpy, sys\nsys.argv = {[str(script), *args]!r}\n"
                f"runpy.run_path({str(script)!r}, run_name='__main__')")
    return [sys.executable, "-c", launcher]


def child_argv(mode: str, prelude: str = "", **options) -> list[str]:
    args = ["--child", mode]
    for name, value in options.items():
        args += [f"--{name}", value]
    return python_argv(BENCH, args, prelude)


def run_child(argv: list[str]) -> dict:
    """Run one child from the project folder; its wall and CPU seconds, peak RSS and stdout."""
    import subprocess
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=err)
        # wait4 gives this child's own rusage; RUSAGE_CHILDREN would mix every child's peak.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode:
        raise SystemExit(f"benchmark child failed ({proc.returncode}): {argv}\n{stderr}")
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_kb": usage.ru_maxrss, "stdout": stdout}


def variants(info: dict) -> dict[str, str]:
    """Variant name -> Python run in the child before anything imports ReportLab."""
    flipped = 1 - info["useA85_project"]
    found = {"default": ""}
    if info["accel_installed"]:
        # A None in sys.modules makes `import _rl_accel` fail, so reportlab.lib.rl_accel falls
        # back to its pure-Python functions; ReportLab's own tests block it the same way.
        found["no rl_accel"] = "import sys\nsys.modules['_rl_accel'] = None"
    found[f"useA85={flipped}"] = f"from reportlab import rl_config\nrl_config.useA85 = {flipped}"
    return found


def cold_argv(who: str, prelude: str, out: Path, job: Path) -> list[str]:
    if who == "ours":
        script, args = COMMAND
        return python_argv(script, [*args, "--out", out], prelude)
    if who == "against":
        script, args = COMMAND
        script = job / script.name
        if '"--format"' not in script.read_text():  # a commit from before the web site
            args = args[:-2]
        return python_argv(script, [*args, "--out", out], prelude)
    return child_argv("bare", prelude, job=job, out=out)


def measure_cold(tmp: Path, job: Path, targets: list, runs: int,
                 against: Path | None = None) -> dict:
    """Cold runs of every (who, variant), interleaved so that drift hits all of them alike."""
    samples = {key: [] for key, _ in targets}
    for round_ in range(runs + 1):  # round 0 warms the page cache and writes .pyc files
        for (who, variant), prelude in targets:
            out = tmp / "cold" / f"{who}-{slug(variant)}-{round_}"
            out.mkdir(parents=True)
            result = run_child(cold_argv(who, prelude, out, against if who == "against"
                                         else job))
            if round_:
                samples[(who, variant)].append({**result, "out": out})
    return samples


def measure_warm(tmp: Path, job: Path, targets: list, runs: int,
                 against: Path | None = None) -> dict:
    found = {}
    for (who, variant), prelude in targets:
        out = tmp / "warm" / f"{who}-{slug(variant)}"
        out.mkdir(parents=True)
        options = {"out": out, "runs": runs} | ({"job": job} if who == "bare" else {})
        mode = who
        if who == "against":
            mode, options["root"] = "ours", against
        found[(who, variant)] = json.loads(run_child(child_argv(f"warm-{mode}", prelude,
                                                                **options))["stdout"])
    return found


def export_commit(ref: str, folder: Path) -> str:
    """The files of commit `ref` (code, content, assets) in folder; returns its short hash."""
    import io
    import subprocess
    import tarfile

    def git(*args) -> bytes:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True)
        if done.returncode:
            raise SystemExit(f"--against {ref}: git {args[0]} failed: "
                             f"{done.stderr.decode().strip()}")
        return done.stdout

    commit = git("rev-parse", "--short", f"{ref}^{{commit}}").decode().strip()
    with tarfile.open(fileobj=io.BytesIO(git("archive", "--format=tar", commit))) as archive:
        archive.extractall(folder, filter="data")
    return commit


def tree_state() -> str:
    """The commit measured, and whether the work tree differs from it (numbers follow the code)."""
    import subprocess

    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    return commit + (" + uncommitted changes" if git("status", "--porcelain", "--", "layouts",
                                                     "make_pdfs.py", "handouts").strip() else "")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---- summaries --------------------------------------------------------------------------------

def spread(values: list[float]) -> dict:
    import statistics

    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def file_sizes(out: Path) -> dict[str, int]:
    return {pdf.stem: pdf.stat().st_size for pdf in sorted(out.rglob("*.pdf"))}


def summarize(who: str, variant: str, cold: list[dict], warm: dict) -> dict:
    pages = sum(warm["pages"].values())
    warm_s = spread(warm["times"]["wall"])
    row = {
        "who": who, "variant": variant, "accel": warm["accel"], "useA85": warm["useA85"],
        "pages": warm["pages"], "pages_total": pages,
        "cold_s": spread([c["seconds"] for c in cold]),
        "cold_cpu_s": spread([c["cpu"] for c in cold]),
        "peak_rss_kb": spread([c["rss_kb"] for c in cold]),
        "warm_s": warm_s,
        "warm_cpu_s": spread(warm["times"]["cpu"]),
        "warm_ms_per_page": warm_s["median"] * 1000 / pages,
        "warm_pages_per_s": pages / warm_s["median"],
        "bytes": file_sizes(cold[-1]["out"]),
        "cold_runs_s": [c["seconds"] for c in cold], "warm_runs_s": warm["times"]["wall"],
    }
    row["bytes_total"] = sum(row["bytes"].values())
    if "check_times" in warm:
        row["warm_check_only_s"] = spread(warm["check_times"])
    return row


def goals(ours: dict, bare: dict, cpus: int) -> list[dict]:
    cold, rss = ours["cold_s"]["median"], ours["peak_rss_kb"]["max"]
    per_page, bare_per_page = ours["warm_ms_per_page"], bare["warm_ms_per_page"]
    return [
        {"goal": "four handouts and the packet in under 0.5 s cold on a 2-core machine",
         "measured": f"{cold:.3f} s median ({cpus} CPUs here)", "pass": cold < GOAL_COLD_S},
        {"goal": "warm cost per page no more than the bare build's",
         "measured": f"{per_page:.2f} vs {bare_per_page:.2f} ms/page",
         "pass": per_page <= bare_per_page},
        {"goal": "peak memory under 64 MB",
         "measured": f"{rss / MIB:.1f} MiB (max of runs)", "pass": rss < GOAL_RSS_KB},
    ]


# ---- the report -------------------------------------------------------------------------------

def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def cost_table(after: dict, before: dict) -> list[str]:
    """What this tree costs against the --against commit, as after/before ratios."""
    def row(label, a, b, fmt):
        return f"{label:<28}{fmt(b):>14}{fmt(a):>14}{ratio(a, b):>14}"

    lines = [f"{'':<28}{'before':>14}{'after':>14}{'after/before':>14}",
             row("pages", after["pages_total"], before["pages_total"], str)]
    for label, key, scale, fmt in (
            ("cold median (s)", "cold_s", 1, lambda v: f"{v:.3f}"),
            ("cold CPU median (s)", "cold_cpu_s", 1, lambda v: f"{v:.3f}"),
            ("warm median (ms)", "warm_s", 1000, lambda v: f"{v:.1f}"),
            ("warm CPU median (ms)", "warm_cpu_s", 1000, lambda v: f"{v:.1f}"),
            ("peak RSS max (MiB)", "peak_rss_kb", 1 / MIB, lambda v: f"{v:.1f}")):
        pick = "max" if key == "peak_rss_kb" else "median"
        lines.append(row(label, after[key][pick] * scale, before[key][pick] * scale, fmt))
    for name in after["bytes"]:
        lines.append(row(f"{name}.pdf (kB)", after["bytes"][name] / 1000,
                         before["bytes"].get(name, 0) / 1000, lambda v: f"{v:.1f}"))
    lines.append(row("all PDFs (kB)", after["bytes_total"] / 1000,
                     before["bytes_total"] / 1000, lambda v: f"{v:.1f}"))
    return lines


def comparison_table(ours: dict, bare: dict) -> list[str]:
    def row(label, a, b, fmt, with_ratio=True):
        cells = [fmt(a), fmt(b), ratio(a, b) if with_ratio else ""]
        return f"{label:<28}{cells[0]:>14}{cells[1]:>14}{cells[2]:>11}"

    def span(d, scale=1.0, digits=3):
        return f"{d['min'] * scale:.{digits}f}-{d['max'] * scale:.{digits}f}"

    lines = [f"{'':<28}{'ours':>14}{'bare':>14}{'ours/bare':>11}",
             row("pages", ours["pages_total"], bare["pages_total"], str),
             row("cold median (s)", ours["cold_s"]["median"], bare["cold_s"]["median"],
                 lambda v: f"{v:.3f}"),
             f"{'cold min-max (s)':<28}{span(ours['cold_s']):>14}{span(bare['cold_s']):>14}",
             row("cold CPU median (s)", ours["cold_cpu_s"]["median"],
                 bare["cold_cpu_s"]["median"], lambda v: f"{v:.3f}"),
             row("warm median (ms)", ours["warm_s"]["median"] * 1000,
                 bare["warm_s"]["median"] * 1000, lambda v: f"{v:.1f}"),
             f"{'warm min-max (ms)':<28}{span(ours['warm_s'], 1000, 1):>14}"
             f"{span(bare['warm_s'], 1000, 1):>14}",
             row("warm CPU median (ms)", ours["warm_cpu_s"]["median"] * 1000,
                 bare["warm_cpu_s"]["median"] * 1000, lambda v: f"{v:.1f}"),
             row("warm ms per page", ours["warm_ms_per_page"], bare["warm_ms_per_page"],
                 lambda v: f"{v:.2f}"),
             row("warm pages per second", ours["warm_pages_per_s"], bare["warm_pages_per_s"],
                 lambda v: f"{v:.0f}", with_ratio=False),
             row("peak RSS max (MiB)", ours["peak_rss_kb"]["max"] / MIB,
                 bare["peak_rss_kb"]["max"] / MIB, lambda v: f"{v:.1f}")]
    for name in ours["bytes"]:
        lines.append(row(f"{name}.pdf (kB)", ours["bytes"][name] / 1000,
                         bare["bytes"].get(name, 0) / 1000, lambda v: f"{v:.1f}"))
    lines.append(row("all PDFs (kB)", ours["bytes_total"] / 1000, bare["bytes_total"] / 1000,
                     lambda v: f"{v:.1f}"))
    return lines


def variant_table(rows: list[dict]) -> list[str]:
    lines = [f"{'build':<8}{'variant':<13}{'accel':>6}{'A85':>4}{'cold s':>8}{'min-max':>13}"
             f"{'CPU s':>7}{'warm ms':>9}{'CPU ms':>8}{'ms/page':>9}{'RSS MiB':>9}{'PDFs kB':>9}"]
    for r in rows:
        cold = r["cold_s"]
        lines.append(f"{r['who']:<8}{r['variant']:<13}{'on' if r['accel'] else 'off':>6}"
                     f"{r['useA85']:>4}{cold['median']:>8.3f}"
                     f"{cold['min']:>7.3f}-{cold['max']:.3f}{r['cold_cpu_s']['median']:>7.3f}"
                     f"{r['warm_s']['median'] * 1000:>9.1f}"
                     f"{r['warm_cpu_s']['median'] * 1000:>8.1f}{r['warm_ms_per_page']:>9.2f}"
                     f"{r['peak_rss_kb']['max'] / MIB:>9.1f}{r['bytes_total'] / 1000:>9.1f}")
    return lines


def report(results: dict) -> str:
    info, rows = results["environment"], results["results"]
    ours, bare = rows[0], next(r for r in rows if r["who"] == "bare")
    check = ours["warm_check_only_s"]["median"] * 1000
    lines = [
        f"patient-handouts benchmark: {LANG} / {EDITION} / {PAPER}, four handouts and the packet"
        f" (code: {info['tree']})",
        f"Python {info['python']}, ReportLab {info['reportlab']}, _rl_accel installed: "
        f"{'yes' if info['accel_installed'] else 'no'}, useA85: ReportLab default "
        f"{info['useA85_reportlab_default']}, project leaves it at {info['useA85_project']}; "
        f"{info['cpus']} CPUs, load average {info['load_avg_1m']:.2f} at start; "
        f"{results['runs']} runs each (cold: fresh process each, after one "
        "untimed run; warm: after one warm-up)",
        "", *comparison_table(ours, bare),
        f"{'ours: load + validate only':<28}{check:>14.1f}  ms warm (--check; no render or write)",
        "", "Variants", *variant_table(rows),
    ]
    before = next((r for r in rows if r["who"] == "against"), None)
    if before is not None:
        lines += ["", f"Cost against {info['against']} (before: that commit's code and content;"
                  f" after: {info['tree']})", *cost_table(ours, before)]
    lines += ["", "Goals"]
    for g in results["goals"]:
        lines.append(f"  {'PASS' if g['pass'] else 'FAIL'}  {g['goal']}: {g['measured']}")
    lines.append(f"\n(this orchestrating process peaked at {info['bench_rss_kb'] / MIB:.1f} MiB; "
                 "a child's peak RSS cannot read lower than that)")
    return "\n".join(lines)


# ---- command line -----------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7,
                        help=f"runs per measurement, at least {MIN_RUNS} (default 7)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of one warm build of ours (top 15)")
    parser.add_argument("--against", metavar="REF",
                        help="also measure another commit (such as main) and report this "
                             "tree's cost against it as ratios")
    # Internal: this file is also the child that does each measurement.
    parser.add_argument("--child", help=argparse.SUPPRESS,
                        choices=("job", "bare", "warm-ours", "warm-bare", "profile"))
    parser.add_argument("--job", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < MIN_RUNS:
        parser.error(f"--runs must be at least {MIN_RUNS}")
    return args


def measure(tmp: Path, runs: int, against: str | None = None) -> dict:
    import platform
    import resource

    job = tmp / "job.json"
    load = os.getloadavg()[0]  # other work on these CPUs makes the numbers noisy
    tree = tree_state()
    info = json.loads(run_child(child_argv("job", job=job))["stdout"])
    targets = [((who, name), prelude) for who in ("ours", "bare")
               for name, prelude in variants(info).items()]
    other = None
    if against:
        other = tmp / "against"
        info["against"] = export_commit(against, other)
        targets.append((("against", "default"), ""))
    cold = measure_cold(tmp, job, targets, runs, other)
    warm = measure_warm(tmp, job, targets, runs, other)
    rows = [summarize(who, variant, cold[(who, variant)], warm[(who, variant)])
            for (who, variant), _ in targets]
    info |= {"python": platform.python_version(), "cpus": os.cpu_count(), "tree": tree,
             "load_avg_1m": load,
             "bench_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    bare = next(r for r in rows if r["who"] == "bare")
    return {"config": {"lang": LANG, "edition": EDITION, "paper": PAPER}, "runs": runs,
            "environment": info, "results": rows, "goals": goals(rows[0], bare, info["cpus"])}


def keep_bytecode() -> None:
    """Let every child write .pyc files, so that the untimed first run leaves them for the
    timed ones: "cold" means a new process, not a first run after install (which is what a
    PYTHONDONTWRITEBYTECODE left set in the environment would measure every time)."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        return run_as_child(args)
    import tempfile

    keep_bytecode()

    with tempfile.TemporaryDirectory(prefix="handouts-bench-") as tmp:
        results = measure(Path(tmp), args.runs, args.against)
        profile = run_child(child_argv("profile", out=Path(tmp) / "profile"))["stdout"] \
            if args.profile else ""
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(report(results))
    if profile:
        print(profile, file=sys.stderr if args.json else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
