"""Report builders that read mailspec JSON results (``--results-json``).

- :mod:`mailspec.reports.matrix`: the conformance matrix, one self-contained HTML page
  (its data in matrix_model, the upper tables in matrix_tables, the cases in matrix_cases)
  for one or more targets;
- :mod:`mailspec.reports.baseline_diff`: what changed between a run and a baseline.

Command line: ``python -m mailspec.reports matrix a.json b.json -o matrix.html``.
"""
