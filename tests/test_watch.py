"""`make_pdfs.py --watch`: a build, then another on every save, until Ctrl-C (exit 0).

Run as staff run it, in a real process: the first build writes everything; saving one handout
rebuilds that handout and its packet only and says which files it wrote; a save that breaks
the content prints the located problem and writes nothing; fixing it builds again; Ctrl-C ends
the run with exit 0 and no traceback.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import HANDOUTS, ROOT

SET = "pancreatic-net"


class Watcher:
    """make_pdfs.py --watch in the background, its output collected line by line."""

    def __init__(self, *args):
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "make_pdfs.py"), "--watch", "--jobs", "1", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_builds(self, count: int, timeout: float = 120) -> list[str]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if sum(line.startswith("watching ") for line in self.lines) >= count:
                return self.lines
            assert self.process.poll() is None, "\n".join(self.lines)
            time.sleep(0.1)
        raise AssertionError("no build finished in time:\n" + "\n".join(self.lines))


def test_watch_rebuilds_on_every_save_and_stops_cleanly(tmp_path):
    src = tmp_path / "handouts"
    shutil.copytree(HANDOUTS, src)
    shutil.copytree(ROOT / "assets" / "images", tmp_path / "assets" / "images")
    out = tmp_path / "out"
    watcher = Watcher("--src", src, "--out", out, "--lang", "en", "--paper", "letter",
                      "--edition", "standard", "--format", "pdf")
    try:
        watcher.wait_for_builds(1)
        folder = out / SET / "en" / "letter" / "standard"
        before = {p.name: p.read_bytes() for p in folder.glob("*.pdf")}
        assert len(before) == 5
        path = src / SET / "en" / "treatments.yaml"
        text = path.read_text(encoding="utf-8")
        start = len(watcher.lines)
        time.sleep(0.05)
        path.write_text(text.replace("title: ", "title: New ", 1), encoding="utf-8")
        lines = watcher.wait_for_builds(2)[start:]
        wrote = sorted(Path(line.split("wrote ", 1)[1]).name for line in lines
                       if line.startswith("  wrote "))
        assert wrote == ["packet.pdf", "treatments.pdf"]
        after = {p.name: p.read_bytes() for p in folder.glob("*.pdf")}
        assert sorted(name for name in after if after[name] != before[name]) == wrote

        # A mistake: reported where it is, nothing written, the watch goes on.
        start = len(watcher.lines)
        path.write_text(text.replace("title: ", "titel: ", 1), encoding="utf-8")
        lines = watcher.wait_for_builds(3)[start:]
        assert any(f"{path.name}:" in line and "error:" in line for line in lines), lines
        assert {p.name: p.read_bytes() for p in folder.glob("*.pdf")} == after

        start = len(watcher.lines)
        path.write_text(text, encoding="utf-8")
        lines = watcher.wait_for_builds(4)[start:]
        assert any(line.startswith("  wrote ") for line in lines), lines
    finally:
        watcher.process.send_signal(signal.SIGINT)
        code = watcher.process.wait(timeout=30)
        watcher.process.stdout.close()
    assert code == 0, "\n".join(watcher.lines)
    assert not any("Traceback" in line for line in watcher.lines)
    assert os.listdir(out)  # the last good build is still there
