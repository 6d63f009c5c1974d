"""The conformance matrix: content from two small results files, and how it looks."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib

import pytest
from mailspec.fixtures.reporting.baseline import Baseline, KnownDeviation
from mailspec.fixtures.reporting.results_json import SCHEMA
from mailspec.reports.__main__ import main as reports_main
from mailspec.reports.matrix import build

URL = "https://www.rfc-editor.org/rfc/rfc{}.html#section-{}"


def case(identifier, outcome, level="MUST", **extra):
    protocol, rfc, section, _ = identifier.split("/", 3)
    document = rfc.removeprefix("rfc")
    return {
        "id": identifier,
        "nodeid": f"suites/{protocol}/test_x.py::test_{identifier.rsplit('/', 1)[-1]}",
        "protocol": protocol,
        "rfc": {
            "document": document,
            "section": section,
            "level": level,
            "reference": f"RFC {document} §{section} ({level})",
            "url": URL.format(document, section),
        },
        "requirement": f"requirement of {identifier}",
        "parameters": {},
        "outcome": outcome,
        "reason": extra.pop("reason", ""),
        "message": extra.pop("message", ""),
        "expected": extra.pop("expected", None),
        "actual": extra.pop("actual", None),
        "failure": "",
        "transcript": extra.pop("transcript", ""),
        "duration": 0.01,
        **extra,
    }


def results(name, tests, capabilities):
    return {
        "schema": SCHEMA,
        "mailspec_version": "0.1.0",
        "run": {"started": "2026-01-01T00:00:00+00:00", "finished": "2026-01-01T00:01:00+00:00",
                "exitstatus": 1, "strict": False, "args": [], "pytest_version": "9", "python": "3.11"},
        "target": {"name": name, "endpoints": {"pop3": f"pop3://{name}.test:110"}, "seed": None,
                   "info": {}, "capabilities": {"pop3": capabilities}},
        "baseline": None,
        "summary": {},
        "tests": tests,
    }


TRANSCRIPT = "[connection 1 to pop3://dovecot.test:110]\nC: LIST 1\nS: +OK 1 121"


@pytest.fixture
def two_results(tmp_path):
    reference = results(
        "reference",
        [
            case("pop3/rfc1939/5/list-size-matches-retr[zero]", "passed"),
            case("pop3/rfc1939/5/list-size-matches-retr[one]", "passed"),
            case("pop3/rfc1939/5/stat-counts", "passed"),
            case("pop3/rfc2449/6.6/pipelining-batch", "passed"),
            case("pop3/rfc2449/8.1.2/in-use-code", "passed", level="SHOULD"),
        ],
        {"authorization": {"CAPA": [], "PIPELINING": [], "EXPIRE": ["NEVER"]},
         "transaction": {"CAPA": [], "PIPELINING": [], "EXPIRE": ["NEVER"]}},
    )
    dovecot = results(
        "dovecot",
        [
            case("pop3/rfc1939/5/list-size-matches-retr[zero]", "passed"),
            case("pop3/rfc1939/5/list-size-matches-retr[one]", "failed",
                 message="LIST size equals the octets RETR sends", expected="+OK 1 120",
                 actual="+OK 1 121", transcript=TRANSCRIPT),
            case("pop3/rfc1939/5/stat-counts", "known", reason="known deviation: counts LF",
                 baseline_reason="counts LF"),
            case("pop3/rfc2449/6.6/pipelining-batch", "skipped", reason="CAPA does not announce PIPELINING"),
            case("pop3/rfc2449/8.1.2/in-use-code", "deviation-should", level="SHOULD",
                 reason="SHOULD-level deviation (fails with --strict): no [IN-USE]"),
        ],
        {"authorization": {"CAPA": [], "SASL": ["PLAIN"]}, "transaction": {"CAPA": []}},
    )
    a, b = tmp_path / "reference.json", tmp_path / "dovecot.json"
    a.write_text(json.dumps(reference))
    b.write_text(json.dumps(dovecot))
    return a, b


def test_matrix_content(two_results, tmp_path):
    a, b = two_results
    baseline = Baseline({
        "pop3/rfc1939/5/stat-counts": KnownDeviation("pop3/rfc1939/5/stat-counts", "counts LF"),
        "pop3/rfc2449/6.6/pipelining-batch": KnownDeviation("pop3/rfc2449/6.6/pipelining-batch", "lost reply"),
    })
    page = build([str(a), f"Dovecot 2.3={b}"], baselines={"Dovecot 2.3": ("dovecot.toml", baseline)})
    # columns, rows, scores
    assert "<th scope=\"col\" data-col=\"0\">reference</th>" in page
    assert "<th scope=\"col\" data-col=\"1\">Dovecot 2.3</th>" in page
    assert 'href="#pop3-rfc1939-5">RFC 1939 §5</a>' in page
    assert "The TRANSACTION State" in page
    assert '<span class="frac">3/3</span>' in page  # reference, RFC 1939 §5
    assert '<span class="frac">1/3</span>' in page  # dovecot: one pass, one fail, one known
    assert "1 fail, 1 known" in page
    # cases: ids, RFC links, requirement, Expected / Actual, transcript
    assert "pop3/rfc1939/5/list-size-matches-retr</code>" in page
    assert "<code>[one]</code>" in page
    assert f'href="{URL.format(1939, 5)}"' in page
    assert "requirement of pop3/rfc1939/5/stat-counts" in page
    assert "<dt>Expected</dt><dd><pre>+OK 1 120</pre></dd>" in page
    assert "<dt>Actual</dt><dd><pre>+OK 1 121</pre></dd>" in page
    assert "C: LIST 1\nS: +OK 1 121" in page
    assert "baseline: counts LF" in page
    assert "SHOULD-level deviation (fails with --strict): no [IN-USE]" in page
    # capability differences
    assert "3 of 4 POP3 capabilities differ between the targets</summary>" in page
    assert '<tr class="differs"><th scope="row"><code>EXPIRE</code>' in page
    assert '<tr class="same"><th scope="row"><code>CAPA</code>' in page
    # changes since the baseline: the [one] failure is new; pipelining did not run
    assert "1 new deviation(s), 0 fixed, 1 still known</p>" in page
    assert 'href="#case-pop3-rfc1939-5-list-size-matches-retr-one"' in page
    # self-contained
    assert "<link" not in page and "src=" not in page and "@import" not in page


def test_cli_writes_the_page(two_results, tmp_path, capsys):
    a, b = two_results
    out = tmp_path / "matrix.html"
    assert reports_main(["matrix", str(a), str(b), "-o", str(out)]) == 0
    assert out.read_text().startswith("<!doctype html>")
    assert "2 target(s)" in capsys.readouterr().out


def test_cli_diff_exit_codes(two_results, tmp_path, capsys):
    _, b = two_results
    baseline = tmp_path / "b.toml"
    baseline.write_text('version = 1\n[deviations."pop3/rfc1939/5/stat-counts"]\nreason = "x"\n')
    assert reports_main(["diff", str(b), "--baseline", str(baseline)]) == 1
    assert "NEW    pop3/rfc1939/5/list-size-matches-retr[one]" in capsys.readouterr().out


def test_matrix_from_real_runs(sample, tmp_path):
    """The whole path: two pytester runs write results, the matrix reads them."""
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    assert sample.run("--results-json", str(good)).ret == 0
    sample.breaks("stat")
    assert sample.run("--results-json", str(bad)).ret == 1
    page = build([f"healthy={good}", f"broken={bad}"])
    assert "pop3/rfc1939/5/stat-counts" in page
    assert "C: STAT" in page
    assert "<dt>Expected</dt><dd><pre>+OK 1 120</pre></dd>" in page


# -- screenshots ----------------------------------------------------------------------


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def _distinct_rows(path, sample_rows=40):
    """How many different pixel rows a PNG has (a blank page has one): decodes IDAT."""
    data = path.read_bytes()
    width, height = _png_size(path)
    bit_depth, colour = data[24], data[25]
    channels = {2: 3, 6: 4}.get(colour)
    if bit_depth != 8 or channels is None:
        return sample_rows  # another encoding: trust the size checks
    idat = b"".join(
        data[i + 8 : i + 8 + struct.unpack(">I", data[i : i + 4])[0]]
        for i in _chunks(data) if data[i + 4 : i + 8] == b"IDAT"
    )
    raw = zlib.decompress(idat)
    stride = width * channels + 1
    rows = {raw[r * stride + 1 : (r + 1) * stride] for r in range(0, height, max(1, height // sample_rows))}
    return len(rows)


def _chunks(data):
    i = 8
    while i < len(data):
        yield i
        i += 12 + struct.unpack(">I", data[i : i + 4])[0]


@pytest.mark.parametrize("width", [1400, 420], ids=["wide", "narrow"])
def test_matrix_screenshot(two_results, tmp_path, width):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    a, b = two_results
    page = tmp_path / "matrix.html"
    page.write_text(build([str(a), str(b)]))
    shot = tmp_path / f"matrix-{width}.png"
    profile = tmp_path / "profile"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--screenshot={shot}", f"--window-size={width},1200",
         page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    assert _png_size(shot) == (width, 1200)
    # Not a blank page: a rendered matrix has many different pixel rows.
    assert _distinct_rows(shot) > 10
