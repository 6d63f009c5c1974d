"""The plugin against a server it cannot use: one clear line, before any test runs."""

import socket

import pytest

from .fake_pop3 import FakeBehaviour, fake_pop3

TEST_FILE = """
import pytest

@pytest.mark.rfc(1939, "5", "MUST")
def test_noop(pop3):
    '''NOOP answers +OK.'''
    client = pop3.login()
    assert client.command("NOOP").ok
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _single_error_line(result) -> str:
    errors = [line for line in result.errlines + result.outlines if line.startswith("ERROR: ")]
    assert len(errors) == 1, result.errlines + result.outlines
    assert "Traceback" not in "\n".join(result.errlines + result.outlines)
    return errors[0]


def test_unknown_target_is_a_usage_error(pytester):
    pytester.makepyfile(TEST_FILE)
    result = pytester.runpytest("--target", "no-such-server")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "not a known server" in _single_error_line(result)


def test_unreachable_target(pytester):
    pytester.makepyfile(TEST_FILE)
    port = _free_port()
    result = pytester.runpytest("--target", f"pop3://u:p@127.0.0.1:{port}", "--io-timeout", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = _single_error_line(result)
    assert f"127.0.0.1:{port}" in line and "refused" in line.lower()
    result.stdout.no_fnmatch_line("*passed*")


def test_greeting_that_is_neither_pop3_nor_imap(pytester):
    pytester.makepyfile(TEST_FILE)
    with fake_pop3(FakeBehaviour(greeting=b"220 smtp.example ESMTP\r\n")) as port:
        result = pytester.runpytest(
            "--target", f"127.0.0.1:{port}", "--user", "a", "--password", "b"
        )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "neither POP3" in _single_error_line(result)


def test_wrong_credentials(pytester):
    pytester.makepyfile(TEST_FILE)
    with fake_pop3(FakeBehaviour()) as port:
        result = pytester.runpytest("--target", f"pop3://alice:wrong@127.0.0.1:{port}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = _single_error_line(result)
    assert "login as 'alice'" in line and "[AUTH]" in line


def test_missing_credentials(pytester):
    pytester.makepyfile(TEST_FILE)
    with fake_pop3(FakeBehaviour()) as port:
        result = pytester.runpytest("--target", f"127.0.0.1:{port}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--user" in _single_error_line(result)


def test_password_without_user_template(pytester):
    pytester.makepyfile(TEST_FILE)
    result = pytester.runpytest(
        "--target", "127.0.0.1:1", "--user", "t", "--users", "1-3", "--password", "x"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "%d" in _single_error_line(result)


def test_more_workers_than_accounts_is_refused(pytester):
    pytester.makepyfile(TEST_FILE)
    with fake_pop3(FakeBehaviour()) as port:
        # In a subprocess: xdist and other installed plugins warn at start-up, and this
        # process turns warnings into errors.
        result = pytester.runpytest_subprocess(
            "--target", f"pop3://alice:wonderland@127.0.0.1:{port}", "-n", "2"
        )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "2 xdist workers need 2 accounts" in _single_error_line(result)


def test_collect_only_contacts_no_server(pytester):
    pytester.makepyfile(TEST_FILE)
    result = pytester.runpytest("--collect-only", "--target", f"127.0.0.1:{_free_port()}")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*test_noop*"])
