"""The IMAP side of the plugin, run with pytester against the scripted server."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from mailspec.fixtures.reporting.ids import protocol_of, stable_id
from mailspec.fixtures.requirements import Requirement

from .fake_imap import Connection, fake_imap, standard

SUITE_FILE = """
import pytest
from mailspec.fixtures.requirements import expect

@pytest.mark.rfc(3501, "6.1.2", "MUST")
def test_noop_fails_on_purpose(imap):
    '''NOOP answers NO (a wrong requirement, to see a MUST failure).'''
    client = imap.login()
    result = client.command("NOOP")
    expect(not result.ok, "NOOP", expected="NO", actual=result)

@pytest.mark.rfc(3501, "6.1.2", "MUST")
def test_noop_passes(imap):
    '''NOOP answers OK.'''
    assert imap.login().command("NOOP").ok

@pytest.mark.rfc(2177, "3", "MUST")
@pytest.mark.imap_capability("XNOTHING")
def test_gated(imap):
    '''Never runs: the capability is not announced.'''
    raise AssertionError("must not run")

@pytest.mark.rfc(2177, "3", "MUST")
@pytest.mark.imap_capability("IDLE", state="authenticated")
def test_gated_runs(imap, imap_capabilities):
    '''Runs: IDLE is announced after login.'''
    assert imap_capabilities.has("IDLE")

@pytest.mark.rfc(3501, "7.4.2", "MUST")
def test_broken_fetch(imap):
    '''FETCH answers with well-formed data.'''
    imap.login().command("FETCH", "1", "UID")
"""


def handler():
    base = standard()

    def handle(line: bytes, conn: Connection) -> bool | None:
        tag, _, rest = line.partition(b" ")
        if rest.upper().startswith(b"FETCH"):
            conn.send(b"* 0 FETCH (UID 1)\r\n" + tag + b" OK done\r\n")
            return None
        return base(line, conn)

    return handle


@pytest.fixture
def server() -> Iterator[str]:
    with fake_imap(handler()) as (port, _):
        yield f"imap://alice:wonderland@127.0.0.1:{port}"


def test_failures_skips_and_wire_violations(pytester, server):
    pytester.makepyfile(SUITE_FILE)
    result = pytester.runpytest("--target", server, "-rs")
    result.assert_outcomes(passed=2, failed=2, skipped=1)
    out = result.stdout.str()
    assert "RFC 3501 §6.1.2 (MUST) NOOP answers NO" in out
    assert "C: a2 NOOP" in out and "S: a2 OK noop" in out  # the transcript
    assert "CAPABILITY does not announce XNOTHING" in out
    assert "S: * 0 FETCH (UID 1)\\r\\n" in out and "^ FETCH needs a non-zero message number" in out
    assert "imap/rfc3501/6.1.2/noop-fails-on-purpose" in out


def test_wrong_credentials_stop_the_run_in_one_line(pytester):
    with fake_imap(standard()) as (port, _):
        result = pytester.runpytest("--target", f"imap://alice:nope@127.0.0.1:{port}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "login as 'alice'" in result.stderr.str() and "AUTHENTICATIONFAILED" in result.stderr.str()
    )


def test_host_port_is_detected_as_imap(pytester):
    pytester.makepyfile(
        """
        def test_endpoint(target):
            assert target.imap is not None and target.pop3 is None
            assert target.seed is not None and target.seed.kind == "imap"
        """
    )
    with fake_imap(standard()) as (port, _):
        result = pytester.runpytest(
            "--target", f"127.0.0.1:{port}", "--user", "alice", "--password", "wonderland"
        )
    result.assert_outcomes(passed=1)


def test_destructive_inbox_opt_in(pytester, server, monkeypatch):
    """An address target is not a server the suite started: only the opt-in counts
    (option, environment or ini value)."""
    pytester.makepyfile(
        """
        import os

        def test_owns(imap_owns_inbox):
            assert imap_owns_inbox is (os.environ["EXPECT_OWNS"] == "1")
        """
    )
    monkeypatch.setenv("EXPECT_OWNS", "0")
    pytester.runpytest("--target", server).assert_outcomes(passed=1)
    monkeypatch.setenv("EXPECT_OWNS", "1")
    pytester.runpytest("--target", server, "--imap-destructive-inbox").assert_outcomes(passed=1)
    monkeypatch.setenv("MAILSPEC_IMAP_DESTRUCTIVE_INBOX", "1")
    pytester.runpytest("--target", server).assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("path", "document", "expected"),
    [
        ("suites/imap/test_rfc3501_6_3_1_select.py", "3501", "imap"),
        ("elsewhere/test_x.py", "5258", "imap"),
        ("elsewhere/test_x.py", "1939", "pop3"),
    ],
)
def test_stable_ids_for_imap_tests(tmp_path, path, document, expected):
    item = SimpleNamespace(
        path=tmp_path / path, originalname="test_select_inbox", name="test_select_inbox"
    )
    requirement = Requirement(document, "6.3.1", "MUST", "text")
    assert protocol_of(item, requirement) == expected
    assert stable_id(item, requirement) == f"{expected}/rfc{document}/6.3.1/select-inbox"


STACKED_MARKS = """
import pytest

pytestmark = pytest.mark.imap_capability(MODULE_CAPABILITY)

@pytest.mark.imap_capability(TEST_CAPABILITY, state="authenticated")
def test_needs_both(imap_capabilities):
    assert imap_capabilities.has(MODULE_CAPABILITY)
    assert imap_capabilities.has(TEST_CAPABILITY, "authenticated")

def test_needs_the_module_one(imap_capabilities):
    assert imap_capabilities.has(MODULE_CAPABILITY)
"""


@pytest.mark.parametrize(
    ("module_capability", "test_capability", "outcomes", "reason"),
    [
        ("IDLE", "NAMESPACE", {"passed": 2}, None),
        ("IDLE", "XMOVE", {"passed": 1, "skipped": 1},
         "CAPABILITY does not announce XMOVE in the authenticated state"),
        ("XUIDPLUS", "NAMESPACE", {"skipped": 2}, "CAPABILITY does not announce XUIDPLUS"),
        ("XUIDPLUS", "XMOVE", {"skipped": 2},
         "CAPABILITY does not announce XUIDPLUS nor XMOVE in the authenticated state"),
    ],
)  # fmt: skip
def test_every_capability_mark_is_required(
    pytester, server, module_capability, test_capability, outcomes, reason
):
    """A test mark adds to the module's imap_capability mark, it does not replace it:
    the test runs only when both names are announced, and the skip names the missing."""
    pytester.makepyfile(
        f"MODULE_CAPABILITY = {module_capability!r}\nTEST_CAPABILITY = {test_capability!r}\n"
        + STACKED_MARKS
    )
    result = pytester.runpytest("--target", server, "-rs")
    result.assert_outcomes(**outcomes)
    if reason is not None:
        assert reason in result.stdout.str()
    else:
        assert "CAPABILITY does not announce" not in result.stdout.str()
