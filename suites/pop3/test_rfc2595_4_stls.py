"""RFC 2595 §4 (and §2.1): STLS — starting TLS in the AUTHORIZATION state."""

import ssl

import pytest
from mailspec.fixtures.pop3.session import SetupError, login
from mailspec.fixtures.requirements import ServerTimeout, WireViolation, expect
from mailspec.suites.pop3._ext_helpers import capa_lines, parse_capa

pytestmark = pytest.mark.pop3_capability("STLS", state="authorization")


def start_tls(pop3):
    client = pop3.open(plaintext=True)
    response = client.command("STLS")
    expect(response.ok, "STLS in the AUTHORIZATION state", expected="+OK", actual=response)
    client.start_tls(pop3.tls_context())
    return client


@pytest.mark.rfc(2595, "4", "MUST")
def test_stls_negotiates_tls(pop3):
    """STLS in the AUTHORIZATION state answers +OK, then a TLS handshake succeeds and the
    session continues over TLS (CAPA answers there)."""
    client = start_tls(pop3)
    expect(client.is_tls, "the connection is TLS after STLS", expected="TLS", actual="plain")
    capa_lines(client)


@pytest.mark.rfc(8996, "5", "MUST")
def test_stls_negotiates_tls12_or_later(pop3):
    """TLS started with STLS is TLS 1.2 or later: RFC 8996 (BCP 195; it updates RFC 3501
    among many) says "TLS 1.0 MUST NOT be used" (§4) and "TLS 1.1 MUST NOT be used" (§5)."""
    client = start_tls(pop3)
    version = client.sock.version()
    expect(
        version in ("TLSv1.2", "TLSv1.3"),
        "negotiated TLS version",
        expected="TLSv1.2 or TLSv1.3",
        actual=version,
    )


@pytest.mark.rfc(2595, "4", "MUST")
def test_login_after_stls(pop3, account):
    """After STLS the session is still in the AUTHORIZATION state: logging in works and
    reaches the TRANSACTION state."""
    client = start_tls(pop3)
    response = login(client, account)
    expect(response.ok, "login over TLS", expected="+OK", actual=response)
    stat = client.command("STAT")
    expect(stat.ok, "STAT over TLS", expected="+OK", actual=stat)


@pytest.mark.rfc(2595, "4", "MUST")
def test_stls_after_tls_is_refused(pop3):
    """STLS when TLS is already active answers -ERR (and the session continues)."""
    client = start_tls(pop3)
    again = client.command("STLS")
    expect(not again.ok, "a second STLS", expected="-ERR", actual=again)
    capa_lines(client)


@pytest.mark.rfc(2595, "4", "MUST")
def test_stls_in_transaction_is_refused(pop3):
    """STLS is only permitted in the AUTHORIZATION state: after a plain-text login it
    answers -ERR and the session stays in the TRANSACTION state."""
    try:
        client = pop3.login()
    except SetupError as exc:
        pytest.skip(f"no plain-text login before TLS here: {exc}")
    response = client.command("STLS")
    expect(not response.ok, "STLS in the TRANSACTION state", expected="-ERR", actual=response)
    stat = client.command("STAT")
    expect(
        stat.ok,
        "STAT after the refused STLS (still plain, still TRANSACTION)",
        expected="+OK",
        actual=stat,
    )


@pytest.mark.rfc(2595, "4", "MUST")
def test_stls_after_tls_login_is_refused(pop3, account):
    """STLS in the TRANSACTION state of a TLS session answers -ERR."""
    client = start_tls(pop3)
    expect(login(client, account).ok, "login over TLS", expected="+OK", actual="-ERR")
    response = client.command("STLS")
    expect(not response.ok, "STLS in TRANSACTION over TLS", expected="-ERR", actual=response)


@pytest.mark.rfc(2595, "4", "SHOULD")
def test_capa_after_tls_does_not_list_stls(pop3):
    """After TLS the client re-issues CAPA; STLS, which would now be refused, is no
    longer announced."""
    client = start_tls(pop3)
    caps = parse_capa(capa_lines(client))
    expect("STLS" not in caps, "CAPA over TLS", expected="no STLS", actual=sorted(caps))


