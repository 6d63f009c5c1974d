"""The matrix's data: runs loaded from results files, cases grouped by RFC section, scores."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailspec.fixtures.reporting.baseline import Baseline

from .baseline_diff import BaselineDiff, baseline_from_results, diff

# Severity order for a cell's colour: the worst outcome in it wins.
PASSING = frozenset({"passed", "xpassed"})
NOT_APPLICABLE = frozenset({"skipped", "xfailed"})
OUTCOME_LABEL = {
    "passed": "pass",
    "xpassed": "pass",
    "failed": "FAIL",
    "error": "error",
    "known": "known",
    "deviation-should": "SHOULD",
    "deviation-may": "MAY",
    "skipped": "skip",
    "xfailed": "xfail",
    "missing": "not run",
}
OUTCOME_CLASS = {
    "passed": "ok",
    "xpassed": "ok",
    "failed": "bad",
    "error": "bad",
    "known": "known",
    "deviation-should": "warn",
    "deviation-may": "warn",
    "skipped": "na",
    "xfailed": "na",
    "missing": "na",
}


@dataclass
class Run:
    label: str
    document: dict[str, Any]
    tests: dict[str, dict[str, Any]]  # id -> test record
    baseline_diff: BaselineDiff | None = None
    baseline_source: str = ""

    @property
    def target(self) -> dict[str, Any]:
        return self.document.get("target") or {}


@dataclass
class Case:
    id: str
    protocol: str
    document: str
    section: str
    level: str
    url: str
    requirement: str
    order: int


@dataclass
class Section:
    protocol: str
    document: str
    section: str
    url: str
    cases: list[Case] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.protocol}-rfc{self.document}-{self.section}"

    @property
    def title(self) -> str:
        return f"RFC {self.document} §{self.section}"


def _section_sort(section: Section) -> tuple:
    document = int(section.document) if section.document.isdigit() else 10**6
    parts = tuple(int(p) if p.isdigit() else 10**6 for p in section.section.split("."))
    return (section.protocol, document, parts)


def load_runs(
    documents: list[tuple[str | None, dict[str, Any]]],
    baselines: dict[str | None, tuple[str, Baseline]] | None = None,
) -> list[Run]:
    """``documents``: (label or None, results document). ``baselines``: label (None for
    every target) -> (source name, Baseline)."""
    baselines = baselines or {}
    runs: list[Run] = []
    used: dict[str, int] = {}
    for label, document in documents:
        name = label or (document.get("target") or {}).get("name") or "target"
        used[name] = used.get(name, 0) + 1
        if used[name] > 1:
            name = f"{name} #{used[name]}"
        run = Run(name, document, {t["id"]: t for t in document.get("tests", [])})
        chosen = baselines.get(name) or baselines.get(None)
        if chosen is not None:
            run.baseline_source, baseline = chosen
            run.baseline_diff = diff(document, baseline)
        else:
            recorded = baseline_from_results(document)
            if recorded is not None:
                run.baseline_source = Path((document.get("baseline") or {}).get("path", "baseline")).name
                run.baseline_diff = diff(document, recorded)
        runs.append(run)
    return runs


def collect_sections(runs: list[Run]) -> list[Section]:
    sections: dict[tuple[str, str, str], Section] = {}
    seen: set[str] = set()
    order = 0
    for run in runs:
        for test in run.document.get("tests", []):
            if test["id"] in seen:
                continue
            seen.add(test["id"])
            rfc = test.get("rfc") or {}
            key = (test.get("protocol", ""), rfc.get("document", ""), rfc.get("section", ""))
            section = sections.get(key)
            if section is None:
                url = rfc.get("url", "")
                section = sections[key] = Section(*key, url=url)
            order += 1
            section.cases.append(
                Case(
                    test["id"],
                    key[0],
                    key[1],
                    key[2],
                    rfc.get("level", ""),
                    rfc.get("url", ""),
                    test.get("requirement", ""),
                    order,
                )
            )
    ordered = sorted(sections.values(), key=_section_sort)
    for section in ordered:
        section.cases.sort(key=lambda case: case.id)
    return ordered


@dataclass
class Score:
    passed: int = 0
    applicable: int = 0  # ran and was not skipped
    skipped: int = 0
    worst: str = "na"  # ok / warn / known / bad / na
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        if outcome in NOT_APPLICABLE or outcome == "missing":
            self.skipped += 1
            return
        self.applicable += 1
        if outcome in PASSING:
            self.passed += 1
        rank = ["na", "ok", "known", "warn", "bad"]
        kind = OUTCOME_CLASS[outcome]
        if rank.index(kind) > rank.index(self.worst):
            self.worst = kind

    @property
    def ratio(self) -> float | None:
        return self.passed / self.applicable if self.applicable else None


def score(run: Run, cases: list[Case]) -> Score:
    result = Score()
    for case in cases:
        test = run.tests.get(case.id)
        result.add(test["outcome"] if test else "missing")
    return result


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _case_anchor(identifier: str) -> str:
    return "case-" + _slug(identifier)
