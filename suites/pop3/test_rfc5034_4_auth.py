"""RFC 5034 §4: the AUTH command (SASL) — initial responses, '+ ' continuations,
cancelling with '*', base64 errors, wrong credentials, state and mechanism checks."""

import pytest
from mailspec.fixtures.requirements import expect
from mailspec.suites.pop3._ext_helpers import (
    BASE64,
    DRIVABLE_MECHANISMS,
    b64,
    plain_token,
    read_continuation,
    require_mechanism,
)

pytestmark = pytest.mark.pop3_capability("SASL", state="authorization")


def sasl_exchange(client, mechanism, user, password, *, initial):
    """Run AUTH <mechanism> with or without an initial response; the final status."""
    if mechanism == "PLAIN":
        token = plain_token(user, password)
        if initial:
            return client.command(f"AUTH PLAIN {token}")
        client.send_line("AUTH PLAIN")
        challenge, final = read_continuation(client)
        expect(
            final is None,
            "AUTH PLAIN without initial response asks for it",
            expected="+ CRLF",
            actual=final,
        )
        expect(
            challenge == b"",
            "PLAIN's server challenge is empty",
            expected="+ (empty)",
            actual=challenge,
        )
        client.send_line(token)
        return client.read_response()
    # LOGIN: username and password, each after a '+ ' prompt.
    answers = [user, password]
    if initial:
        client.send_line(f"AUTH LOGIN {b64(answers.pop(0))}")
    else:
        client.send_line("AUTH LOGIN")
    for answer in answers:
        _, final = read_continuation(client)
        expect(
            final is None,
            "AUTH LOGIN prompts with a '+ ' continuation",
            expected="+ base64",
            actual=final,
        )
        client.send_line(b64(answer))
    return client.read_response()


@pytest.mark.rfc(5034, "4", "MUST")
@pytest.mark.parametrize("mechanism", DRIVABLE_MECHANISMS)
@pytest.mark.parametrize("initial", [True, False], ids=["initial-response", "continuation"])
def test_auth_succeeds(pop3, account, pop3_capabilities, mechanism, initial):
    """AUTH with a listed mechanism and valid credentials (with an initial response, or
    sending the first response after an empty '+ ' continuation) answers +OK and the
    session is in the TRANSACTION state."""
    require_mechanism(pop3_capabilities, mechanism)
    client = pop3.open()
    response = sasl_exchange(client, mechanism, account.user, account.password, initial=initial)
    expect(response.ok, f"AUTH {mechanism} with valid credentials", expected="+OK", actual=response)
    stat = client.command("STAT")
    expect(stat.ok, "STAT after a successful AUTH", expected="+OK", actual=stat)


@pytest.mark.rfc(5034, "4", "MUST")
@pytest.mark.parametrize("mechanism", DRIVABLE_MECHANISMS)
def test_auth_wrong_password_fails(pop3, account, pop3_capabilities, mechanism):
    """AUTH with a wrong password is rejected with -ERR and the session stays in the
    AUTHORIZATION state (STAT is refused)."""
    require_mechanism(pop3_capabilities, mechanism)
    client = pop3.open()
    response = sasl_exchange(
        client, mechanism, account.user, account.password + "-wrong", initial=True
    )
    expect(
        not response.ok, f"AUTH {mechanism} with a wrong password", expected="-ERR", actual=response
    )
    stat = client.command("STAT")
    expect(
        not stat.ok,
        "STAT after the failed AUTH",
        expected="-ERR (still AUTHORIZATION)",
        actual=stat,
    )


@pytest.mark.rfc(5034, "4", "MUST")
@pytest.mark.parametrize("mechanism", DRIVABLE_MECHANISMS)
def test_star_cancels_the_exchange(pop3, account, pop3_capabilities, mechanism):
    """A client line of a single '*' cancels the exchange: the server MUST reject the AUTH
    command with -ERR; a new AUTH can then log in."""
    require_mechanism(pop3_capabilities, mechanism)
    client = pop3.open()
    client.send_line(f"AUTH {mechanism}")
    _, final = read_continuation(client)
    expect(final is None, f"AUTH {mechanism} asks with '+ '", expected="+ ...", actual=final)
    client.send_line("*")
    cancel = client.read_response()
    expect(not cancel.ok, "'*' in answer to a continuation", expected="-ERR", actual=cancel)
    response = sasl_exchange(client, mechanism, account.user, account.password, initial=False)
    expect(
        response.ok,
        f"AUTH {mechanism} after the cancelled exchange",
        expected="+OK",
        actual=response,
    )


@pytest.mark.rfc(5034, "4", "MUST")
@pytest.mark.parametrize(
    "bad",
    ["!!!!", "AAA", "A===", "AAAA AAAA", "*AAA"],
    ids=["symbols", "short", "bad-padding", "space", "star-prefix"],
)
def test_invalid_base64_initial_response_fails(pop3, pop3_capabilities, bad):
    """If the server cannot base64-decode a client response (here the initial response),
    it MUST reject the AUTH command with -ERR."""
    require_mechanism(pop3_capabilities, "PLAIN")
    client = pop3.open()
    response = client.command(f"AUTH PLAIN {bad}")
    expect(not response.ok, f"AUTH PLAIN {bad}", expected="-ERR", actual=response)


