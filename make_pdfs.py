"""Command line: build the patient handouts from handouts/ into build/ (see `--help`)."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

from layouts.content.model import EDITIONS, PAPERS

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_BUILD = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143   # as a shell reports SIGINT and SIGTERM


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written YYYY-MM-DD") from None


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="make_pdfs.py",
        description="Build printable, fill-in patient handouts from the YAML in handouts/.")
    parser.add_argument("--src", type=Path, default=Path("handouts"),
                        help="content folder (default: handouts)")
    parser.add_argument("--out", type=Path, default=Path("build"),
                        help="output folder (default: build)")
    parser.add_argument("--clinic", type=Path, metavar="FILE",
                        help="the clinic file (default: <src>/clinic.yaml); lets one content "
                             "folder serve several sites")
    parser.add_argument("--set", action="append", default=[], dest="sets", metavar="NAME",
                        help="build only this set of handouts, such as pancreatic-net "
                             "(repeatable)")
    parser.add_argument("--topic", action="append", default=[], metavar="NAME",
                        help="build only this topic, such as diagnosis (repeatable); a "
                             "narrowed run never replaces a packet")
    parser.add_argument("--lang", action="append", default=[],
                        help="build only this language, such as en (repeatable)")
    parser.add_argument("--edition", action="append", choices=EDITIONS, default=[],
                        help="build only this edition (repeatable)")
    parser.add_argument("--paper", action="append", choices=PAPERS, default=[],
                        help="paper size; default: the one clinic.yaml names (repeatable)")
    parser.add_argument("--format", action="append", choices=("pdf", "html"), default=[],
                        dest="formats",
                        help="build only the PDFs, or only the web site under <out>/site/ with "
                             "the PDFs it offers (repeatable; default: both)")
    parser.add_argument("--check", action="store_true",
                        help="check the content and report problems; write nothing")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--watch", action="store_true",
                        help="build, then build again on every save of a content or asset "
                             "file until Ctrl-C")
    parser.add_argument("--force", action="store_true",
                        help="rebuild every output, even those whose inputs did not change")
    parser.add_argument("--preview", action="store_true",
                        help="also write <topic>.preview.png, every page small, beside each PDF")
    parser.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                        help="the date to check review dates against (default: today)")
    fill = parser.add_argument_group("pre-filled packets")
    fill.add_argument("--fill", type=Path, metavar="CSV",
                      help="write one filled packet per row of this patients file to "
                           "<out>/filled/<id>.pdf; with --check, only check the file")
    fill.add_argument("--list-fields", action="store_true",
                      help="print the first line of a patients file with every field it may "
                           "use, ready for Excel (columns set, lang, edition and paper may "
                           "also choose each row's packet)")
    fill.add_argument("--flatten", action="store_true",
                      help="with --fill: print the values as plain ink, with no form fields")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="processes to use (default: the number of cores)")
    fill.add_argument("--shard", metavar="K/N",
                      help="with --fill: make only every N-th packet, from the K-th")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be 1 or more")
    if (args.flatten or args.shard) and not args.fill:
        parser.error("--flatten and --shard go with --fill")
    if args.watch and (args.fill or args.check):
        parser.error("--watch builds handouts; it does not go with --fill or --check")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)  # argparse exits with 2 on a usage error
    from layouts.content.errors import BuildFailure
    from layouts.options import Options, UsageError
    from layouts.unchanged import replay, run_digest
    from layouts.write import Terminated, terminate_cleanly

    once = lambda values: tuple(dict.fromkeys(values))  # noqa: E731 - a repeat adds nothing
    options = Options(src=args.src, out=args.out, clinic=args.clinic, sets=once(args.sets),
                      topics=once(args.topic),
                      langs=once(args.lang), editions=once(args.edition),
                      papers=once(args.paper), check=args.check, strict=args.strict,
                      fill=args.fill, flatten=args.flatten, jobs=args.jobs, shard=args.shard,
                      today=args.today, preview=args.preview, force=args.force,
                      list_fields=args.list_fields, formats=once(args.formats))
    if args.watch:
        from layouts.watch import watch

        return watch(options, report)
    try:
        with terminate_cleanly():  # SIGTERM stops the run as Ctrl-C does, and exits 143
            # With nothing changed since the last run, its outcome again, without loading
            # the content or the layout libraries.
            inputs = run_digest(options)
            outcome = replay(options, inputs)
            if outcome is None:
                from layouts.build import build

                outcome = build(options, inputs)
    except UsageError as e:
        print(f"make_pdfs.py: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BuildFailure as e:
        print(f"make_pdfs.py: build failed: {e}", file=sys.stderr)
        return EXIT_BUILD
    except KeyboardInterrupt as stop:
        print("make_pdfs.py: stopped; each file is either as it was or complete and new, "
              "so run again to finish", file=sys.stderr)
        # Leave now: temporary files are already removed, and worker processes are gone;
        # interpreter shutdown could be interrupted again and print a traceback.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED)
    return report(outcome, options)


def report(outcome, options) -> int:
    """Print a run's problems and what it did; return its exit code."""
    for problem in outcome.problems:
        print(problem, file=sys.stderr)
    errors = sum(p.severity == "error" for p in outcome.problems)
    warnings = len(outcome.problems) - errors
    # A fill runs once the content is good; its problems are all in the patients file.
    filling = options.fill and all(p.path == str(options.fill) for p in outcome.problems
                                   if p.severity == "error")
    if options.list_fields and not outcome.exit_code:
        sys.stdout.write(outcome.listing)
    elif filling and options.check:
        print(f"checked {options.fill}: {outcome.rows} row(s) ready to fill"
              + (f"; {errors} problem(s) above; rows with a problem would be left out"
                 if errors else "") + "; nothing was written")
    elif filling:
        print(f"wrote {len(outcome.written)} filled packet(s) to {options.out / 'filled'}"
              + (f"; {errors} problem(s) above; rows with a problem were left out"
                 if errors else ""))
    elif outcome.exit_code:
        print(f"{errors} error(s), {warnings} warning(s); nothing was written", file=sys.stderr)
    elif options.check:
        print(f"checked: {warnings} warning(s), no errors")
    else:
        new = sum(entry["written"] for entry in outcome.written)
        kept = len(outcome.written) - new
        print(f"wrote {new} file(s) and manifest.json to {options.out}"
              + (f"; {kept} up to date, left as they were" if kept else "")
              + (f" ({warnings} warning(s))" if warnings else ""))
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
