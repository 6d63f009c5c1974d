"""The matrix page's lower part: every case with each target's outcome, Expected, Actual, transcript."""

from __future__ import annotations

import html

from .matrix_model import (
    NOT_APPLICABLE,
    OUTCOME_CLASS,
    OUTCOME_LABEL,
    PASSING,
    Case,
    Run,
    Section,
    _case_anchor,
    _slug,
    score,
)
from .rfc_titles import section_title

e = html.escape


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
