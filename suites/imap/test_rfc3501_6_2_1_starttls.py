"""RFC 3501 §6.2.1 (and RFC 2595 §3.1): STARTTLS in the not authenticated state."""

import ssl

import pytest
from mailspec.fixtures.imap.response_types import Tagged
from mailspec.fixtures.requirements import ServerTimeout, WireViolation, expect

from ._imap_helpers import Quoted, expect_bad, expect_ok, expect_refused, run, untagged_of
from ._sessions import capability_set

pytestmark = pytest.mark.imap_capability("STARTTLS", state="not-authenticated")


def start_tls(imap):
    client = imap.open()
    expect_ok(run(client, "STARTTLS"), "STARTTLS in the not authenticated state")
    client.start_tls(imap.tls_context())
    return client


@pytest.mark.rfc(3501, "6.2.1", "MUST")
def test_starttls_negotiates_tls(imap):
    """STARTTLS answers OK, a TLS negotiation begins right after the CRLF of that OK,
    and the session continues over TLS (CAPABILITY is answered there)."""
    client = start_tls(imap)
    expect(client.is_tls, "the connection after STARTTLS", expected="TLS", actual="plain")
    capability_set(client)


@pytest.mark.rfc(8996, "5", "MUST")
def test_starttls_negotiates_tls12_or_later(imap):
    """TLS started with STARTTLS is TLS 1.2 or later: RFC 8996 (BCP 195; it updates RFC 3501
    among many) says "TLS 1.0 MUST NOT be used" (§4) and "TLS 1.1 MUST NOT be used" (§5)."""
    client = start_tls(imap)
    version = client.sock.version()
    expect(
        version in ("TLSv1.2", "TLSv1.3"),
        "negotiated TLS version",
        expected="TLSv1.2+",
        actual=version,
    )


@pytest.mark.rfc(3501, "6.2.1", "MUST")
def test_starttls_stays_not_authenticated(imap):
    """The server remains in the not authenticated state after TLS: a command of the
    authenticated state (LIST) is refused."""
    client = start_tls(imap)
    expect_refused(run(client, "LIST", Quoted(""), Quoted("")), "LIST right after STARTTLS")


@pytest.mark.rfc(3501, "6.2.1", "MUST")
def test_login_after_starttls(imap, account):
    """After TLS the client logs in and reaches the authenticated state."""
    client = start_tls(imap)
    caps = capability_set(client)
    if "LOGINDISABLED" in caps:
        pytest.skip("LOGINDISABLED even over TLS")
    expect_ok(
        run(client, "LOGIN", Quoted(account.user), Quoted(account.password)), "LOGIN over TLS"
    )
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), "LIST over TLS after LOGIN")


@pytest.mark.rfc(3501, "6.2.1", "MUST")
def test_capabilities_after_tls_offer_a_way_in(imap):
    """After TLS the client discards its capability knowledge and asks again; the
    new list still offers a way to log in (LOGIN without LOGINDISABLED, or AUTH=)."""
    client = start_tls(imap)
    caps = capability_set(client)
    ways = "LOGINDISABLED" not in caps or any(c.startswith("AUTH=") for c in caps)
    expect(
        ways,
        "CAPABILITY over TLS",
        expected="LOGIN allowed or an AUTH= mechanism",
        actual=sorted(caps),
    )


@pytest.mark.rfc(3501, "6.2.1", "SHOULD")
def test_starttls_is_not_offered_after_tls(imap):
    """Once TLS is active, the re-read capabilities no longer announce STARTTLS: a
    second TLS layer is not something the client can start. The RFC states no rule
    for it, hence SHOULD."""
    client = start_tls(imap)
    caps = capability_set(client)
    expect(
        "STARTTLS" not in caps, "CAPABILITY over TLS", expected="no STARTTLS", actual=sorted(caps)
    )


@pytest.mark.rfc(3501, "6.2.1", "SHOULD")
def test_second_starttls_is_refused(imap):
    """STARTTLS when TLS is already active is refused (NO or BAD) and the session
    goes on over the TLS layer already there (no rule in the RFC text: SHOULD)."""
    client = start_tls(imap)
    expect_refused(run(client, "STARTTLS"), "a second STARTTLS")
    capability_set(client)


@pytest.mark.rfc(3501, "6.2", "MUST")
def test_starttls_after_login_is_refused(imap):
    """STARTTLS is a command of the not authenticated state (§6.2; RFC 2595 §3.1:
    "only valid in non-authenticated state"): after LOGIN it is refused, and the
    session stays authenticated and in the clear."""
    client = imap.login()
    if client.is_tls:
        pytest.skip("the login itself went over TLS")
    expect_refused(run(client, "STARTTLS"), "STARTTLS in the authenticated state")
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), "LIST after the refused STARTTLS")


@pytest.mark.rfc(3501, "6.2.1", "SHOULD")
def test_starttls_with_argument_is_bad(imap):
    """STARTTLS takes no arguments: with one it is an invalid command (BAD)."""
    client = imap.open()
    expect_bad(run(client, "STARTTLS", "now"), "STARTTLS with an argument")


@pytest.mark.rfc(3501, "6.2.1", "MUST")
def test_command_pipelined_after_starttls_is_not_executed(imap):
    """A command sent in the same write as STARTTLS, before the handshake, is never
    executed inside TLS: plain-text data injected ahead of TLS must not be answered in
    the TLS session (the STARTTLS command-injection attack)."""
    client = imap.open()
    client.send_raw(b"s1 STARTTLS\r\ns2 CAPABILITY\r\n")
    response = client.read_response()
    while not isinstance(response, Tagged):
        response = client.read_response()
    expect(
        response.tag == "s1" and response.status == "OK",
        "STARTTLS",
        expected="s1 OK",
        actual=response.raw,
    )
    client.connection_closed(0.5)  # time for a vulnerable server to answer in the clear
    try:
        client.start_tls(imap.tls_context())
    except WireViolation as exc:
        raise AssertionError(f"the injected command was answered in the clear: {exc}") from exc
    except ServerTimeout:
        return  # the server refused the polluted handshake: nothing was processed
    try:
        closed = client.connection_closed(1.0)
        unasked = not closed and bool(client.pending())
    except (OSError, ssl.SSLError):
        return
    if closed:
        return
    expect(
        not unasked,
        "nothing arrives over TLS before a command",
        expected="silence",
        actual=client.pending(),
    )
    result = run(client, "NOOP")
    expect_ok(result, "the first command over TLS")
    expect(
        not untagged_of(result, "CAPABILITY"),
        "the injected CAPABILITY is not answered inside TLS",
        expected="no * CAPABILITY",
        actual=result,
    )