@pytest.mark.rfc(5034, "4", "MUST")
@pytest.mark.parametrize("mechanism", DRIVABLE_MECHANISMS)
def test_invalid_base64_continuation_fails(pop3, pop3_capabilities, mechanism):
    """A client response after a '+ ' continuation that is not valid base64 makes the
    server reject the AUTH command with -ERR."""
    require_mechanism(pop3_capabilities, mechanism)
    client = pop3.open()
    client.send_line(f"AUTH {mechanism}")
    _, final = read_continuation(client)
    expect(final is None, f"AUTH {mechanism} asks with '+ '", expected="+ ...", actual=final)
    client.send_line("%%%not-base64%%%")
    response = client.read_response()
    expect(
        not response.ok, "an undecodable continuation response", expected="-ERR", actual=response
    )


@pytest.mark.rfc(5034, "4", "MUST")
def test_equals_is_a_zero_length_initial_response(pop3, account, pop3_capabilities):
    """'=' sends an initial response of zero length (not 'no initial response'): PLAIN
    cannot succeed with an empty message, so AUTH PLAIN = is rejected with -ERR without
    a '+ ' continuation; the session can still log in afterwards."""
    require_mechanism(pop3_capabilities, "PLAIN")
    client = pop3.open()
    client.send_line("AUTH PLAIN =")
    challenge, final = read_continuation(client)
    if final is None:
        client.send_line("*")  # leave the exchange cleanly before failing
        client.read_response()
    expect(
        final is not None and not final.ok,
        "AUTH PLAIN =",
        expected="-ERR",
        actual=final or f"'+ ' continuation {challenge!r}",
    )
    again = client.command(f"AUTH PLAIN {plain_token(account.user, account.password)}")
    expect(again.ok, "AUTH PLAIN with valid credentials afterwards", expected="+OK", actual=again)


@pytest.mark.rfc(5034, "4", "MUST")
def test_unknown_mechanism_fails(pop3):
    """AUTH with a mechanism the server does not support is rejected with -ERR."""
    client = pop3.open()
    response = client.command("AUTH X-MAILSPEC-NO-SUCH-MECH")
    expect(not response.ok, "AUTH with an unsupported mechanism", expected="-ERR", actual=response)


@pytest.mark.rfc(5034, "4", "MUST")
def test_auth_in_transaction_state_fails(pop3, account, pop3_capabilities):
    """AUTH is valid only in the AUTHORIZATION state: in the TRANSACTION state it gets
    -ERR and the session stays usable."""
    require_mechanism(pop3_capabilities, "PLAIN")
    client = pop3.login()
    response = client.command(f"AUTH PLAIN {plain_token(account.user, account.password)}")
    expect(not response.ok, "AUTH in the TRANSACTION state", expected="-ERR", actual=response)
    stat = client.command("STAT")
    expect(stat.ok, "STAT afterwards", expected="+OK", actual=stat)


@pytest.mark.rfc(5034, "4", "MUST")
def test_auth_keyword_is_case_insensitive(pop3, account, pop3_capabilities):
    """The AUTH keyword, like every POP3 keyword, is case-insensitive (RFC 1939 §3):
    'auth PLAIN <response>' logs in."""
    require_mechanism(pop3_capabilities, "PLAIN")
    client = pop3.open()
    response = client.command(f"auth PLAIN {plain_token(account.user, account.password)}")
    expect(response.ok, "lower-case auth keyword", expected="+OK", actual=response)


@pytest.mark.rfc(5034, "4", "SHOULD")
def test_mechanism_name_is_case_insensitive(pop3, account, pop3_capabilities):
    """A mechanism name given in lower case is the same mechanism: 'AUTH plain
    <response>' logs in (SASL names are registered in upper case; POP3 keywords and
    IMAP/SMTP mechanism names are matched case-insensitively)."""
    require_mechanism(pop3_capabilities, "PLAIN")
    client = pop3.open()
    response = client.command(f"AUTH plain {plain_token(account.user, account.password)}")
    expect(response.ok, "AUTH plain (lower-case mechanism)", expected="+OK", actual=response)


@pytest.mark.rfc(5034, "4", "MUST")
@pytest.mark.parametrize("mechanism", DRIVABLE_MECHANISMS)
def test_continuation_line_format(pop3, pop3_capabilities, mechanism):
    """A server challenge is '+' SP followed by base64 (possibly empty) and CRLF: exactly
    that, nothing else on the line."""
    require_mechanism(pop3_capabilities, mechanism)
    client = pop3.open()
    client.send_line(f"AUTH {mechanism}")
    raw = client.read_line()
    expect(
        raw.startswith(b"+ ") and raw.endswith(b"\r\n"),
        f"the first continuation of AUTH {mechanism}",
        expected="'+ ' base64 CRLF",
        actual=raw,
    )
    expect(
        bool(BASE64.match(raw[2:-2])),
        "the challenge is base64",
        expected="base64 or empty",
        actual=raw,
    )
    client.send_line("*")
    client.read_response()
