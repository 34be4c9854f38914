"""Command line: build the patient handouts from handouts/ into build/ (see `--help`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_BUILD = 0, 1, 2, 3
TOPICS = ("diagnosis", "staging-and-grading", "treatments", "follow-up")
EDITIONS = ("standard", "large-print")
PAPERS = ("letter", "a4")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="make_pdfs.py",
        description="Build printable, fill-in patient handouts from the YAML in handouts/.")
    parser.add_argument("--src", type=Path, default=Path("handouts"),
                        help="content folder (default: handouts)")
    parser.add_argument("--out", type=Path, default=Path("build"),
                        help="output folder (default: build)")
    parser.add_argument("--topic", action="append", choices=TOPICS, default=[],
                        help="build only this handout (repeatable)")
    parser.add_argument("--lang", action="append", default=[],
                        help="build only this language, such as en (repeatable)")
    parser.add_argument("--edition", action="append", choices=EDITIONS, default=[],
                        help="build only this edition (repeatable)")
    parser.add_argument("--paper", action="append", choices=PAPERS, default=[],
                        help="paper size; default: the one clinic.yaml names (repeatable)")
    parser.add_argument("--check", action="store_true",
                        help="check the content and report problems; write nothing")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)  # argparse exits with 2 on a usage error
    from layouts.build import Options, UsageError, build
    from layouts.errors import BuildFailure

    options = Options(src=args.src, out=args.out, topics=tuple(args.topic),
                      langs=tuple(args.lang), editions=tuple(args.edition),
                      papers=tuple(args.paper), check=args.check, strict=args.strict)
    try:
        outcome = build(options)
    except UsageError as e:
        print(f"make_pdfs.py: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BuildFailure as e:
        print(f"make_pdfs.py: build failed: {e}", file=sys.stderr)
        return EXIT_BUILD
    except KeyboardInterrupt:
        print("make_pdfs.py: stopped; earlier files are unchanged", file=sys.stderr)
        return EXIT_BUILD
    for problem in outcome.problems:
        print(problem, file=sys.stderr)
    errors = sum(p.severity == "error" for p in outcome.problems)
    warnings = len(outcome.problems) - errors
    if outcome.exit_code:
        print(f"{errors} error(s), {warnings} warning(s); nothing was written", file=sys.stderr)
    elif options.check:
        print(f"checked: {warnings} warning(s), no errors")
    else:
        print(f"wrote {len(outcome.written)} PDF(s) and manifest.json to {options.out}"
              + (f" ({warnings} warning(s))" if warnings else ""))
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
