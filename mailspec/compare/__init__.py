"""``mailspec compare``: the conformance suite against several targets, side by side.

    mailspec compare TARGET [TARGET ...] [--jobs N] [--output DIR] [--baseline-dir DIR]
                     [--strict-baseline] [--progress MODE] [-- pytest options]

Each target runs as its own pytest process (the installed suites, like ``mailspec``),
several at once, each writing ``OUT/NAME.json`` (results), ``OUT/NAME.xml`` (JUnit) and
``OUT/NAME.log`` (its output). While they run, a line per target shows its progress; at
the end a summary table and the conformance matrix ``OUT/matrix.html``.

A TARGET is ``[NAME=]SPEC [pytest options for this target]`` (one shell word):
``reference``, ``ref2=reference``, ``pop3://u:p@127.0.0.1:1100``,
``"mbox=dovecot --server-variant mbox"``. Without ``NAME=`` the name is derived from
the spec (credentials left out). Exit codes: docs/reports.md.
"""

from mailspec.compare.cli import main, parser
from mailspec.compare.display import Display, progress_line
from mailspec.compare.exits import UsageError
from mailspec.compare.runs import Child, plan, run_all
from mailspec.compare.summary import overall_exit, summary_rows
from mailspec.compare.targets import Target, parse_targets, redact, safe_name

__all__ = [
    "Child",
    "Display",
    "Target",
    "UsageError",
    "main",
    "overall_exit",
    "parse_targets",
    "parser",
    "plan",
    "progress_line",
    "redact",
    "run_all",
    "safe_name",
    "summary_rows",
]
