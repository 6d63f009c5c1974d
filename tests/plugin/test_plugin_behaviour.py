"""How the plugin runs tests: levels, skips, failure reports."""

import pytest

from .fake_pop3 import FakeBehaviour, fake_pop3

LEVELS_FILE = """
import pytest
from mailspec.fixtures.requirements import expect

@pytest.mark.rfc(1939, "5", "MUST")
def test_must_fails(pop3):
    '''NOOP answers -ERR (a wrong requirement, to see a MUST failure).'''
    client = pop3.login()
    response = client.command("NOOP")
    expect(not response.ok, "NOOP in TRANSACTION", expected="-ERR", actual=response)

@pytest.mark.rfc(2449, "6", "SHOULD")
def test_should_fails(pop3):
    '''The server should do something it does not.'''
    client = pop3.login()
    response = client.command("NOOP")
    expect(not response.ok, "NOOP in TRANSACTION", expected="-ERR", actual=response)

@pytest.mark.rfc(1939, "5", "MUST")
def test_must_passes(pop3):
    '''NOOP answers +OK.'''
    client = pop3.login()
    response = client.command("NOOP")
    expect(response.ok, "NOOP in TRANSACTION", expected="+OK", actual=response)

@pytest.mark.rfc(1939, "5", "MUST")
def test_needs_mail(maildrop):
    '''Needs seeded mail.'''
    maildrop.seed("plain")

@pytest.mark.rfc(2449, "6.4", "MUST")
@pytest.mark.pop3_capability("TOP")
def test_gated(pop3):
    '''TOP works when announced.'''
    assert False, "must not run: TOP is not announced"
"""


@pytest.fixture
def server():
    with fake_pop3(FakeBehaviour(capa=[b"USER", b"UIDL"])) as port:
        yield f"pop3://alice:wonderland@127.0.0.1:{port}"


def test_levels_skips_and_failure_report(pytester, server):
    pytester.makepyfile(LEVELS_FILE)
    result = pytester.runpytest("--target", server, "-rxs")
    result.assert_outcomes(passed=1, failed=1, skipped=2, xfailed=1)
    out = result.stdout.str()
    # The MUST failure is rendered h2spec style, with the transcript.
    assert "RFC 1939 §5 (MUST) NOOP answers -ERR" in out
    assert "Expected: -ERR" in out and "Actual:   +OK" in out
    assert "C: NOOP" in out and "S: +OK" in out
    assert "https://www.rfc-editor.org/rfc/rfc1939.html#section-5" in out
    # The SHOULD failure is an xfail with its reason; gated and unseedable tests skip with reasons.
    assert "SHOULD-level deviation (fails with --strict)" in out
    assert "CAPA does not announce TOP" in out
    assert "no way to seed mail" in out


def test_strict_makes_should_fail(pytester, server):
    pytester.makepyfile(LEVELS_FILE)
    result = pytester.runpytest("--target", server, "--strict", "-k", "test_should_fails")
    result.assert_outcomes(failed=1)


def test_report_header_names_the_target(pytester, server):
    pytester.makepyfile(LEVELS_FILE)
    result = pytester.runpytest("--target", server, "-k", "must_passes")
    result.stdout.fnmatch_lines(
        ["mailspec target: pop3://127.0.0.1:*", "  pop3: pop3://127.0.0.1:*"]
    )
    result.assert_outcomes(passed=1)


def test_rfc_marker_needs_a_level(pytester, server):
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.rfc(1939, "5")
        def test_x(pop3):
            '''x'''
            assert pop3.login().command("NOOP").ok is False
        """
    )
    result = pytester.runpytest("--target", server)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*rfc marker needs (document, section, level*"])


SETUP_FILE = '''
import pytest
from mailspec.fixtures.pop3.session import SetupError

@pytest.mark.rfc(2449, "6", "SHOULD")
def test_should_cannot_set_up(pop3):
    """A SHOULD test whose preparation fails."""
    raise SetupError("could not seed")
'''


def test_setup_error_in_a_should_test_fails_the_run(pytester, server):
    """A broken setup is no SHOULD-level deviation: it is not turned into an xfail."""
    pytester.makepyfile(SETUP_FILE)
    result = pytester.runpytest("--target", server)
    result.assert_outcomes(failed=1)
    assert "could not seed" in result.stdout.str()


def test_a_slow_login_reply_is_waited_for_beyond_the_io_timeout(pytester):
    """Servers delay PASS replies on purpose; --io-timeout 1 still lets a 2 s PASS through."""
    pytester.makepyfile(LEVELS_FILE)
    with fake_pop3(FakeBehaviour(capa=[b"USER"], pass_delay=2.0)) as port:
        result = pytester.runpytest(
            "--target",
            f"pop3://alice:wonderland@127.0.0.1:{port}",
            "--io-timeout",
            "1",
            "-k",
            "must_passes",
        )
    result.assert_outcomes(passed=1)
