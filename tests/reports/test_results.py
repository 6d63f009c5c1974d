"""Ids, selection, the dry run, JSON results (also under xdist), JUnit, pytest-html."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET

import pytest
from mailspec.fixtures.reporting.ids import command_of, spec_matches
from mailspec.fixtures.reporting.results_json import SCHEMA, load_document

from .conftest import PLAIN
from .sample_suite import SAMPLE_SUITE

STAT = "pop3/rfc1939/5/stat-counts"


@pytest.mark.parametrize(
    ("spec", "selected"),
    [
        ("rfc1939:5", True),
        ("rfc1939", True),
        ("pop3/rfc1939", True),
        ("pop3/rfc1939/5", True),
        ("pop3/rfc1939/5/stat", True),
        ("rfc1939:5/stat", True),
        ("pop3", True),
        ("rfc1939:50", False),
        ("rfc1939:4", False),
        ("imap/rfc1939", False),
        ("rfc19", False),
        ("rfc2449", False),
    ],
)
def test_spec_prefixes(spec, selected):
    assert spec_matches(spec, "pop3/rfc1939/5/stat-counts[x]") is selected


def test_spec_section_selects_subsections():
    assert spec_matches("rfc2449:8", "pop3/rfc2449/8.1.2/in-use-code")
    assert not spec_matches("rfc2449:8.1.1", "pop3/rfc2449/8.1.2/in-use-code")


def test_command_is_the_first_keyword():
    assert command_of("pop3/rfc1939/5/list-size-matches-retr[zero]") == "LIST"
    assert command_of("pop3/rfc1939/4/reject-in-authorization[STAT-greeting]") == "STAT"
    assert command_of("pop3/rfc1939/4/second-login-refused") == "general"


def test_list_requirements_contacts_no_server(pytester):
    pytester.makepyfile(test_sample=SAMPLE_SUITE)
    # Nothing listens on port 9: a contacted target would be a usage error (exit 4).
    result = pytester.runpytest(*PLAIN, "--target", "127.0.0.1:9", "--list-requirements")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "RFC 1939 §5  https://www.rfc-editor.org/rfc/rfc1939.html#section-5",
            "  MUST    pop3/rfc1939/5/list-answers",
            "          LIST answers +OK.",
            "  MUST    pop3/rfc1939/5/stat-counts",
            "RFC 1939 §7  *",
            "  MAY     pop3/rfc1939/7/uidl-argument[zero]",
            "RFC 2449 §6.6  *",
            "  SHOULD  pop3/rfc2449/6.6/pipelining-batch",
            "6 requirements (3 MUST, 1 SHOULD, 2 MAY); no server was contacted",
        ]
    )
    assert "<Module" not in result.stdout.str()


def test_spec_selects_and_list_shows_the_selection(pytester):
    pytester.makepyfile(test_sample=SAMPLE_SUITE)
    result = pytester.runpytest(
        *PLAIN, "--target", "127.0.0.1:9", "--list-requirements", "--spec", "rfc1939:7,rfc2449"
    )
    assert result.ret == 0
    out = result.stdout.str()
    assert "uidl-argument[zero]" in out and "pipelining-batch" in out
    assert "stat-counts" not in out
    result.stdout.fnmatch_lines(["4 requirements*"])


def test_spec_deselects_in_a_real_run(sample):
    result = sample.run("--spec", "pop3/rfc1939/5")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*4 deselected*"])


def test_verbose_lines_carry_the_id(sample):
    result = sample.run("-v")
    result.stdout.fnmatch_lines([f"test_sample.py::test_stat_counts PASSED {STAT}*"])


def test_duplicate_ids_are_a_usage_error(pytester, fake_pop3):
    pytester.makepyfile(
        test_a='import pytest\n@pytest.mark.rfc(1939, "5", "MUST")\ndef test_same():\n    """x"""\n',
        test_b='import pytest\n@pytest.mark.rfc(1939, "5", "MUST")\ndef test_same():\n    """y"""\n',
    )
    result = pytester.runpytest(*PLAIN, "--target", "127.0.0.1:9", "--collect-only")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*two tests have the id pop3/rfc1939/5/same*"])


@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "xdist"])
def test_results_json(sample, workers):
    sample.breaks("stat")
    sample.breaks("pipe")
    out = sample.path / "results.json"
    result = sample.run("--results-json", str(out), workers=workers)
    assert result.ret == 1
    document = load_document(out)
    assert document["schema"] == SCHEMA
    assert document["run"]["exitstatus"] == 1
    target = document["target"]
    assert target["name"] == sample.target
    assert target["endpoints"] == {"pop3": sample.target}
    tests = {test["id"]: test for test in document["tests"]}
    assert document["summary"] == {"passed": 3, "failed": 1, "deviation-should": 1, "skipped": 1}
    stat = tests[STAT]
    assert stat["nodeid"] == "test_sample.py::test_stat_counts"
    assert stat["protocol"] == "pop3"
    assert stat["rfc"] == {
        "document": "1939",
        "section": "5",
        "level": "MUST",
        "reference": "RFC 1939 §5 (MUST)",
        "url": "https://www.rfc-editor.org/rfc/rfc1939.html#section-5",
    }
    assert stat["requirement"] == "STAT answers +OK, the count and the size."
    assert stat["outcome"] == "failed"
    assert stat["expected"] == "+OK 1 120"
    assert stat["actual"] == "+OK 1 121"
    assert stat["message"] == "STAT of a maildrop"
    assert "C: STAT" in stat["transcript"] and "S: +OK" in stat["transcript"]
    assert stat["duration"] > 0
    pipe = tests["pop3/rfc2449/6.6/pipelining-batch"]
    assert pipe["outcome"] == "deviation-should"
    assert pipe["reason"].startswith("SHOULD-level deviation (fails with --strict): the batch lost a reply")
    assert tests["pop3/rfc1939/7/uidl-argument[zero]"]["parameters"] == {"argument": "zero"}
    top = tests["pop3/rfc2449/6.1/top-needs-capability"]
    assert (top["outcome"], top["reason"]) == ("skipped", "CAPA does not announce TOP")
    assert tests["pop3/rfc1939/5/list-answers"]["outcome"] == "passed"


def test_results_json_records_the_baseline(sample):
    baseline = sample.path / "baseline.toml"
    baseline.write_text(f'version = 1\n[deviations."{STAT}"]\nreason = "counts the envelope"\n')
    sample.breaks("stat")
    out = sample.path / "results.json"
    assert sample.run("--results-json", str(out), "--baseline", str(baseline)).ret == 0
    document = json.loads(out.read_text())
    stat = next(test for test in document["tests"] if test["id"] == STAT)
    assert stat["outcome"] == "known"
    assert stat["baseline_reason"] == "counts the envelope"
    assert stat["expected"] == "+OK 1 120"
    assert document["baseline"]["entries"][STAT]["verdict"] == "server deviates"
    assert document["baseline"]["new"] == [] and document["baseline"]["fixed"] == []


def test_junit_carries_ids_and_requirements(sample):
    sample.breaks("stat")
    junit = sample.path / "junit.xml"
    sample.run("--junitxml", str(junit))
    cases = {case.get("name"): case for case in ET.parse(junit).iter("testcase")}
    props = {p.get("name"): p.get("value") for p in cases["test_stat_counts"].iter("property")}
    assert props["mailspec_id"] == STAT
    assert props["rfc"] == "RFC 1939 §5 (MUST)"
    assert props["rfc_url"].endswith("rfc1939.html#section-5")
    assert props["requirement"] == "STAT answers +OK, the count and the size."
    assert cases["test_stat_counts"].find("failure") is not None


def test_pytest_html_shows_id_requirement_and_transcript(sample):
    sample.breaks("stat")
    report = sample.path / "report.html"
    sample.run("--html", str(report), "--self-contained-html")
    page = report.read_text()
    blob = json.loads(html.unescape(re.search(r'data-jsonblob="([^"]*)"', page).group(1)))
    [entry] = blob["tests"]["test_sample.py::test_stat_counts"]
    row = "".join(entry["resultsTableRow"])
    assert f"<code>{STAT}</code>" in entry["resultsTableRow"][1]
    assert 'href="https://www.rfc-editor.org/rfc/rfc1939.html#section-5"' in row
    assert "STAT answers +OK, the count and the size." in row
    assert "Transcript" in entry["log"] and "C: STAT" in entry["log"]
    assert "Expected: +OK 1 120" in entry["log"]
    assert '<th class="sortable" data-column-type="mailspec">Requirement</th>' in page
