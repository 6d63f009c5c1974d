"""Running suite modules against the reference server or a broken variant of it, as a
user would (a subprocess from the repository root, results written to JSON): the part
the POP3 and the IMAP sensitivity tests share."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 300  # seconds per suite run; a hanging run fails the test, never the CI job
RESULTS_SCHEMA = "mailspec-results/1"
FAILED = ("failed", "error")


@dataclass
class SuiteRun:
    label: str
    returncode: int
    output: str
    results: dict[str, Any] | None

    def outcomes(self) -> dict[str, str]:
        tests = (self.results or {}).get("tests", [])
        return {test["id"]: test["outcome"] for test in tests}

    def failures(self) -> list[str]:
        return sorted(i for i, outcome in self.outcomes().items() if outcome in FAILED)

    def describe(self) -> str:
        """Everything a failed assertion should show about this run."""
        summary = (self.results or {}).get("summary")
        failures = self.failures()
        listing = "\n".join(f"    {self.outcomes()[i]:7} {i}" for i in failures) or "    (none)"
        tail = "\n".join(self.output.splitlines()[-25:])
        return (
            f"run against {self.label}: exit {self.returncode}, summary {summary}\n"
            f"  {len(failures)} failed/error tests:\n{listing}\n"
            f"  last lines of the run's output:\n{tail}"
        )


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that could redirect or reshape the run."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MAILSPEC_", "PYTEST_XDIST_")) and k != "PYTEST_ADDOPTS"
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    env.update(extra)
    return env


def run_suite(
    tmp_path: Path,
    paths: list[str],
    *,
    launcher: Path,
    variant: str | None,
    extra: tuple[str, ...] = (),
) -> SuiteRun:
    """``paths`` (suite folders or modules) against the reference server, or against
    ``variant`` of ``launcher`` (broken_server.py / imap_broken_server.py)."""
    results_file = tmp_path / "results.json"
    command = [
        sys.executable, "-m", "pytest", *paths, *extra,
        "-p", "no:cacheprovider", "-q", "--results-json", str(results_file),
    ]  # fmt: skip
    if variant is None:
        label, env = "the reference server", clean_env()
    else:
        command_line = shlex.join([sys.executable, str(launcher), variant])
        label = f"broken variant {variant!r}"
        env = clean_env(MAILSPEC_REFERENCE_LAUNCHER=command_line)
    # Its own session, so that on a timeout the whole group goes, the server included.
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        text = output.decode("utf-8", "replace")
        pytest.fail(f"the suite run against {label} took over {RUN_TIMEOUT} s:\n{text[-4000:]}")
    text = output.decode("utf-8", "replace")
    results = None
    if results_file.exists():
        results = json.loads(results_file.read_text(encoding="utf-8"))
        assert results.get("schema") == RESULTS_SCHEMA, (
            f"results of the run against {label} have schema {results.get('schema')!r}, "
            f"expected {RESULTS_SCHEMA!r}"
        )
    return SuiteRun(label, process.returncode, text, results)
