"""RFC 8314 §3.3: POP3 over implicit TLS (port 995 style), when the target offers it."""

import pytest
from mailspec.fixtures.corpus import MARKER_HEADER
from mailspec.fixtures.pop3.session import login
from mailspec.fixtures.requirements import expect, expect_equal
from mailspec.suites.pop3._ext_helpers import capa_lines, parse_capa


@pytest.fixture
def pop3s(target):
    endpoint = getattr(target, "pop3s", None)
    if endpoint is None:
        pytest.skip(f"{target.name} offers no POP3 over implicit TLS (no pop3s endpoint)")
    return endpoint


@pytest.mark.rfc(8314, "3.3", "MUST")
def test_pop3s_greets_over_tls(pop3, pop3s):
    """On the implicit-TLS port the TLS handshake comes first, then the POP3 greeting
    +OK is sent over TLS."""
    client = pop3.open(endpoint=pop3s)
    expect(
        client.is_tls, "the connection is TLS from the first byte", expected="TLS", actual="plain"
    )
    expect(
        client.greeting is not None and client.greeting.ok,
        "greeting over TLS",
        expected="+OK ...",
        actual=client.greeting,
    )


@pytest.mark.rfc(8996, "5", "MUST")
def test_pop3s_negotiates_tls12_or_later(pop3, pop3s):
    """Implicit TLS uses TLS 1.2 or later: RFC 8996 (BCP 195; it updates RFC 3501
    among many) says "TLS 1.0 MUST NOT be used" (§4) and "TLS 1.1 MUST NOT be used" (§5)."""
    client = pop3.open(endpoint=pop3s)
    version = client.sock.version()
    expect(
        version in ("TLSv1.2", "TLSv1.3"),
        "negotiated TLS version",
        expected="TLSv1.2 or TLSv1.3",
        actual=version,
    )


@pytest.mark.rfc(8314, "3.3", "MUST")
def test_pop3s_login_works(pop3, pop3s, account):
    """Over implicit TLS the account logs in and reaches the TRANSACTION state."""
    client = pop3.open(endpoint=pop3s)
    response = login(client, account)
    expect(response.ok, "login over implicit TLS", expected="+OK", actual=response)
    stat = client.command("STAT")
    expect(stat.ok, "STAT over implicit TLS", expected="+OK nn mm", actual=stat)


@pytest.mark.rfc(8314, "3.3", "MUST")
def test_pop3s_serves_the_same_maildrop(pop3, pop3s, maildrop):
    """The implicit-TLS port is the same POP3 service: a message seeded for the account
    is there, retrieved over TLS with the size LIST reports for it.

    The message is recognised by its marker header, not by an earlier session's size:
    a server may annotate stored mail between sessions (mbox Status headers)."""
    [message] = maildrop.seed("plain")
    client = pop3.open(endpoint=pop3s)
    expect(login(client, pop3.account).ok, "login over implicit TLS", expected="+OK", actual="-ERR")
    listing = client.command(f"LIST {message.number}")
    expect(listing.ok, "LIST of the seeded message over TLS", expected="+OK", actual=listing)
    retrieved = client.command(f"RETR {message.number}", multiline=True)
    expect(retrieved.ok, "RETR of the seeded message over TLS", expected="+OK", actual=retrieved)
    header = (retrieved.payload or b"").split(b"\r\n\r\n", 1)[0].lower().split(b"\r\n")
    wanted = f"{MARKER_HEADER}: {message.marker}".lower().encode()
    expect(
        wanted in header,
        "the message retrieved over TLS is the one seeded",
        expected=f"{MARKER_HEADER}: {message.marker}",
        actual=retrieved.lines[:12] if retrieved.lines else retrieved,
    )
    expect_equal(int(listing.text.split()[1]), len(retrieved.payload), "LIST size vs RETR over TLS")


@pytest.mark.rfc(2595, "4", "MUST")
def test_stls_on_implicit_tls_is_refused(pop3, pop3s):
    """TLS is already active on the implicit-TLS port: STLS answers -ERR."""
    client = pop3.open(endpoint=pop3s)
    response = client.command("STLS")
    expect(not response.ok, "STLS over implicit TLS", expected="-ERR", actual=response)


@pytest.mark.rfc(2595, "4", "SHOULD")
def test_pop3s_capa_does_not_list_stls(pop3, pop3s):
    """CAPA over implicit TLS does not announce STLS (it would be refused)."""
    client = pop3.open(endpoint=pop3s)
    caps = parse_capa(capa_lines(client))
    expect("STLS" not in caps, "CAPA over implicit TLS", expected="no STLS", actual=sorted(caps))
