"""Every figure of the benchmark as a ratio to its reference or goal, from one interleaved run.

Run by hand from anywhere:  python benchmarks/bench_scale.py [--runs N] [--json]

Each round runs every measurement once, in turn (the order rotates from round to round), so
load that comes and goes on the machine hits every figure alike; a figure is the median over
the rounds, and a ratio is the median of each round's own ratio. Round 0 is not counted.

full build   bench.py's comparison: the real command for en / standard / letter (four handouts
             and the packet, PDFs only) against the bare ReportLab build of the same text, cold
             (a fresh process per run) and warm (ms per page in a process that has built once).
rebuilds     `make_pdfs.py --src SRC --out OUT` run again, in a fresh process, on the shipped
             content and on a library of 20 sets (the shipped set copied under 20 names, each
             with its own titles): a no-op rebuild (nothing changed since the last run) and a
             one-word rebuild (one word of one paragraph of one topic of one set changed).
             Every run's manifest.json is checked: a no-op writes nothing, a one-word run does.
fill         bench_fill.py's measurement: 1,000 fictional patients, `make_pdfs.py --fill` on
             two processes.
peers        one handout (en / standard / letter) as ours builds it, as WeasyPrint prints the
             site's web page for it, and as Typst sets the text the bare build walks; the same
             Atkinson Hyperlegible TTFs and the same body size and paper; cold and warm, per page.
             A peer whose package is not installed (or cannot load) is skipped, saying why.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import unescape

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402 - beside this file; it also puts the project on sys.path
import bench_fill  # noqa: E402

ROOT, SET, LANG = bench.ROOT, bench.SET, bench.LANG
SCRIPT = Path(__file__).resolve()
MAKE_PDFS = ROOT / "make_pdfs.py"
TOPIC = "diagnosis"   # the handout the peers print, and the topic the one-word rebuild edits
# The one-word change, made and undone in turn; it must occur once in <set>/en/<TOPIC>.yaml.
WORD_EDIT = ("lies deep", "sits deep")
LIBRARY_SETS = 20
PATIENTS = 1000
DEFAULT_RUNS = 3  # the whole run takes about three minutes on two cores

# Issue #15's goals. Relative ones are ours/reference (at most); absolute ones are seconds.
GOAL_COLD_VS_BARE = 1.5
GOAL_WARM_PAGE_VS_BARE = 1.0
GOAL_NOOP_S = 0.5
GOAL_ONE_WORD_S = 1.5
GOAL_FILL_S = 3.0
GOAL_VS_WEASYPRINT_WARM = 1 / 10   # ten times faster
GOAL_VS_WEASYPRINT_COLD = 1 / 3
GOAL_VS_TYPST_WARM = 1.5

# A peer's cold run is the least a script can do with it: import, render one file, exit.
WEASYPRINT_ONCE = ("import sys\nfrom weasyprint import CSS, HTML\n"
                   "HTML(filename=sys.argv[1]).write_pdf(sys.argv[3], "
                   "stylesheets=[CSS(filename=sys.argv[2])])")
TYPST_ONCE = ("import sys\nimport typst\n"
              "typst.compile(sys.argv[1], output=sys.argv[2], font_paths=[sys.argv[3]], "
              "ignore_system_fonts=True)")


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---- content trees (the orchestrator side) -----------------------------------------------------

def content_tree(folder: Path, sets: int = 0) -> Path:
    """A copy of the content folder with the assets beside it (the build looks for them there);
    with sets > 0, a library: the shipped set copied `sets` times, each with distinct titles."""
    import yaml

    src = folder / "handouts"
    shutil.copytree(ROOT / "assets", folder / "assets")
    if not sets:
        shutil.copytree(ROOT / "handouts", src)
        return src
    # The clinic file and the language folders (phrases, glossary) stay at the top.
    shutil.copytree(ROOT / "handouts", src,
                    ignore=lambda at, names: [SET] if Path(at) == ROOT / "handouts" else [])
    for number in range(1, sets + 1):
        target = src / f"{SET}-{number:02d}"
        shutil.copytree(ROOT / "handouts" / SET, target)
        for title_file in target.glob("*/set.yaml"):  # one per language
            data = yaml.safe_load(title_file.read_text(encoding="utf-8"))
            data["title"] = f"{data['title']} ({number})"
            title_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return src


def topic_file(src: Path, set_name: str) -> Path:
    path = src / set_name / LANG / f"{TOPIC}.yaml"
    if path.read_text(encoding="utf-8").count(WORD_EDIT[0]) != 1:
        raise SystemExit(f"{path.relative_to(src)} no longer says '{WORD_EDIT[0]}' once; change "
                         "WORD_EDIT in bench_scale.py to a phrase of one of its paragraphs")
    return path


def change_one_word(path: Path) -> None:
    """Make the edit, or undo it: either way the file differs from what was last built."""
    text = path.read_text(encoding="utf-8")
    before, after = WORD_EDIT if WORD_EDIT[0] in text else WORD_EDIT[::-1]
    path.write_text(text.replace(before, after, 1), encoding="utf-8")


def written(out: Path) -> int:
    """How many outputs the last run wrote, from its manifest."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return sum(1 for entry in manifest["files"] if entry["written"])


