"""Allure results: labels, links, attachments, environment; and the HTML renders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

STAT = "pop3/rfc1939/5/stat-counts"
# The one documented command (docs/reports.md); Allure 3 needs only Node.
ALLURE = ["npx", "--yes", "allure@3"]


def allure_results(directory):
    results = [json.loads(p.read_text()) for p in directory.glob("*-result.json")]
    return {label["value"]: r for r in results for label in r["labels"] if label["name"] == "mailspec_id"}


@pytest.fixture
def allure_run(sample):
    sample.breaks("stat")
    directory = sample.path / "allure-results"
    result = sample.run("--alluredir", str(directory))
    assert result.ret == 1
    return directory


def test_labels_links_and_description(allure_run):
    stat = allure_results(allure_run)[STAT]
    labels = {(label["name"], label["value"]) for label in stat["labels"]}
    assert {
        ("epic", "POP3"),
        ("feature", "RFC 1939 §5"),
        ("story", "STAT"),
        ("severity", "critical"),
        ("tag", "MUST"),
    } <= labels
    assert stat["name"] == STAT
    assert stat["status"] == "failed"
    assert {"url": "https://www.rfc-editor.org/rfc/rfc1939.html#section-5", "type": "link",
            "name": "RFC 1939 §5 (rfc-editor.org)"} in stat["links"]
    assert "STAT answers +OK, the count and the size." in stat["description"]


def test_severity_follows_the_level(allure_run):
    results = allure_results(allure_run)
    severity = {
        identifier: next(label["value"] for label in r["labels"] if label["name"] == "severity")
        for identifier, r in results.items()
    }
    assert severity["pop3/rfc2449/6.6/pipelining-batch"] == "normal"
    assert severity["pop3/rfc1939/7/uidl-argument[zero]"] == "minor"
    uidl = results["pop3/rfc1939/7/uidl-argument[zero]"]
    assert {"name": "argument", "value": "'zero'"} in uidl["parameters"]


def test_failure_attachments(allure_run):
    stat = allure_results(allure_run)[STAT]
    attachments = {a["name"]: (allure_run / a["source"]).read_text() for a in stat["attachments"]}
    assert "Expected:\n+OK 1 120" in attachments["Expected / Actual"]
    assert "Actual:\n+OK 1 121" in attachments["Expected / Actual"]
    assert "C: STAT" in attachments["Transcript"]


def test_environment_and_categories(allure_run, sample):
    properties = (allure_run / "environment.properties").read_text()
    assert f"target={sample.target}\n" in properties
    assert f"endpoint.pop3={sample.target}\n" in properties
    assert "mailspec=" in properties
    categories = json.loads((allure_run / "categories.json").read_text())
    assert "Known deviations (baseline)" in [c["name"] for c in categories]


def _npx_or_skip() -> None:
    if shutil.which("npx") is None:
        pytest.skip("npx (Node.js) is not installed: the Allure 3 report cannot be rendered")
    if os.environ.get("MAILSPEC_OFFLINE"):
        pytest.skip("MAILSPEC_OFFLINE is set: npx would download the allure package")


def test_allure_html_renders(allure_run, tmp_path):
    _npx_or_skip()
    out = tmp_path / "allure-report"
    done = subprocess.run(
        [*ALLURE, "generate", str(allure_run), "-o", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "index.html").exists()
    rendered = "\n".join(p.read_text(errors="replace") for p in (out / "data" / "test-results").glob("*.json"))
    assert STAT in rendered
    assert "rfc1939.html#section-5" in rendered
    environment = (out / "widgets" / "allure_environment.json").read_text()
    assert "endpoint.pop3" in environment


def test_allure_single_file_report(allure_run, tmp_path):
    """docs/ci/allurerc.mjs: one index.html that opens from disk."""
    _npx_or_skip()
    config = Path(__file__).parents[2] / "docs" / "ci" / "allurerc.mjs"
    out = tmp_path / "allure-report"
    done = subprocess.run(
        [*ALLURE, "generate", str(allure_run), "-o", str(out), "--config", str(config)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "index.html").stat().st_size > 100_000
    assert not (out / "data").exists(), "a single-file report has no data folder"
    assert STAT in (out / "test-results.json").read_text()
