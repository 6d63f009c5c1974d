"""Exit codes of ``mailspec compare`` and of each run, its constants and usage error."""

from __future__ import annotations

import re

# Exit codes of a run (pytest's, plus 6 for a stale baseline), docs/reports.md.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 2
EXIT_INTERNAL = 3
EXIT_USAGE = 4
EXIT_NO_TESTS = 5
EXIT_BASELINE_STALE = 6
# Which child exit code decides the compare's own, most relevant first: a target that
# crashed or could not be used leaves a hole in the comparison, so it outranks failures.
PRECEDENCE = (
    EXIT_INTERNAL,
    EXIT_USAGE,
    EXIT_INTERRUPTED,
    EXIT_FAILED,
    EXIT_NO_TESTS,
    EXIT_BASELINE_STALE,
)
EXIT_MEANING = {
    EXIT_OK: "ok",
    EXIT_FAILED: "tests failed",
    EXIT_INTERRUPTED: "interrupted",
    EXIT_INTERNAL: "internal error",
    EXIT_USAGE: "target not usable",
    EXIT_NO_TESTS: "no tests collected",
    EXIT_BASELINE_STALE: "baseline stale",
}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
RESERVED = frozenset({"matrix", "compare"})  # OUT/matrix.html, OUT/compare.json
STOP_TIMEOUT = 30.0  # seconds the children get to clean up after Ctrl-C


class UsageError(Exception):
    pass