# ---- the peers' inputs ---------------------------------------------------------------------------

def page_css(job: dict) -> str:
    """Ours' paper, margins and body size, for the web page printed by WeasyPrint."""
    width, height = job["page_size"]
    m = job["margins"]
    return (f"@page {{ size: {width}pt {height}pt; "
            f"margin: {m['top']}pt {m['right']}pt {m['bottom']}pt {m['left']}pt }}\n"
            f"body {{ font-size: {job['styles']['body']['fontSize']}pt }}\n")


def weasyprint_input(site: Path, job: dict, folder: Path) -> tuple[Path, Path]:
    """The site's own page for the handout, its stylesheet's web fonts swapped for the same
    TTFs ours embeds; and a print stylesheet with ours' paper, margins and body size."""
    shutil.copytree(site, folder / "site")
    css = folder / "site" / "web_files" / "style.css"
    fonts = Path(job["fonts"]["Body"]).parent
    text, swapped = re.subn(
        r'url\("fonts/(AtkinsonHyperlegible-\w+)\.woff2"\) format\("woff2"\)',
        lambda m: f'url("{(fonts / m[1]).with_suffix(".ttf").as_uri()}") format("truetype")',
        css.read_text(encoding="utf-8"))
    if swapped != 2:
        raise SystemExit("the site's stylesheet no longer loads the two Atkinson Hyperlegible "
                         "WOFF2 files as bench_scale.py expects; update weasyprint_input()")
    css.write_text(text, encoding="utf-8")
    (folder / "page.css").write_text(page_css(job), encoding="utf-8")
    return folder / "site" / SET / LANG / f"{TOPIC}.html", folder / "page.css"


def typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def typst_content(markup: str) -> str:
    """The bare build's paragraph markup (escaped text, <b> for bold) as Typst content, every
    piece a string so that no character of the text is read as Typst markup."""
    out = []
    for i, piece in enumerate(re.split(r"<b>(.*?)</b>", markup)):  # odd pieces are bold
        if piece:
            text = typst_string(unescape(piece))
            out.append(f"#strong({text})" if i % 2 else f"#{text}")
    return "".join(out)


def typst_source(job: dict, name: str) -> str:
    """The handout's text, as the bare build walks it, set by Typst with the same sizes, leading,
    spacing, indents and paper. Each line box is exactly the style's leading tall, as in
    ReportLab; Typst, like ReportLab's frames, keeps the larger of two adjacent spacings."""
    width, height = job["page_size"]
    m = job["margins"]
    lines = [
        # A warm render is given another nudge each time (a thousandth of a point off the
        # bottom margin), so Typst lays the document out again rather than returning what it
        # memoized from the last render of the same input.
        '#let nudge = float(sys.inputs.at("nudge", default: "0")) * 0.001pt',
        f"#set page(width: {width}pt, height: {height}pt, margin: (left: {m['left']}pt, "
        f"right: {m['right']}pt, top: {m['top']}pt, bottom: {m['bottom']}pt + nudge))",
        f'#set text(font: "Atkinson Hyperlegible", size: {job["styles"]["body"]["fontSize"]}pt)',
        "#let para(size, leading, above, below, indent, bullet-indent, weight, bullet, body) ="
        " block(above: above, below: below, inset: (left: indent), {"
        " set text(size: size, weight: weight, top-edge: 1em, bottom-edge: -(leading - size));"
        " set par(leading: 0pt);"
        " if bullet { place(dx: bullet-indent - indent)[•] }; body })",
    ]
    doc = next(d for d in job["docs"] if d["name"] == name)
    for style, markup in doc["paragraphs"]:
        s = job["styles"][style]
        weight = '"bold"' if s["fontName"].endswith("Bold") else '"regular"'
        lines.append(f"#para({s['fontSize']}pt, {s['leading']}pt, {s['spaceBefore']}pt, "
                     f"{s['spaceAfter']}pt, {s['leftIndent']}pt, {s['bulletIndent']}pt, {weight}, "
                     f"{'true' if style == 'bullet' else 'false'})[{typst_content(markup)}]")
    return "\n".join(lines) + "\n"


