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
from pathlib import Path

from mailspec.fixtures.reporting.baseline import Baseline

from .matrix_cases import _sections
from .matrix_model import Run, collect_sections, load_runs
from .matrix_tables import _asset, _baseline, _capabilities, _matrix, _run_card

e = html.escape


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
