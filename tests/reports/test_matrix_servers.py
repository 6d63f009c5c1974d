"""The matrix for the reference server against Dovecot, looked at in headless Chromium.

Runs one RFC's tests against both (a few seconds each) and renders the page at a wide
and a narrow width. Skipped without Dovecot or Chromium. Set MAILSPEC_SCREENSHOT_DIR to
keep the page and the screenshots (for the docs, or to look at them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mailspec.reports.matrix import build

from .test_matrix import _distinct_rows, _png_size

ROOT = Path(__file__).resolve().parents[2]
SPEC = "rfc2449"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    return found


def _run_suite(target: str, out: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "suites/pop3", "-q", "-p", "no:cacheprovider",
         "-p", "no:benchmark", "--target", target, "--spec", SPEC, "--results-json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    if target == "dovecot" and "dovecot is not installed" in done.stdout + done.stderr:
        pytest.skip("dovecot is not installed: apt-get install dovecot-imapd dovecot-pop3d dovecot-lmtpd")
    assert out.exists(), done.stdout[-3000:] + done.stderr[-3000:]


def test_reference_against_dovecot(tmp_path):
    chromium = _chromium()
    if shutil.which("dovecot") is None and not Path("/usr/sbin/dovecot").exists():
        pytest.skip("dovecot is not installed: apt-get install dovecot-imapd dovecot-pop3d dovecot-lmtpd")
    reference, dovecot = tmp_path / "reference.json", tmp_path / "dovecot.json"
    _run_suite("reference", reference)
    _run_suite("dovecot", dovecot)
    page = tmp_path / "matrix.html"
    page.write_text(build([f"reference={reference}", f"Dovecot={dovecot}"]))
    text = page.read_text()
    assert "RFC 2449 §5" in text and "https://www.rfc-editor.org/rfc/rfc2449.html#section-5" in text
    assert "POP3 capabilities differ between the targets" in text
    keep = os.environ.get("MAILSPEC_SCREENSHOT_DIR")
    for width in (1400, 420):
        shot = tmp_path / f"matrix-reference-dovecot-{width}.png"
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
             f"--window-size={width},1600", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )
        assert _png_size(shot) == (width, 1600)
        assert _distinct_rows(shot) > 10
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, keep)
    if keep:
        shutil.copy(page, Path(keep) / "matrix-reference-dovecot.html")
