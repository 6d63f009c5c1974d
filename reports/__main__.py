"""``python -m mailspec.reports``: build reports from ``--results-json`` files.

    python -m mailspec.reports matrix results-a.json [LABEL=]results-b.json -o matrix.html
        [--baseline [LABEL=]baseline.toml] [--title TEXT]
    python -m mailspec.reports diff results.json --baseline baseline.toml

``diff`` prints what changed since the baseline and exits 1 on a new deviation,
6 when listed deviations now pass (with --strict-baseline), else 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mailspec.fixtures.reporting.baseline import Baseline, BaselineError, load_baseline
from mailspec.fixtures.reporting.plugin import EXIT_BASELINE_STALE
from mailspec.fixtures.reporting.results_json import load_document

from .baseline_diff import diff
from .matrix import build


def _baselines(specs: list[str]) -> dict[str | None, tuple[str, Baseline]]:
    out: dict[str | None, tuple[str, Baseline]] = {}
    for spec in specs:
        label, sep, path = spec.partition("=")
        if not sep or Path(spec).exists():
            label, path = "", spec
        out[label or None] = (Path(path).name, load_baseline(Path(path)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mailspec.reports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    matrix = commands.add_parser("matrix", help="the conformance matrix (one HTML file)")
    matrix.add_argument("results", nargs="+", help="results files (LABEL=path names the column)")
    matrix.add_argument("-o", "--output", default="matrix.html", help="HTML file to write")
    matrix.add_argument("--baseline", action="append", default=[],
                        help="[LABEL=]baseline.toml to compare with (default: the baseline "
                        "recorded in each results file)")
    matrix.add_argument("--title", default="mailspec conformance matrix")
    check = commands.add_parser("diff", help="a results file against a baseline")
    check.add_argument("results")
    check.add_argument("--baseline", required=True)
    check.add_argument("--strict-baseline", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "matrix":
            page = build(args.results, baselines=_baselines(args.baseline), title=args.title)
            Path(args.output).write_text(page, encoding="utf-8")
            print(f"wrote {args.output} ({len(page) // 1024} KiB, {len(args.results)} target(s))")
            return 0
        result = diff(load_document(Path(args.results)), load_baseline(Path(args.baseline)))
    except (OSError, ValueError, BaselineError) as exc:
        print(f"mailspec.reports: {exc}", file=sys.stderr)
        return 4
    for identifier in result.new:
        print(f"NEW    {identifier}")
    for identifier in result.fixed:
        print(f"FIXED  {identifier}")
    print(f"{len(result.new)} new, {len(result.fixed)} fixed, {len(result.known)} known, "
          f"{len(result.not_run)} not run")
    if result.new:
        return 1
    if result.fixed and args.strict_baseline:
        return EXIT_BASELINE_STALE
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
