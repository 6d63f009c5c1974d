"""RFC 2449 §8: extended response codes — syntax, the hierarchy, IN-USE while another
session holds the maildrop, LOGIN-DELAY."""

import pytest
from mailspec.fixtures.pop3.session import login
from mailspec.fixtures.requirements import expect, expect_equal
from mailspec.suites.pop3._ext_helpers import RESP_CODE

# Errors a well-behaved client can provoke without touching mail it did not seed.
AUTHORIZATION_ERRORS = ["XYZZY", "STAT", "PASS no-user-given", "RETR 1", "AUTH NO-SUCH-MECHANISM-X"]
TRANSACTION_ERRORS = [
    "RETR {missing}", "LIST 0", "DELE {missing}", "TOP {missing} 0", "UIDL {missing}",
    "USER again", "LIST not-a-number", "XYZZY",
]  # fmt: skip


def _provoke(pop3, state, command):
    client = pop3.login() if state == "transaction" else pop3.open()
    missing = 10**8  # far beyond any real maildrop
    response = client.command(command.format(missing=missing))
    return client, response


@pytest.mark.rfc(2449, "8", "MUST")
@pytest.mark.pop3_capability("RESP-CODES")
@pytest.mark.parametrize(
    ("state", "command"),
    [("authorization", c) for c in AUTHORIZATION_ERRORS]
    + [("transaction", c) for c in TRANSACTION_ERRORS],
)
def test_error_text_starting_with_bracket_is_a_response_code(pop3, state, command):
    """With RESP-CODES, any response text beginning with '[' is an extended response
    code: '[' resp-level *('/' resp-level) ']' with levels of printable ASCII other than
    '/' and ']'."""
    _, response = _provoke(pop3, state, command)
    expect(
        not response.ok,
        f"{command.split()[0]} in this situation fails",
        expected="-ERR",
        actual=response,
    )
    text = response.text
    expect(
        not text.startswith("[") or bool(RESP_CODE.match(text)),
        "a bracketed response code follows the resp-code grammar",
        expected="-ERR [CODE] text or -ERR [CODE/SUB] text",
        actual=response,
    )


KNOWN_WITHOUT_RESP_CODES = {"IN-USE", "LOGIN-DELAY"}


@pytest.mark.rfc(2449, "6.4", "SHOULD")
@pytest.mark.parametrize(
    ("state", "command"),
    [
        ("authorization", "XYZZY"),
        ("authorization", "PASS no-user"),
        ("transaction", "RETR {missing}"),
    ],
)
def test_no_response_codes_unless_announced(pop3, pop3_capabilities, state, command):
    """A server that does not announce RESP-CODES does not start response texts with
    bracketed codes other than the ones RFC 2449 defines for everybody (IN-USE,
    LOGIN-DELAY): a client cannot tell them from text."""
    if pop3_capabilities.has("RESP-CODES"):
        pytest.skip("CAPA announces RESP-CODES: codes are allowed")
    _, response = _provoke(pop3, state, command)
    allowed = set(KNOWN_WITHOUT_RESP_CODES)
    if pop3_capabilities.has("AUTH-RESP-CODE"):
        allowed |= {"AUTH", "SYS/TEMP", "SYS/PERM"}
    expect(
        response.code is None or response.code in allowed,
        "no unannounced response code",
        expected=f"no [code], or one of {sorted(allowed)}",
        actual=response,
    )


def _hold_and_retry(pop3, maildrop):
    [message] = maildrop.seed("plain")
    first = pop3.login()
    stat_before = first.command("STAT")
    second = pop3.open(label="second session for the same maildrop")
    attempt = login(second, pop3.account)
    return message, first, stat_before, second, attempt


@pytest.mark.rfc(1939, "4", "MUST")
def test_second_login_refused_while_maildrop_is_held(pop3, maildrop):
    """Once a session has opened the maildrop the server holds an exclusive-access lock
    until the session ends: a second login to the same maildrop gets -ERR
    (RFC 1939 §4, RFC 2449 §8.1.2 IN-USE)."""
    _, _, _, _, attempt = _hold_and_retry(pop3, maildrop)
    expect(
        not attempt.ok,
        "login of a second session while the first holds the maildrop",
        expected="-ERR [IN-USE] ...",
        actual=attempt,
    )


@pytest.mark.rfc(2449, "8.1.2", "SHOULD")
@pytest.mark.pop3_capability("RESP-CODES")
def test_in_use_code_when_maildrop_is_held(pop3, maildrop):
    """With RESP-CODES, the -ERR for a maildrop another session holds carries [IN-USE]
    (authentication succeeded, the maildrop is in use)."""
    _, _, _, _, attempt = _hold_and_retry(pop3, maildrop)
    if attempt.ok:
        pytest.skip("the server let the second session in (see the RFC 1939 §4 lock test)")
    expect_equal(attempt.code, "IN-USE", "response code of the refused second login")


@pytest.mark.rfc(2449, "8.1.2", "MUST")
def test_first_session_unaffected_by_refused_second(pop3, maildrop):
    """A second session's login attempt does not disturb the session holding the
    maildrop: it still sees the same maildrop, retrieves messages, and ends with +OK."""
    message, first, stat_before, second, _ = _hold_and_retry(pop3, maildrop)
    second.close()
    stat_after = first.command("STAT")
    expect_equal(stat_after.text, stat_before.text, "STAT of the first session before/after")
    retr = first.command(f"RETR {message.number}", multiline=True)
    expect(
        retr.ok and retr.payload.endswith(message.body),
        "RETR in the first session",
        expected="+OK and the message",
        actual=retr,
    )
    quit_ = first.command("QUIT")
    expect(quit_.ok, "QUIT of the first session", expected="+OK", actual=quit_)


@pytest.mark.rfc(2449, "8.1.1", "MUST")
@pytest.mark.pop3_capability("LOGIN-DELAY", state="transaction")
def test_login_delay_zero_allows_immediate_relogin(pop3, pop3_capabilities):
    """A LOGIN-DELAY of 0 seconds announces no delay: logging in again right after a
    session ended is not refused with [LOGIN-DELAY]; any [LOGIN-DELAY] code is exact."""
    delay = (pop3_capabilities.transaction or {}).get("LOGIN-DELAY", ["?"])[0]
    client = pop3.login()
    client.command("QUIT")
    again = pop3.open()
    attempt = login(again, pop3.account)
    if attempt.code and attempt.code.upper().startswith("LOGIN-DELAY"):
        expect_equal(attempt.code, "LOGIN-DELAY", "the LOGIN-DELAY code has no sub-level")
    if delay == "0":
        expect(attempt.ok, "re-login with LOGIN-DELAY 0", expected="+OK", actual=attempt)
