"""Progress of one ``mailspec compare`` child run, as JSON lines in a file.

Loaded by ``mailspec compare`` with ``-p mailspec.compare_progress``; it does nothing
unless ``MAILSPEC_COMPARE_PROGRESS`` names a file. The controller process alone writes
(with xdist the workers' reports arrive there too), one JSON object per line:

    {"event": "collected", "total": 333}
    {"event": "test", "id": "pop3/rfc1939/5/list-size-matches-retr", "outcome": "passed"}
    {"event": "finished", "exitstatus": 0}

Outcomes are those of the JSON results (docs/reports.md), classified by the same code.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from mailspec.fixtures.reporting.results_json import CaseRecord

ENV = "MAILSPEC_COMPARE_PROGRESS"


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(ENV)
    if not path or hasattr(config, "workerinput"):
        return
    progress = _Progress(path)
    config.pluginmanager.register(progress, "mailspec-compare-progress")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistProgress(progress), "mailspec-compare-progress-xdist")


class _Progress:
    def __init__(self, path: str) -> None:
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed at unconfigure)
        self.records: dict[str, CaseRecord] = {}
        self.total: int | None = None

    def write(self, **record: Any) -> None:
        if self.file.closed:
            return
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()

    def collected(self, total: int) -> None:
        if self.total is None:
            self.total = total
            self.write(event="collected", total=total)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected(len(session.items))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.records.get(report.nodeid)
        if record is None:
            record = self.records[report.nodeid] = CaseRecord(report.nodeid)
        record.add(report)
        if report.when == "teardown":
            del self.records[report.nodeid]
            self.write(event="test", id=record.id, outcome=record.outcome)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, exitstatus: int) -> None:
        self.write(event="finished", exitstatus=int(exitstatus))

    def pytest_unconfigure(self) -> None:
        self.file.close()


class _XdistProgress:
    """With ``-n`` the controller collects nothing; each worker reports its ids."""

    def __init__(self, progress: _Progress) -> None:
        self.progress = progress

    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        self.progress.collected(len(ids))
