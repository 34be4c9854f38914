"""Benchmark pre-filled packets: 1,000 fictional patients, beside rendering each from scratch.

Run by hand:  python benchmarks/bench_fill.py [--patients N] [--scratch N]

ours     the real command, `make_pdfs.py --fill patients.csv --set pancreatic-net --lang en
         --edition standard --jobs 2`, in a fresh process: wall time; each process's own peak
         RSS; and the peak of the whole process tree's proportional set size, sampled every
         20 ms (forked workers share the parent's pages, which RSS would count once per
         process).
scratch  what the batch would cost without incremental updates: render the whole packet
         (layout, fields, tags) and fill it, once per patient. Timed in one warm process for
         --scratch patients and scaled to the full batch on the same number of cores.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SET = "pancreatic-net"  # the shipped set of handouts
NAMES = ["Ana María Gómez", "José Núñez", "Mary Smith", "Nguyễn Văn An", "Li Wei",
         "Olga Petrova", "Sam Lee", "Chidi Okafor"]
GOAL_WALL_S, GOAL_RSS_MB, CORES = 10.0, 200, 2


def write_patients(path: Path, count: int) -> None:
    generator = random.Random(1)  # the same fictional patients every run
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "patient_name", "date_given", "staging-and-grading.stage",
                         "staging-and-grading.grade", "care_team_doctor", "care_team_phone",
                         "next_visit_date", "diagnosis.why_cancer_asked",
                         "diagnosis.why_cancer"])
        for number in range(count):
            writer.writerow([f"p{number:05d}", generator.choice(NAMES), "2026-11-25",
                             generator.choice("1234"), generator.choice("123"), "Dr. Rivera",
                             "555-0100", "2027-01-15", generator.choice(["x", ""]),
                             "The doctor said we will know more after the CT scan."])


def _tree(pid: int) -> list[int]:
    """A process and its descendants (Linux /proc)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
    return found


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (a forked worker's) are split between sharers."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_fill(patients: Path, out: Path) -> dict:
    """The real command in a fresh process; peak memory counts the workers too."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(ROOT / "make_pdfs.py"), "--fill",
                                str(patients), "--set", SET, "--lang", "en",
                                "--edition", "standard",
                                "--out", str(out), "--jobs", str(CORES)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_pss = [0]

    def sample():  # the whole tree's memory, every 20 ms, while it runs
        while process.poll() is None:
            peak_pss[0] = max(peak_pss[0], sum(_pss_kb(p) for p in _tree(process.pid)))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = status
    sampler.join()
    if status:
        raise SystemExit(f"make_pdfs.py failed: {process.stderr.read().decode()}")
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": wall, "command_rss_mb": usage.ru_maxrss / 1024,
            # The largest worker, at least; the command plus two workers bound the total.
            "largest_child_rss_mb": max(workers, before) / 1024,
            "peak_pss_mb": peak_pss[0] / 1024,
            "packets": len(list((out / "filled").glob("*.pdf"))),
            "mb_written": sum(p.stat().st_size for p in (out / "filled").glob("*.pdf")) / 1e6}


def scratch_seconds_per_packet(count: int) -> float:
    """Render and fill a packet from nothing, `count` times, in this (warm) process."""
    sys.path.insert(0, str(ROOT))
    from layouts.build import _make_pdf, check_pictures, packet_job
    from layouts.content.errors import Problems
    from layouts.content.library import Selection, load
    from layouts.fill.fill import BlankPacket

    src = ROOT / "handouts"
    problems = Problems()
    content = load(src, src / "clinic.yaml", Selection(sets=(SET,), langs=("en",)), problems)
    if content is None:
        raise SystemExit("\n".join(map(str, problems.sorted())))
    job = packet_job(content, SET, "en", "standard", "letter",
                     str(ROOT / "assets" / content.clinic.logo),
                     check_pictures(content, ROOT / "assets", Problems()))
    values = {"packet.patient_name": "Ana María Gómez", "staging-and-grading.stage": "2"}
    _make_pdf(job)  # warm-up
    start = time.perf_counter()
    for _ in range(count):
        packet = _make_pdf(job)
        BlankPacket(packet.pdf, list(packet.field_spots), "standard").fill(values)
    return (time.perf_counter() - start) / count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--scratch", type=int, default=10,
                        help="packets to render from scratch for the comparison")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        patients = Path(tmp) / "patients.csv"
        write_patients(patients, args.patients)
        ours = run_fill(patients, Path(tmp) / "out")
    per_packet = scratch_seconds_per_packet(args.scratch)
    scratch_wall = per_packet * args.patients / CORES
    print(f"{args.patients} fictional patients, en / standard / letter, {CORES} processes "
          f"({os.cpu_count()} CPUs here)")
    print(f"  ours (--fill, incremental updates): {ours['wall_s']:.2f} s wall, "
          f"{ours['packets']} packets, {ours['mb_written']:.0f} MB written, "
          f"{ours['wall_s'] / args.patients * 1000:.2f} ms per packet")
    print(f"  peak RSS: command {ours['command_rss_mb']:.0f} MiB, largest worker "
          f"{ours['largest_child_rss_mb']:.0f} MiB; peak of the whole tree's proportional set "
          f"size (shared pages counted once) {ours['peak_pss_mb']:.0f} MiB")
    print(f"  from scratch: {per_packet * 1000:.0f} ms per packet (warm, {args.scratch} measured), "
          f"so about {scratch_wall:.0f} s for the batch on {CORES} cores")
    print(f"  ratio scratch/ours: {scratch_wall / ours['wall_s']:.1f}x")
    print(f"  goal under {GOAL_WALL_S:.0f} s: {'PASS' if ours['wall_s'] < GOAL_WALL_S else 'FAIL'};"
          f" goal under {GOAL_RSS_MB} MB: "
          f"{'PASS' if ours['peak_pss_mb'] < GOAL_RSS_MB else 'FAIL'} (whole tree, PSS)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