def peer_status(module: str, pip_name: str) -> str | None:
    """None when the peer can run here; otherwise why it is skipped, in a plain sentence."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        return f"not installed (pip install {pip_name}, or the project's bench extra)"
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True)
    if done.returncode:  # WeasyPrint installs without Pango, then fails on import
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"installed but cannot be imported: {last}"
    return None


def version_of(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "-"


# ---- warm children: one process per renderer, one render per line it is sent -------------------

def renderer(spec: dict):
    """A function that renders once (its argument counts the renders) and returns the pages."""
    who, out = spec["who"], Path(spec["out"])
    if who in ("ours-full", "ours-handout"):
        from layouts.build import build

        options = bench.ours_options(out)
        if who == "ours-handout":
            options = dataclasses.replace(options, topics=(TOPIC,))

        def render(_):
            outcome = build(options)
            if outcome.exit_code:
                raise SystemExit("\n".join(map(str, outcome.problems)))
            return sum(entry["pages"] for entry in outcome.written)
        return render
    if who == "bare-full":
        job = json.loads(Path(spec["job"]).read_text())
        return lambda _: sum(bench.bare_build(job, out).values())
    if who == "weasyprint":
        from weasyprint import CSS, HTML

        def render(_):
            document = HTML(filename=spec["input"]).render(
                stylesheets=[CSS(filename=spec["css"])])
            document.write_pdf(out / "handout.pdf")
            return len(document.pages)
        return render
    if who == "typst":
        import typst
        from pypdf import PdfReader

        compiler = typst.Compiler(input=spec["input"], font_paths=[spec["fonts"]],
                                  ignore_system_fonts=True)
        target = out / "handout.pdf"
        compiler.compile(output=str(target))
        pages = len(PdfReader(target).pages)  # counted once: a nudge moves no line

        def render(count):
            compiler.compile(output=str(target), sys_inputs={"nudge": str(count)})
            return pages
        return render
    raise SystemExit(f"unknown renderer {who}")


def serve(spec: dict) -> None:
    """The warm child: warm up, say so, then one timed render for every line read."""
    render = renderer(spec)
    render(0)  # imports done, fonts parsed, caches filled
    print(json.dumps({"ready": True}), flush=True)
    for count, _ in enumerate(sys.stdin, 1):
        wall, cpu = time.perf_counter(), time.process_time()
        pages = render(count)
        print(json.dumps({"seconds": time.perf_counter() - wall,
                          "cpu": time.process_time() - cpu, "pages": pages}), flush=True)


class Warm:
    """The orchestrator's handle on a warm child; calling it asks for one render."""

    def __init__(self, spec: dict):
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            bench.python_argv(SCRIPT, ["--child", json.dumps(spec)]), cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors)
        self.answer()  # the warm-up

    def answer(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            self.errors.seek(0)
            raise SystemExit(f"a warm benchmark child failed:\n{self.errors.read().decode()}")
        return json.loads(line)

    def __call__(self, _round: int, _folder: Path) -> dict:
        self.process.stdin.write("render\n")
        self.process.stdin.flush()
        return self.answer()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


# ---- cold measurements: a fresh process per run --------------------------------------------------

def cold(argv) -> callable:
    """A measurement that runs argv(out) in a fresh process, writing into a fresh folder."""
    def run(_round: int, folder: Path) -> dict:
        folder.mkdir(parents=True)
        found = bench.run_child(argv(folder))
        del found["stdout"]
        shutil.rmtree(folder)
        return found
    return run


def rebuild(src: Path, out: Path, edit: Path | None) -> callable:
    """The real command run again on a tree it has built: after a one-word change when `edit`
    is given; either way the manifest must show that the run did what it is counted as."""
    def run(_round: int, _folder: Path) -> dict:
        if edit:
            change_one_word(edit)
        found = bench.run_child(bench.python_argv(MAKE_PDFS, ["--src", src, "--out", out]))
        del found["stdout"]
        found["written"] = written(out)
        if bool(found["written"]) != bool(edit):
            raise SystemExit(f"a {'one-word' if edit else 'no-op'} rebuild of {src} wrote "
                             f"{found['written']} file(s): it is not measuring what it says")
        return found
    return run


def fill(patients: Path) -> callable:
    def run(_round: int, folder: Path) -> dict:
        found = bench_fill.run_fill(patients, folder)
        shutil.rmtree(folder)
        if found["packets"] != PATIENTS:
            raise SystemExit(f"the fill wrote {found['packets']} packets, not {PATIENTS}")
        return {"seconds": found["wall_s"], "rss_kb": found["command_rss_mb"] * 1024,
                "peak_pss_mb": found["peak_pss_mb"]}
    return run


# ---- the run -------------------------------------------------------------------------------------

def set_up(tmp: Path) -> tuple[dict, dict, list]:
    """Inputs, first builds and warm children; returns (info, measurements, warm children).

    A measurement is (function, counted in round 0): round 0 warms the page cache for cold
    starts; a rebuild's first full build already did that, and its warm-up is that build."""
    info = {"load_avg_start": os.getloadavg(), "tree": bench.tree_state()}
    job_path = tmp / "job.json"
    info |= json.loads(bench.run_child(bench.child_argv("job", job=job_path))["stdout"])
    job = json.loads(job_path.read_text())
    progress("building the shipped content and a 20-set library once (about a minute)...")
    trees = {}
    for name, sets in (("default", 0), ("library", LIBRARY_SETS)):
        src = content_tree(tmp / name, sets)
        out = tmp / name / "out"
        bench.run_child(bench.python_argv(MAKE_PDFS, ["--src", src, "--out", out]))
        trees[name] = (src, out, SET if not sets else f"{SET}-01")
    patients = tmp / "patients.csv"
    bench_fill.write_patients(patients, PATIENTS)

    handout = ["--set", SET, "--topic", TOPIC, "--lang", LANG, "--edition",
               bench.EDITION, "--paper", bench.PAPER, "--format", "pdf"]
    measures = {
        "cold ours full": (cold(lambda o: bench.cold_argv("ours", "", o, job_path)), True),
        "cold bare full": (cold(lambda o: bench.cold_argv("bare", "", o, job_path)), True),
        "cold ours handout": (cold(lambda o: bench.python_argv(MAKE_PDFS, [*handout, "--out",
                                                                           o])), True),
        "fill": (fill(patients), False),
    }
    for name, (src, out, set_name) in trees.items():
        measures[f"no-op {name}"] = (rebuild(src, out, None), False)
        measures[f"one-word {name}"] = (rebuild(src, out, topic_file(src, set_name)), False)
    specs = {"warm ours full": {"who": "ours-full"}, "warm bare full": {"who": "bare-full",
                                                                         "job": str(job_path)},
             "warm ours handout": {"who": "ours-handout"}}

    info["skipped"] = {}
    fonts = str(Path(job["fonts"]["Body"]).parent)
    for peer, module in (("WeasyPrint", "weasyprint"), ("Typst", "typst")):
        why = peer_status(module, module)
        info[f"{module}_version"] = version_of(module)
        if why:
            info["skipped"][peer] = why
            continue
        folder = tmp / module
        folder.mkdir()
        if module == "weasyprint":
            html, css = weasyprint_input(trees["default"][1] / "site", job, folder)
            measures["cold weasyprint"] = (cold(lambda o, h=html, c=css: [
                sys.executable, "-c", WEASYPRINT_ONCE, h, c, o / "handout.pdf"]), True)
            specs["warm weasyprint"] = {"who": "weasyprint", "input": str(html), "css": str(css)}
        else:
            typ = folder / "handout.typ"
            typ.write_text(typst_source(job, TOPIC), encoding="utf-8")
            measures["cold typst"] = (cold(lambda o, t=typ: [
                sys.executable, "-c", TYPST_ONCE, t, o / "handout.pdf", fonts]), True)
            specs["warm typst"] = {"who": "typst", "input": str(typ), "fonts": fonts}
    progress("starting the warm processes...")
    children = []
    for name, spec in specs.items():
        out = tmp / "warm" / name.replace(" ", "-")
        out.mkdir(parents=True)
        children.append(Warm(spec | {"out": str(out)}))
        measures[name] = (children[-1], False)  # the child has warmed itself up
    return info, measures, children


def run_rounds(tmp: Path, measures: dict, runs: int) -> dict:
    """Every measurement once per round, each round starting one further along the list."""
    names = list(measures)
    samples = {name: [] for name in names}
    for round_ in range(runs + 1):
        progress(f"round {round_} of {runs}" + (" (not counted)" if not round_ else ""))
        start = round_ % len(names)
        for name in names[start:] + names[:start]:
            function, in_round_0 = measures[name]
            if round_ or in_round_0:
                sample = function(round_, tmp / "runs" / f"{name.replace(' ', '-')}-{round_}")
                if round_:
                    samples[name].append(sample)
    return samples


# ---- figures -------------------------------------------------------------------------------------

def paired(samples: dict, ours: str, ref: str, ours_pages: int = 1, ref_pages: int = 1):
    """Median of ours and of the reference, and the median of each round's ratio."""
    a = [s["seconds"] / ours_pages for s in samples[ours]]
    b = [s["seconds"] / ref_pages for s in samples[ref]]
    return (statistics.median(a), statistics.median(b),
            statistics.median(x / y for x, y in zip(a, b)))


def figures(samples: dict, info: dict) -> list[dict]:
    rows = []

    def pages(name):  # the warm child's count; a cold run of the same input makes the same
        return samples[f"warm {name}"][0]["pages"]

    def against(figure, ours, ref, label, goal, scale=1.0, unit="s", o_pages=1, r_pages=1,
                ref_name=None):
        a, b, r = paired(samples, ours, ref, o_pages, r_pages)
        rows.append({"figure": figure, "ours": a * scale, "reference": b * scale, "unit": unit,
                     "against": ref_name or ref.split()[1], "ratio": r, "ratio_of": label,
                     "goal": goal, "pass": None if goal is None else r <= goal})

    def absolute(figure, name, goal):
        value = statistics.median(s["seconds"] for s in samples[name])
        rows.append({"figure": figure, "ours": value, "reference": goal, "unit": "s",
                     "against": "goal", "ratio": value / goal, "ratio_of": "ours/goal",
                     "goal": 1.0, "pass": value < goal})

    full = pages("ours full"), pages("bare full")
    against("cold full build (4 handouts + packet)", "cold ours full", "cold bare full",
            "ours/bare", GOAL_COLD_VS_BARE)
    against("warm full build, per page", "warm ours full", "warm bare full", "ours/bare",
            GOAL_WARM_PAGE_VS_BARE, 1000, "ms", *full)
    for name, label in (("default", "shipped content (1 set)"),
                        ("library", f"{LIBRARY_SETS}-set library")):
        absolute(f"no-op rebuild, {label}", f"no-op {name}", GOAL_NOOP_S)
        absolute(f"one-word rebuild, {label}", f"one-word {name}", GOAL_ONE_WORD_S)
    for kind in ("no-op", "one-word"):
        against(f"{kind} rebuild, {LIBRARY_SETS} sets against 1", f"{kind} library",
                f"{kind} default", f"{LIBRARY_SETS}/1", None, ref_name="1 set")
    absolute(f"{PATIENTS:,} filled packets (--fill, 2 processes)", "fill", GOAL_FILL_S)
    for peer, module, warm_goal, cold_goal in (
            ("WeasyPrint", "weasyprint", GOAL_VS_WEASYPRINT_WARM, GOAL_VS_WEASYPRINT_COLD),
            ("Typst", "typst", GOAL_VS_TYPST_WARM, None)):
        if peer in info["skipped"]:
            continue
        one = pages("ours handout"), pages(module)
        for kind, goal in (("warm", warm_goal), ("cold", cold_goal)):
            against(f"{kind} handout per page vs {peer}", f"{kind} ours handout",
                    f"{kind} {module}", f"ours/{peer}", goal, 1000, "ms", *one, ref_name=peer)
    return rows


def goal_text(row: dict) -> str:
    if row["goal"] is None:
        return "-"
    if row["against"] == "goal":
        return f"< {row['reference']:g} s"
    if row["goal"] < 1:
        return f"<= {row['goal']:.2f} ({1 / row['goal']:.0f}x faster)"
    return f"<= {row['goal']:.2f}"


def report(results: dict) -> str:
    info = results["environment"]
    lines = [
        f"patient-handouts, every figure in one interleaved run (code: {info['tree']})",
        f"Python {info['python']}, ReportLab {info['reportlab']}, WeasyPrint "
        f"{info['weasyprint_version']}, Typst (Python package) {info['typst_version']}; "
        f"{info['cpus']} CPUs; load average {info['load_avg_start'][0]:.2f} at start, "
        f"{info['load_avg_end'][0]:.2f} at the end; {results['runs']} rounds",
        "",
        f"{'figure':<46}{'ours':>10}{'against':>24}{'ratio':>22}  {'goal':<24}",
    ]
    for row in results["figures"]:
        digits = 3 if row["unit"] == "s" else 2
        ours = f"{row['ours']:.{digits}f} {row['unit']}"
        ref = f"{row['against']} {row['reference']:.{digits}f} {row['unit']}"
        ratio = f"{row['ratio_of']} {row['ratio']:.2f}"
        verdict = {None: "", True: "PASS", False: "FAIL"}[row["pass"]]
        lines.append(f"{row['figure']:<46}{ours:>10}{ref:>24}{ratio:>22}  "
                     f"{goal_text(row):<24}{verdict}")
    notes = results["notes"]
    lines += ["", f"Pages: full build ours {notes['pages']['ours full']}, bare "
              f"{notes['pages']['bare full']}; the {TOPIC} handout ours "
              f"{notes['pages']['ours handout']}" + "".join(
                  f", {peer} {notes['pages'][module]}" for peer, module in
                  (("WeasyPrint", "weasyprint"), ("Typst", "typst"))
                  if module in notes["pages"]) + ".",
              "One-word rebuilds wrote " + " and ".join(
                  f"{notes['one_word_written'][name]} file(s) ({name})"
                  for name in ("default", "library")) + "; no-op rebuilds wrote none "
              "(each run's manifest.json is checked)."]
    for peer, why in info["skipped"].items():
        lines.append(f"{peer} skipped: {why}.")
    lines.append("A ratio is the median of each round's ratio; ours and the reference are "
                 "medians over the rounds.")
    return "\n".join(lines)


# ---- command line --------------------------------------------------------------------------------

def measure(runs: int) -> dict:
    import platform

    with tempfile.TemporaryDirectory(prefix="handouts-bench-scale-") as folder:
        tmp = Path(folder)
        info, measures, children = set_up(tmp)
        try:
            samples = run_rounds(tmp, measures, runs)
        finally:
            for child in children:
                child.close()
    info |= {"python": platform.python_version(), "cpus": os.cpu_count(),
             "load_avg_end": os.getloadavg()}
    notes = {"pages": {name.removeprefix("warm "): runs_[0]["pages"]
                       for name, runs_ in samples.items() if name.startswith("warm ")},
             "one_word_written": {name: statistics.median(
                 s["written"] for s in samples[f"one-word {name}"])
                 for name in ("default", "library")}}
    return {"runs": runs, "environment": info, "figures": figures(samples, info),
            "notes": notes, "samples": samples}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                        help=f"counted rounds (default {DEFAULT_RUNS}; more on an idle machine)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a warm child's spec, as JSON
    args = parser.parse_args(argv)
    if args.child:
        serve(json.loads(args.child))
        return 0
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    bench.keep_bytecode()
    results = measure(args.runs)
    print(json.dumps(results, indent=2) if args.json else report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
