"""The sensitivity hook for IMAP: a broken variant launched through the reference
provider (MAILSPEC_REFERENCE_LAUNCHER + main(imap_session_factory=)) is caught by the
suite's own test, and the unbroken server passes the same test."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).with_name("imap_broken_demo.py")
ROOT = Path(__file__).resolve().parents[3]
TEST = "suites/imap/test_rfc3501_6_3_3_create.py::test_create_of_existing_name_is_no"


def run_suite_test(launcher: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MAILSPEC_REFERENCE_LAUNCHER"}
    if launcher:
        env["MAILSPEC_REFERENCE_LAUNCHER"] = launcher
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", TEST],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


@pytest.mark.parametrize("variant", ["create-existing-ok"])
def test_broken_variant_is_caught(variant: str) -> None:
    launcher = f"{shlex.quote(sys.executable)} {shlex.quote(str(DEMO))} {variant}"
    broken = run_suite_test(launcher)
    assert broken.returncode == 1, broken.stdout[-2000:]
    assert "1 failed" in broken.stdout
    good = run_suite_test(None)
    assert good.returncode == 0, good.stdout[-2000:]
