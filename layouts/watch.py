"""Saves of content and asset files -> a build after each, until Ctrl-C (`--watch`).

Staff editing a handout want to see it at once. The folders are polled (a few dozen small
files, twice a second), which needs no library and works the same on every system. Each build
is an ordinary run: it reports problems as a run does, never writes from content with errors,
and rebuilds only what the save changed, so a viewer with the PDF open shows the new version on
reload.
"""

from __future__ import annotations

import sys
import time

from .build import Options, UsageError, build
from .content.errors import BuildFailure

POLL_SECONDS = 0.5


def snapshot(options: Options) -> dict[str, tuple[int, int]]:
    """Every watched file with its modification time and size."""
    found = {}
    for folder in (options.src, options.assets):
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file() and not path.name.startswith("."):
                    stat = path.stat()
                    found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    clinic = options.clinic_file
    if clinic.is_file():
        stat = clinic.stat()
        found[str(clinic)] = (stat.st_mtime_ns, stat.st_size)
    return found


def watch(options: Options, report) -> int:
    """Build now and after every change; Ctrl-C ends it (exit 0)."""
    try:
        while True:
            seen = snapshot(options)
            _build_once(options, report)
            print(f"watching {options.src} for changes; press Ctrl-C to stop", flush=True)
            while snapshot(options) == seen:
                time.sleep(POLL_SECONDS)
            # Editors save in steps (a temporary file, then a rename): let them finish.
            time.sleep(POLL_SECONDS / 2)
    except KeyboardInterrupt:
        print("stopped watching", flush=True)
        return 0


def _build_once(options: Options, report) -> None:
    try:
        outcome = build(options)
        report(outcome, options)
        for entry in outcome.written:
            if entry.get("written"):
                print(f"  wrote {options.out / entry['path']}")
    except (UsageError, BuildFailure) as e:
        print(f"make_pdfs.py: error: {e}", file=sys.stderr, flush=True)
    sys.stdout.flush()
    sys.stderr.flush()


__all__ = ["watch", "snapshot"]