@pytest.mark.rfc(2595, "4", "MUST")
def test_capa_after_tls_offers_a_way_to_log_in(pop3):
    """After TLS, CAPA announces a way to authenticate (USER or SASL), so a client that
    discards its pre-TLS knowledge can still log in."""
    client = start_tls(pop3)
    caps = parse_capa(capa_lines(client))
    expect(
        "USER" in caps or "SASL" in caps,
        "CAPA over TLS",
        expected="USER or SASL",
        actual=sorted(caps),
    )


@pytest.mark.rfc(2595, "4", "MUST")
def test_command_pipelined_after_stls_is_not_processed(pop3):
    """A command sent in the same write as STLS, before the handshake, is not executed:
    plain-text data injected ahead of TLS must never be answered inside the TLS session
    (the STARTTLS command-injection attack)."""
    client = pop3.open(plaintext=True)
    client.send_raw(b"STLS\r\nCAPA\r\n")
    response = client.read_response()
    expect(response.ok, "STLS", expected="+OK", actual=response)
    # Give a vulnerable server time to answer the injected CAPA in the clear.
    client.connection_closed(0.5)
    try:
        client.start_tls(pop3.tls_context())
    except WireViolation as exc:
        raise AssertionError(f"the injected CAPA was answered in the clear: {exc}") from exc
    except ServerTimeout:
        return  # the server refused the polluted handshake: nothing was processed
    # Anything arriving now, unasked, is the answer to the injected command.
    try:
        closed = client.connection_closed(1.0)
        unasked = not closed and bool(client.pending())
    except (OSError, ssl.SSLError):
        return
    if closed:
        return  # the server dropped the polluted session unanswered: nothing was processed
    expect(
        not unasked,
        "nothing arrives over TLS before the client sends a command",
        expected="silence",
        actual=client.pending(),
    )
    client.send_line("XYZZY")
    first = client.read_response()
    expect(
        not first.ok,
        "the first answer over TLS is the one for XYZZY",
        expected="-ERR",
        actual=first,
    )


@pytest.mark.rfc(2595, "2.3", "MAY")
def test_plaintext_user_not_offered_before_tls(pop3):
    """Hardening check: this server, as deployed, offers no plain-text USER/PASS before
    TLS (the pre-TLS CAPA does not list USER). RFC 2595 §2.3 requires servers with STLS
    to be configurable to refuse clear-text logins until TLS is active; whether they do
    so by default is the deployment's choice, hence MAY."""
    client = pop3.open(plaintext=True)
    caps = parse_capa(capa_lines(client))
    expect(
        "USER" not in caps, "CAPA before STLS", expected="no USER until TLS", actual=sorted(caps)
    )


@pytest.mark.rfc(2595, "2.3", "MAY")
def test_plaintext_password_mechanisms_not_offered_before_tls(pop3):
    """Hardening check: this server, as deployed, offers no plain-text password
    mechanisms (PLAIN, LOGIN) before TLS. RFC 2595 §2.3 requires servers to be
    configurable to refuse them until TLS is active; the default is the deployment's
    choice, hence MAY."""
    client = pop3.open(plaintext=True)
    caps = parse_capa(capa_lines(client))
    offered = sorted({m.upper() for m in caps.get("SASL", [])} & {"PLAIN", "LOGIN"})
    expect(not offered, "SASL before STLS", expected="no PLAIN / LOGIN until TLS", actual=offered)


@pytest.mark.rfc(1939, "7", "SHOULD")
def test_user_before_stls_is_forgotten(pop3, account):
    """PASS "may only be given ... immediately after a successful USER command": after
    STLS came between them, a USER given in the clear does not carry over into the TLS
    session, so PASS as the first command over TLS is refused (pre-TLS state is not
    trusted; cf. the STARTTLS command-injection flaws)."""
    client = pop3.open(plaintext=True)
    user = client.command(f"USER {account.user}")
    if not user.ok:
        pytest.skip(f"USER is refused before TLS ({user})")
    response = client.command("STLS")
    if not response.ok:
        # RFC 1939 §7 (USER): after +OK the client "may issue either the PASS command
        # ... or the QUIT command"; a server that refuses STLS there lets no USER
        # reach a TLS session.
        pytest.skip(f"STLS is refused between USER and PASS ({response})")
    client.start_tls(pop3.tls_context())
    password = client.command(f"PASS {account.password}")
    expect(
        not password.ok, "PASS over TLS without a USER over TLS", expected="-ERR", actual=password
    )
