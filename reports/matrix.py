"""The conformance matrix: one self-contained HTML page from one or more results files.

Targets are columns, RFC sections are rows, each cell is a score (passed out of the
tests that ran there, coloured by the worst deviation). Below the matrix: capability
differences between the targets, what changed since the baseline, and every case with
its requirement, level, and for each target the outcome with Expected, Actual and the
transcript. No external assets: the CSS and the small script are inlined, so the file
can be mailed, attached to a CI run or published as it is.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from mailspec.fixtures.reporting.baseline import Baseline

from .baseline_diff import BaselineDiff, baseline_from_results, diff
from .rfc_titles import section_title

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


# -- rendering ------------------------------------------------------------------------

e = html.escape


def _asset(name: str) -> str:
    return resources.files("mailspec.reports").joinpath(name).read_text(encoding="utf-8")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _cell(run: Run, section: Section, index: int) -> str:
    result = score(run, section.cases)
    if result.applicable == 0:
        missing = result.counts.get("missing", 0)
        label = "not run" if missing and missing == sum(result.counts.values()) else "skipped"
        return f'<td class="cell na" data-col="{index}"><a href="#{section.key}">{label}</a></td>'
    percent = round(100 * (result.ratio or 0))
    bad = result.counts.get("failed", 0) + result.counts.get("error", 0)
    notes = []
    if bad:
        notes.append(f"{bad} fail")
    for outcome, word in (("deviation-should", "SHOULD"), ("deviation-may", "MAY"), ("known", "known")):
        if result.counts.get(outcome):
            notes.append(f"{result.counts[outcome]} {word}")
    note = f'<span class="note">{e(", ".join(notes))}</span>' if notes else ""
    title = ", ".join(f"{count} {outcome}" for outcome, count in sorted(result.counts.items()))
    return (
        f'<td class="cell {result.worst}" data-col="{index}" title="{e(title)}">'
        f'<a href="#{section.key}"><span class="frac">{result.passed}/{result.applicable}</span>'
        f'<span class="bar"><span style="width:{percent}%"></span></span>{note}</a></td>'
    )


def _totals(run: Run, sections: list[Section]) -> Score:
    return score(run, [case for section in sections for case in section.cases])


# Target facts shown on the card; the rest (paths, timings) goes under "more".
CARD_INFO = ("server", "version", "variant", "storage")


def _run_card(run: Run, sections: list[Section]) -> str:
    target = run.target
    meta = run.document.get("run", {})
    total = _totals(run, sections)
    info = {str(k): str(v) for k, v in (target.get("info") or {}).items()}
    shown = [f"<li><span>{e(k)}</span> {e(info[k])}</li>" for k in CARD_INFO if k in info]
    endpoints = [
        f"<li><span>{e(name)}</span> <code>{e(url)}</code></li>"
        for name, url in (target.get("endpoints") or {}).items()
    ]
    more = [f"<li><span>{e(k)}</span> {e(v)}</li>" for k, v in info.items() if k not in CARD_INFO]
    more += endpoints[1:]
    more.append(f"<li><span>run</span> {e(str(meta.get('started', '')))}</li>")
    more.append(
        f"<li><span>mailspec</span> {e(str(run.document.get('mailspec_version', '')))}"
        f"{' (strict)' if meta.get('strict') else ''}</li>"
    )
    counts = " · ".join(
        f'<span class="count {OUTCOME_CLASS.get(o, "na")}">{n} {e(OUTCOME_LABEL.get(o, o))}</span>'
        for o, n in sorted(total.counts.items(), key=lambda item: -item[1])
    )
    percent = f"{round(100 * total.ratio)}%" if total.ratio is not None else "&ndash;"
    return (
        f'<article class="card {total.worst}"><h3>{e(run.label)}</h3>'
        f'<p class="big">{percent}<small> {total.passed}/{total.applicable} pass</small></p>'
        f'<p class="counts">{counts}</p><ul class="kv">{"".join(endpoints[:1])}{"".join(shown)}</ul>'
        f'<details class="more"><summary>more</summary><ul class="kv">{"".join(more)}</ul></details>'
        "</article>"
    )


def _matrix(runs: list[Run], sections: list[Section]) -> str:
    head = "".join(f'<th scope="col" data-col="{i}">{e(run.label)}</th>' for i, run in enumerate(runs))
    rows = []
    protocol = None
    for section in sections:
        if section.protocol != protocol:
            protocol = section.protocol
            rows.append(
                f'<tr class="group"><th scope="rowgroup" colspan="{len(runs) + 1}">{e(protocol.upper())}</th></tr>'
            )
        levels = sorted({case.level for case in section.cases})
        cells = "".join(_cell(run, section, i) for i, run in enumerate(runs))
        rows.append(
            f'<tr><th scope="row"><a href="#{section.key}">{e(section.title)}</a>'
            f'<span class="sub">{e(section_title(section.document, section.section))}</span>'
            f'<span class="sub">{len(section.cases)} case{"s" if len(section.cases) != 1 else ""} · {e("/".join(levels))}</span></th>{cells}</tr>'
        )
    totals = "".join(
        f'<td class="cell total {(s := _totals(run, sections)).worst}">'
        f'<span class="frac">{s.passed}/{s.applicable}</span></td>'
        for run in runs
    )
    return (
        '<div class="scroll"><table class="matrix"><thead><tr><th scope="col">RFC section</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
        f'<tfoot><tr><th scope="row">all sections</th>{totals}</tr></tfoot></table></div>'
    )


# (protocol, state before login, state after login) as the results file names them.
CAPABILITY_STATES = (("pop3", "authorization", "transaction"), ("imap", "before_login", "after_login"))


def _capabilities(runs: list[Run]) -> str:
    tables = [_capability_table(runs, *states) for states in CAPABILITY_STATES]
    tables = [table for table in tables if table]
    if not tables:
        return '<p class="muted">No capabilities recorded in the results files.</p>'
    return "".join(tables)


def _capability_table(runs: list[Run], protocol: str, before_key: str, after_key: str) -> str:
    per_run: list[dict[str, tuple[bool, bool, list[str]]] | None] = []
    names: set[str] = set()
    for run in runs:
        caps = (run.target.get("capabilities") or {}).get(protocol)
        if not isinstance(caps, dict) or "error" in caps:
            per_run.append(None)
            continue
        before = caps.get(before_key) or {}
        after = caps.get(after_key) or {}
        table = {
            name: (name in before, name in after, after.get(name) or before.get(name) or [])
            for name in set(before) | set(after)
        }
        names |= set(table)
        per_run.append(table)
    if not names:
        return ""
    head = "".join(f"<th scope=\"col\">{e(run.label)}</th>" for run in runs)
    rows = []
    differing = 0
    for name in sorted(names):
        values = [None if table is None else table.get(name) for table in per_run]
        # Targets without this protocol (or whose CAPA failed) do not count as different.
        shapes = {
            (v[0], v[1], tuple(v[2])) if v else None
            for table, v in zip(per_run, values, strict=True)
            if table is not None
        }
        differs = len(shapes) > 1
        differing += differs
        cells = []
        for table, value in zip(per_run, values, strict=True):
            if table is None:
                cells.append(f'<td class="cap unknown">no {e(protocol.upper())} data</td>')
                continue
            if value is None:
                cells.append('<td class="cap no">—</td>')
                continue
            before, after, args = value
            where = "both states" if before and after else ("before login" if before else "after login")
            text = " ".join(args)
            cells.append(
                f'<td class="cap yes"><span class="tick">✓</span> <small>{e(where)}</small>'
                f"{f' <code>{e(text)}</code>' if text else ''}</td>"
            )
        rows.append(
            f'<tr class="{"differs" if differs else "same"}"><th scope="row"><code>{e(name)}</code></th>{"".join(cells)}</tr>'
        )
    label = protocol.upper()
    known = [run.label for run, table in zip(runs, per_run, strict=True) if table is not None]
    if len(known) > 1:
        summary = f"{differing} of {len(names)} {label} capabilities differ between the targets"
    else:
        summary = f"{len(names)} {label} capabilities (announced by {', '.join(known)})"
    # Open when there is something to compare; a protocol only one target speaks stays folded.
    return (
        f'<details class="caps-block"{" open" if len(known) > 1 else ""}><summary>{e(summary)}</summary>'
        '<p class="muted">Rows that differ are marked; <label>'
        '<input type="checkbox" class="caps-diff-only"> show only differences</label></p>'
        f'<div class="scroll"><table class="caps"><thead><tr><th scope="col">{e(label)}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></details>"
    )


def _baseline(runs: list[Run]) -> str:
    blocks = []
    for run in runs:
        d = run.baseline_diff
        if d is None:
            continue
        items = []
        for identifier in d.new:
            items.append(
                f'<li class="bad"><span class="chip bad">new</span> <a href="#{_case_anchor(identifier)}"><code>{e(identifier)}</code></a></li>'
            )
        for identifier in d.fixed:
            entry = d.entries.get(identifier)
            reason = f' <span class="muted">was: {e(entry.reason)}</span>' if entry else ""
            items.append(
                f'<li class="ok"><span class="chip ok">fixed</span> <a href="#{_case_anchor(identifier)}"><code>{e(identifier)}</code></a>{reason}</li>'
            )
        summary = (
            f"{len(d.new)} new deviation(s), {len(d.fixed)} fixed, {len(d.known)} still known"
            f"{f', {len(d.not_run)} not run' if d.not_run else ''}"
        )
        body = f"<ul class=\"changes\">{''.join(items)}</ul>" if items else '<p class="muted">No change: every deviation is known.</p>'
        blocks.append(
            f'<article class="baseline {"bad" if d.new else "ok"}"><h3>{e(run.label)} '
            f'<small>vs {e(run.baseline_source)}</small></h3><p>{e(summary)}</p>{body}</article>'
        )
    if not blocks:
        return ""
    return '<section id="baseline"><h2>Changes since the baseline</h2><div class="cards">' + "".join(blocks) + "</div></section>"


def _case_anchor(identifier: str) -> str:
    return "case-" + _slug(identifier)


def _outcome(run: Run, case: Case) -> str:
    test = run.tests.get(case.id)
    return test["outcome"] if test else "missing"


def _chips(run: Run, case: Case) -> str:
    d = run.baseline_diff
    if d is None:
        return ""
    if case.id in d.fixed:
        return ' <span class="chip ok">fixed</span>'
    if case.id in d.new:
        return ' <span class="chip bad">new</span>'
    return ""


def _badge(run: Run, case: Case, *, link: bool) -> str:
    outcome = _outcome(run, case)
    kind = OUTCOME_CLASS[outcome]
    text = f'<span class="badge {kind}">{e(OUTCOME_LABEL[outcome])}</span>{_chips(run, case)}'
    if link and outcome not in PASSING and outcome != "missing":
        return f'<a href="#{_detail_anchor(case.id, run)}">{text}</a>'
    return text


def _detail_anchor(identifier: str, run: Run) -> str:
    return f"{_case_anchor(identifier)}--{_slug(run.label)}"


def _detail(run: Run, case: Case, param: str) -> str:
    """The failure of one case on one target: message, Expected/Actual, transcript."""
    test = run.tests.get(case.id)
    outcome = _outcome(run, case)
    if test is None or outcome in PASSING:
        return ""
    kind = OUTCOME_CLASS[outcome]
    message = test.get("message") or test.get("reason") or ""
    parts = []
    if test.get("reason") and outcome not in ("failed", "error") and test["reason"] != message:
        parts.append(f'<p class="reason">{e(test["reason"])}</p>')
    if test.get("baseline_reason"):
        parts.append(f'<p class="reason">baseline: {e(test["baseline_reason"])}</p>')
    if test.get("expected") is not None or test.get("actual") is not None:
        parts.append(
            '<dl class="ea">'
            f"<dt>Expected</dt><dd><pre>{e(str(test.get('expected')))}</pre></dd>"
            f"<dt>Actual</dt><dd><pre>{e(str(test.get('actual')))}</pre></dd></dl>"
        )
    elif test.get("failure"):
        parts.append(f'<pre class="failure">{e(test["failure"])}</pre>')
    if test.get("transcript"):
        parts.append(
            f'<details class="transcript"><summary>Transcript</summary><pre>{e(test["transcript"])}</pre></details>'
        )
    head = (
        f'<span class="who">{e(run.label)}</span>{f"<code>{e(param)}</code> " if param else ""}'
        f'<span class="badge {kind}">{e(OUTCOME_LABEL[outcome])}</span>{_chips(run, case)}'
        f'<span class="msg">{e(message)}</span>'
    )
    anchor = _detail_anchor(case.id, run)
    if not parts:
        return f'<div class="res {kind}" id="{anchor}">{head}</div>'
    return (
        f'<details class="res {kind}" id="{anchor}"{" open" if kind == "bad" else ""}>'
        f'<summary>{head}</summary><div class="body">{"".join(parts)}</div></details>'
    )


def _group(runs: list[Run], cases: list[Case]) -> str:
    """One test function: its requirement once, its parameters as rows, targets as columns."""
    first = cases[0]
    base = first.id.split("[", 1)[0]
    outcomes = {_outcome(run, case) for run in runs for case in cases}
    deviates = bool(outcomes - PASSING - NOT_APPLICABLE - {"missing"})
    per_case_kinds = [{OUTCOME_CLASS[_outcome(run, case)] for run in runs} for case in cases]
    differs = any(len(kinds) > 1 for kinds in per_case_kinds)
    classes = ["case"] + (["deviates"] if deviates else []) + (["differs"] if differs else [])
    parametrized = len(cases) > 1 or "[" in first.id
    if not parametrized:
        summary = " ".join(
            f'<span class="pair"><span class="who">{e(run.label)}</span>{_badge(run, first, link=True)}</span>'
            for run in runs
        )
        table = f'<div class="pairs">{summary}</div>'
        anchors = f'<span id="{_case_anchor(first.id)}"></span>'
    else:
        heads = "".join(f"<th scope=\"col\">{e(run.label)}</th>" for run in runs)
        rows = []
        for case in cases:
            param = case.id[len(base):]
            cells = "".join(f"<td>{_badge(run, case, link=True)}</td>" for run in runs)
            rows.append(f'<tr id="{_case_anchor(case.id)}"><th scope="row"><code>{e(param)}</code></th>{cells}</tr>')
        table = (
            f'<div class="scroll params"><table><thead><tr><th scope="col">{len(cases)} parameters</th>{heads}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )
        anchors = ""
    details = "".join(
        _detail(run, case, case.id[len(base):] if parametrized else "") for case in cases for run in runs
    )
    return (
        f'<div class="{" ".join(classes)}" id="{_case_anchor(base)}">{anchors}'
        f'<div class="head"><span class="level {e(first.level)}">{e(first.level)}</span>'
        f'<code class="id">{e(base)}</code></div>'
        f'<p class="req">{e(first.requirement)}</p>{table}'
        f'{f"<div class=details>{details}</div>" if details else ""}</div>'
    )


def _groups(cases: list[Case]) -> list[list[Case]]:
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.id.split("[", 1)[0], []).append(case)
    return list(groups.values())


def _sections(runs: list[Run], sections: list[Section]) -> str:
    out = []
    for section in sections:
        scores = " ".join(
            f'<span class="mini {(s := score(run, section.cases)).worst}" title="{e(run.label)}">'
            f"{e(run.label)} {s.passed}/{s.applicable}</span>"
            for run in runs
        )
        has_deviation = any(score(run, section.cases).worst in ("bad", "warn") for run in runs)
        name = section_title(section.document, section.section)
        out.append(
            f'<details class="section" id="{section.key}"{" open" if has_deviation else ""}>'
            f'<summary><h3>{e(section.protocol.upper())} · {e(section.title)}'
            f'{f" <span class=name>{e(name)}</span>" if name else ""}</h3>'
            f'<a class="rfc" href="{e(section.url)}">{e(section.url.split("//", 1)[-1])}</a>'
            f'<span class="scores">{scores}</span></summary>'
            f"{''.join(_group(runs, group) for group in _groups(section.cases))}</details>"
        )
    return "".join(out)


def render(runs: list[Run], *, title: str = "mailspec conformance matrix") -> str:
    sections = collect_sections(runs)
    generated = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    cases = sum(len(s.cases) for s in sections)
    targets = ", ".join(run.label for run in runs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{_asset("matrix.css")}</style></head>
<body>
<header class="top"><h1>{e(title)}</h1>
<p class="muted">{len(runs)} target(s): {e(targets)} · {len(sections)} RFC sections · {cases} cases · generated {generated}</p>
<nav><a href="#matrix">Matrix</a><a href="#capabilities">Capabilities</a>{'<a href="#baseline">Baseline</a>' if any(r.baseline_diff for r in runs) else ''}<a href="#cases">Cases</a></nav></header>
<main>
<section id="targets"><div class="cards">{"".join(_run_card(run, sections) for run in runs)}</div></section>
<div class="duo"><section id="matrix"><h2>Matrix</h2>
<p class="legend"><span class="swatch ok"></span>all pass <span class="swatch known"></span>only known deviations <span class="swatch warn"></span>SHOULD / MAY deviation <span class="swatch bad"></span>MUST deviation or error <span class="swatch na"></span>nothing ran (capability missing)</p>
{_matrix(runs, sections)}</section>
<section id="capabilities"><h2>Capabilities</h2>{_capabilities(runs)}</section></div>
{_baseline(runs)}
<section id="cases"><h2>Cases</h2>
<p class="filters"><label><input type="radio" name="filter" value="all" checked> all cases</label>
<label><input type="radio" name="filter" value="deviates"> with a deviation</label>
<label><input type="radio" name="filter" value="differs"> where targets differ</label>
<button type="button" id="expand">expand all</button><button type="button" id="collapse">collapse all</button></p>
{_sections(runs, sections)}</section>
</main>
<footer class="muted">mailspec · results schema {e(str(runs[0].document.get("schema", "")) if runs else "")} · RFC text at rfc-editor.org</footer>
<script>{_asset("matrix.js")}</script>
</body></html>
"""


def build(
    paths: list[str],
    *,
    baselines: dict[str | None, tuple[str, Baseline]] | None = None,
    title: str = "mailspec conformance matrix",
) -> str:
    """Render the matrix for results files given as ``path`` or ``LABEL=path``."""
    from mailspec.fixtures.reporting.results_json import load_document

    documents = []
    for spec in paths:
        label, sep, path = spec.partition("=")
        if not sep or (not Path(path).exists() and Path(spec).exists()):
            label, path = "", spec
        documents.append((label or None, load_document(Path(path))))
    return render(load_runs(documents, baselines), title=title)
