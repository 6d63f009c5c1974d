"""The summary table, the overall exit code and the conformance matrix."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from mailspec.compare.exits import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_MEANING,
    EXIT_OK,
    PRECEDENCE,
)
from mailspec.compare.runs import Child
from mailspec.compare.targets import redact

# -- the summary ----------------------------------------------------------------------


def counts_of(child: Child) -> dict[str, int] | None:
    """Outcome counts from the results file (None when the run wrote none)."""
    try:
        document = json.loads(child.results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    summary = document.get("summary") or {}
    return {str(key): int(value) for key, value in summary.items()}


# Summary columns: (title, outcomes added up). xpassed counts as passed and xfailed as
# skipped, as on the matrix.
COLUMNS = (
    ("passed", ("passed", "xpassed")),
    ("failed", ("failed",)),
    ("known", ("known",)),
    ("SHOULD/MAY", ("deviation-should", "deviation-may")),
    ("skipped", ("skipped", "xfailed")),
    ("errors", ("error",)),
)


def summary_rows(children: list[Child]) -> list[dict[str, Any]]:
    rows = []
    for child in children:
        counts = counts_of(child)
        spec = redact(shlex.join([child.target.spec, *child.target.options]))
        row: dict[str, Any] = {"target": child.target.name, "spec": spec}
        for title, outcomes in COLUMNS:
            row[title] = None if counts is None else sum(counts.get(o, 0) for o in outcomes)
        row["exit"] = child.returncode
        row["time"] = round(child.elapsed, 1) if child.started else None
        row["results"] = str(child.results) if counts is not None else None
        row["log"] = str(child.log)
        row["baseline"] = str(child.baseline) if child.baseline else None
        rows.append(row)
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    titles = ["target", *(title for title, _ in COLUMNS), "exit", "time"]

    def cell(row: dict[str, Any], title: str) -> str:
        value = row.get(title)
        if value is None:
            return "-"
        if title == "time":
            return f"{value:.1f}s"
        return str(value)

    table = [titles] + [[cell(row, title) for title in titles] for row in rows]
    widths = [max(len(line[index]) for line in table) for index in range(len(titles))]
    lines = []
    for line in table:
        first = line[0].ljust(widths[0])
        rest = [value.rjust(width) for value, width in zip(line[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]))
    return "\n".join(lines)


def last_error(log: Path) -> str:
    """The line that says why a run stopped: its last ``ERROR:`` line, else its last line."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    errors = [line for line in lines if line.startswith(("ERROR:", "INTERNALERROR>"))]
    if errors:
        return errors[-1].strip()
    text = [line for line in lines if line.strip()]
    return text[-1].strip() if text else ""


def overall_exit(children: list[Child], interrupted: bool) -> int:
    if interrupted:
        return EXIT_INTERRUPTED
    codes = set()
    for child in children:
        code = child.returncode
        codes.add(code if code in EXIT_MEANING else EXIT_INTERNAL)
    for code in PRECEDENCE:
        if code in codes:
            return code
    return EXIT_OK


def build_matrix(children: list[Child], path: Path) -> int:
    """The matrix from every results file there is; returns how many targets it shows."""
    from mailspec.fixtures.reporting.results_json import load_document
    from mailspec.reports.matrix import load_runs, render

    documents: list[tuple[str | None, dict[str, Any]]] = []
    for child in children:
        if child.results.is_file():
            documents.append((child.target.name, load_document(child.results)))
    if not documents:
        return 0
    path.write_text(render(load_runs(documents)), encoding="utf-8")
    return len(documents)
