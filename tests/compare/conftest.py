"""Helpers for the ``mailspec compare`` tests: run the command as a user would.

The runs use the reference target and a few tests of the suite (``--spec rfc2449:5``,
8 tests, about two seconds per target), from a temporary folder so that no project
configuration applies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
# 11 tests: CAPA in both states, its grammar, announced-in-both-states, and the
# RFC 1939 optional commands announced when they work (counts below depend on it).
FEW_TESTS = ("--spec", "rfc2449:5")
# NOOP answers -ERR: both tests of --spec rfc1939:5/noop fail (MUST level).
NOOP_REFUSED = f"{sys.executable} {HERE / 'noop_refused_server.py'}"
NOOP_TESTS = ("--spec", "rfc1939:5/noop")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSPEC_")}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    env.update(extra)
    return env


def compare_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mailspec", "compare", *args]


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    out: Path

    def row(self, target: str) -> dict[str, str]:
        """The summary table's row for a target, by column title."""
        lines = self.stdout.splitlines()
        header = next(i for i, line in enumerate(lines) if line.startswith("target "))
        titles = lines[header].split()
        for line in lines[header + 1 :]:
            cells = line.split()
            if cells and cells[0] == target:
                return dict(zip(titles, cells, strict=True))
        raise AssertionError(f"no row for {target} in:\n{self.stdout}")

    def results(self, target: str) -> dict[str, Any]:
        return json.loads((self.out / f"{target}.json").read_text(encoding="utf-8"))

    def command_of(self, target: str) -> str:
        """The pytest command line the run was started with (the log's first line)."""
        return (self.out / f"{target}.log").read_text(encoding="utf-8").splitlines()[0]


@pytest.fixture
def compare(tmp_path: Path):
    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> Outcome:
        out = tmp_path / "out"
        result = subprocess.run(
            compare_command("--output", str(out), *args),
            cwd=tmp_path,
            env=env or clean_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Outcome(result.returncode, result.stdout, result.stderr, out)

    return run
