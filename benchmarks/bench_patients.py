"""Benchmark patients files: 100,000 fictional rows read and checked, then 1,000 filled.

Run by hand:  python benchmarks/bench_patients.py [--rows N] [--patients N] [--json]

check  the real command, `make_pdfs.py --check --fill patients.csv --lang en --edition
       standard`, in a fresh process: wall and CPU time (which other work on the machine
       disturbs less) and peak RSS. It loads and checks the content,
       renders the blank packets the rows choose (English and Spanish), then reads every row and
       checks it: the id (safe, unique ignoring case), every value against its blank, and
       whether each text fits its blank at the edition's size.
read   the same run through `layouts.build.build` in a fresh process, once with one row (after
       a warm-up with that row) and once with all of them: the difference is what reading and
       checking the rows costs, in time and in memory (the peak of Python's own allocations,
       tracemalloc, in a second process, as tracing slows Python down).
fill   bench_fill.py's measurement: 1,000 patients filled on two processes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_fill  # noqa: E402 - beside this file

NAMES = bench_fill.NAMES
ANSWERS = ["The doctor said we will know more after the CT scan.",
           "Surgery first, then we talk again,\nin about three weeks.", ""]


def write_patients(path: Path, count: int) -> None:
    """`count` fictional patients; one in ten chooses the Spanish packet."""
    generator = random.Random(2)  # the same fictional patients every run
    with open(path, "w", newline="", encoding="utf-8-sig") as f:   # as Excel saves it
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(["id", "lang", "Patient Name", "date_given", "Stage", "Grade",
                         "care_team_doctor", "care_team_phone", "next_visit_date",
                         "diagnosis.q1_asked", "diagnosis.q1"])
        for number in range(count):
            writer.writerow([f"p{number:06d}", "es" if number % 10 == 9 else "",
                             generator.choice(NAMES), "2026-11-25", generator.choice("1234"),
                             generator.choice(["1", "2", "3", "not known"]), "Dr. Rivera",
                             "555-0100", "2027-01-15", generator.choice(["x", ""]),
                             generator.choice(ANSWERS)])


def run_check(patients: Path) -> dict:
    """The real command in a fresh process: wall time and its peak RSS."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(ROOT / "make_pdfs.py"), "--check", "--fill",
                                str(patients), "--lang", "en", "--edition", "standard"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    output = process.stdout.read().decode() + process.stderr.read().decode()
    if status:
        raise SystemExit(f"make_pdfs.py --check --fill failed:\n{output[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024, "said": output.strip()}


def measure_read(many: Path, one: Path, traced: bool) -> dict:
    """In a fresh process: `build` checking one row (after a warm-up), then every row."""
    output = subprocess.run([sys.executable, __file__, "--measure", str(many), str(one)]
                            + (["--traced"] if traced else []),
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def _measure(many: Path, one: Path, traced: bool) -> dict:
    from layouts.build import Options, build

    def run(patients: Path) -> tuple[float, float, int, int]:
        options = Options(src=ROOT / "handouts", check=True, fill=patients, langs=("en",),
                          editions=("standard",))
        if traced:
            tracemalloc.start()
        start, cpu = time.perf_counter(), time.process_time()
        outcome = build(options)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        if traced:
            tracemalloc.stop()
        if outcome.exit_code:
            raise SystemExit("\n".join(str(p) for p in outcome.problems[:20]))
        return seconds, cpu, peak, outcome.rows

    run(one)  # warm: imports, fonts, the blank packets' first rendering
    base, base_cpu, base_peak, _ = run(one)
    full, full_cpu, full_peak, rows = run(many)
    return {"good_rows": rows, "seconds": full - base, "cpu_s": full_cpu - base_cpu,
            "peak_traced_mb": full_peak / 1e6,
            "extra_peak_traced_mb": (full_peak - base_peak) / 1e6}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--patients", type=int, default=1000, help="packets to fill")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:  # the child process of measure_read
        print(json.dumps(_measure(*args.measure, args.traced)))
        return 0
    results: dict = {"rows": args.rows, "load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        # The fill first: its "largest worker" is the largest child this process has had.
        patients = Path(tmp) / "fill.csv"
        bench_fill.write_patients(patients, args.patients)
        results["fill"] = bench_fill.run_fill(patients, Path(tmp) / "out")
        many, one = Path(tmp) / "patients.csv", Path(tmp) / "one.csv"
        write_patients(many, args.rows)
        write_patients(one, 1)
        results["file_mb"] = many.stat().st_size / 1e6
        results["check"] = run_check(many)
        timed, traced = measure_read(many, one, False), measure_read(many, one, True)
        results["read"] = {"good_rows": timed["good_rows"], "seconds": timed["seconds"],
                           "cpu_s": timed["cpu_s"],
                           "us_per_row": timed["cpu_s"] / args.rows * 1e6,
                           "peak_traced_mb": traced["peak_traced_mb"],
                           "extra_peak_traced_mb": traced["extra_peak_traced_mb"]}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    check, read, fill = results["check"], results["read"], results["fill"]
    print(f"{args.rows:,} fictional patients ({results['file_mb']:.1f} MB, UTF-8 with BOM, "
          f"CRLF; one in ten Spanish); load average {results['load_average'][0]:.2f}")
    print(f"  check, whole command: {check['wall_s']:.2f} s wall ({check['cpu_s']:.2f} s CPU), "
          "peak RSS "
          f"{check['rss_mb']:.0f} MiB ({check['said']})")
    print(f"  reading and checking the rows alone: {read['seconds']:.2f} s wall, "
          f"{read['cpu_s']:.2f} s CPU ({read['us_per_row']:.1f} us CPU per row), "
          f"{read['good_rows']:,} good; peak of "
          f"Python's allocations {read['peak_traced_mb']:.0f} MB "
          f"({read['extra_peak_traced_mb']:.0f} MB more than for one row)")
    print(f"  fill, {fill['packets']} packets on {bench_fill.CORES} processes: "
          f"{fill['wall_s']:.2f} s wall, {fill['wall_s'] / fill['packets'] * 1000:.2f} ms per "
          f"packet; peak RSS command {fill['command_rss_mb']:.0f} MiB, largest worker "
          f"{fill['largest_child_rss_mb']:.0f} MiB, whole tree (PSS) "
          f"{fill['peak_pss_mb']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
