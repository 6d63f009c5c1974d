"""The matrix page's upper parts: target cards, the section matrix, capability and baseline tables."""

from __future__ import annotations

import html
from importlib import resources

from .matrix_model import OUTCOME_CLASS, OUTCOME_LABEL, Run, Score, Section, _case_anchor, score
from .rfc_titles import section_title

# -- rendering ------------------------------------------------------------------------

e = html.escape


def _asset(name: str) -> str:
    return resources.files("mailspec.reports").joinpath(name).read_text(encoding="utf-8")


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
