"""Compare one results file with a baseline: new deviations, fixed ones, still known."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailspec.fixtures.reporting.baseline import Baseline, KnownDeviation

# Outcomes that mean "the server does not do what the test requires".
STILL_DEVIATING = frozenset({"failed", "known", "deviation-should", "deviation-may"})


@dataclass
class BaselineDiff:
    new: list[str] = field(default_factory=list)  # failing, not in the baseline
    fixed: list[str] = field(default_factory=list)  # in the baseline, passing now
    known: list[str] = field(default_factory=list)  # in the baseline, still deviating
    not_run: list[str] = field(default_factory=list)  # in the baseline, not in the results
    entries: dict[str, KnownDeviation] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.new or self.fixed)


def baseline_from_results(document: dict[str, Any]) -> Baseline | None:
    """The baseline a run was gated with, as recorded in its results file."""
    info = document.get("baseline")
    if not info:
        return None
    return Baseline(
        {
            identifier: KnownDeviation(identifier, e.get("reason", ""), e.get("rfc", ""), e.get("verdict", ""))
            for identifier, e in info.get("entries", {}).items()
        }
    )


def diff(document: dict[str, Any], baseline: Baseline) -> BaselineDiff:
    result = BaselineDiff(entries=dict(baseline.entries))
    seen = set()
    for test in document.get("tests", []):
        identifier, outcome = test["id"], test["outcome"]
        seen.add(identifier)
        if identifier in baseline:
            if outcome in ("passed", "xpassed"):
                result.fixed.append(identifier)
            elif outcome in STILL_DEVIATING:
                result.known.append(identifier)
        elif outcome in ("failed", "error"):
            result.new.append(identifier)
    result.not_run = sorted(set(baseline.entries) - seen)
    for items in (result.new, result.fixed, result.known):
        items.sort()
    return result
