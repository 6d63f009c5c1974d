"""The ``mailspec compare`` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mailspec.compare.display import Display
from mailspec.compare.exits import EXIT_INTERNAL, EXIT_MEANING, EXIT_USAGE, STOP_TIMEOUT, UsageError
from mailspec.compare.runs import plan, run_all
from mailspec.compare.summary import (
    build_matrix,
    format_table,
    last_error,
    overall_exit,
    summary_rows,
)
from mailspec.compare.targets import parse_targets

# -- command line ---------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        if "unrecognized arguments" in message:
            message += " (pytest options go after --, e.g. mailspec compare reference -- -n 2)"
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    result = _Parser(
        prog="mailspec compare",
        description="Run the conformance suite against several targets side by side and "
        "build the conformance matrix.",
        epilog="Everything after -- goes to every pytest run (e.g. -- -k capa -n 2). "
        "Exit: 0 when every run exited 0; else the most relevant run's code: 3 internal "
        "error, 4 a target could not be used, 2 interrupted, 1 tests failed, 5 no tests, "
        "6 stale baseline (docs/reports.md).",
    )
    result.add_argument(
        "targets",
        nargs="+",
        metavar="TARGET",
        help="[NAME=]SPEC [pytest options for this target], e.g. reference, "
        "ref2=reference, pop3://u:p@host:110, 'mbox=dovecot --server-variant mbox'",
    )
    result.add_argument(
        "-j", "--jobs", type=int, default=os.cpu_count() or 1,
        help="runs at the same time (default: the number of CPUs, %(default)s)",
    )  # fmt: skip
    result.add_argument(
        "-o", "--output", type=Path, default=Path("mailspec-compare"),
        help="folder for NAME.json, NAME.xml, NAME.log and matrix.html (default: %(default)s)",
    )  # fmt: skip
    result.add_argument(
        "--baseline-dir", type=Path, default=None,
        help="pass --baseline DIR/NAME.toml to each target that has one",
    )  # fmt: skip
    result.add_argument(
        "--strict-baseline", action="store_true",
        help="passed to the runs that have a baseline (exit 6 when listed deviations pass)",
    )  # fmt: skip
    result.add_argument(
        "--progress", choices=("auto", "tty", "plain", "off"), default="auto",
        help="progress display: redrawn lines on a terminal (tty), plain lines (plain); "
        "auto picks by whether stdout is a terminal",
    )  # fmt: skip
    result.add_argument(
        "--progress-interval", type=float, default=10.0, metavar="SECONDS",
        help="plain progress: how often running targets are reported (default %(default)s)",
    )  # fmt: skip
    result.add_argument(
        "--stop-timeout", type=float, default=STOP_TIMEOUT, metavar="SECONDS",
        help="after Ctrl-C, how long the runs get to stop their servers before they are "
        "killed (default %(default)s)",
    )  # fmt: skip
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in args_in:
        cut = args_in.index("--")
        args_in, extra = args_in[:cut], args_in[cut + 1 :]
    args = parser().parse_args(args_in)
    out = sys.stdout
    try:
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        targets = parse_targets(args.targets)
        if args.baseline_dir is not None and not args.baseline_dir.is_dir():
            raise UsageError(f"--baseline-dir {args.baseline_dir}: not a folder")
        args.output.mkdir(parents=True, exist_ok=True)
    except (UsageError, OSError) as exc:
        print(f"mailspec compare: {exc}", file=sys.stderr)
        return EXIT_USAGE
    children = plan(
        targets,
        args.output,
        extra,
        baseline_dir=args.baseline_dir,
        strict_baseline=args.strict_baseline,
    )
    mode = args.progress
    if mode == "auto":
        mode = "tty" if out.isatty() and os.environ.get("TERM") != "dumb" else "plain"
    jobs = min(args.jobs, len(children))
    print(
        f"mailspec compare: {len(children)} target(s), {jobs} at a time, output in {args.output}/",
        file=out,
        flush=True,
    )
    for child in children:
        if child.baseline is not None:
            print(f"  {child.target.name}: baseline {child.baseline}", file=out)
    began = time.monotonic()
    display = Display(children, out, mode, args.progress_interval)
    completed = run_all(children, jobs, display, args.stop_timeout)
    wall = time.monotonic() - began

    rows = summary_rows(children)
    print("", file=out)
    print(format_table(rows), file=out)
    for row, child in zip(rows, children, strict=True):
        if child.returncode not in (0, None) or child.state == "not started":
            why = (
                "not started"
                if child.state == "not started"
                else f"exit {child.returncode} ({EXIT_MEANING.get(child.returncode, 'killed')})"
            )
            line = f"{row['target']}: {why}; log {child.log}"
            error = last_error(child.log) if child.state != "not started" else ""
            print(line + (f"\n    {error}" if error else ""), file=out)
    code = overall_exit(children, not completed)
    matrix = args.output / "matrix.html"
    try:
        shown = build_matrix(children, matrix)
    except (OSError, ValueError) as exc:
        print(f"matrix: not written: {exc}", file=out)
        shown = 0
        code = code or EXIT_INTERNAL
    if shown:
        print(f"matrix: {matrix} ({shown} target(s))", file=out)
    else:
        print("matrix: not written (no results files)", file=out)
    summary = {
        "exit": code,
        "interrupted": not completed,
        "wall_time": round(wall, 1),
        "matrix": str(matrix) if shown else None,
        "targets": rows,
    }
    (args.output / "compare.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    for child in children:
        child.progress.unlink(missing_ok=True)
    print(f"wall time {wall:.1f}s; exit {code} ({EXIT_MEANING[code]})", file=out, flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
