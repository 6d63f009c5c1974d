"""RFC 1939 §5: RETR sends the message with the given number."""

import re

import pytest
from mailspec.fixtures import corpus
from mailspec.fixtures.requirements import expect, expect_equal

from ._rfc1939_helpers import expect_err, expect_ok, header_and_body, marker_of, retr

_BARE_CR = re.compile(rb"\r(?!\n)")


@pytest.mark.rfc(1939, "5", "MUST")
@pytest.mark.parametrize("name", corpus.names())
def test_retr_sends_the_message_body_unchanged(pop3, maildrop, name):
    """RETR answers +OK and sends the message corresponding to the message-number: the
    body arrives exactly as delivered."""
    [message] = maildrop.seed(name)
    client = pop3.login()
    _, body = header_and_body(retr(client, message.number).payload)
    # RFC 1939 §3: a multi-line response is CRLF-terminated lines, so a message stored
    # without a final line end is sent with one.
    expected = message.body
    if expected and not expected.endswith(b"\r\n"):
        expected += b"\r\n"
    if name == "bare-cr" and body in (_BARE_CR.sub(b"\r\n", expected), _BARE_CR.sub(b"", expected)):
        # RFC 5322 §2.3: CR and LF "MUST NOT appear independently in the body", and an
        # SMTP/LMTP client "MUST NOT transmit these characters except when they are
        # intended as line terminators" (RFC 5321 §2.3.8): the seeded message is not a
        # valid one, so a server may repair the bare CR when it stores it, as a line
        # end (the reference server) or by dropping it (Cyrus' lmtpd); every other
        # octet must still arrive unchanged. Its size must still match (§10 test).
        return
    expect_equal(body, expected, f"the body of the {name!r} message")


@pytest.mark.rfc(1939, "5", "MUST")
@pytest.mark.parametrize("name", corpus.names())
def test_retr_sends_the_delivered_header_lines(pop3, maildrop, name):
    """RETR sends the message's header: every delivered header line arrives, in order
    (a server may add its own trace fields such as Received:)."""
    [message] = maildrop.seed(name)
    client = pop3.login()
    header, _ = header_and_body(retr(client, message.number).payload)
    received = header.rstrip(b"\r\n").split(b"\r\n")
    position = 0
    for line in message.header_lines:
        try:
            position = received.index(line, position) + 1
        except ValueError:
            expect(
                False,
                "a delivered header line is missing or out of order",
                expected=line,
                actual=received,
            )


@pytest.mark.rfc(1939, "5", "MUST")
def test_retr_picks_the_message_by_number(pop3, maildrop):
    """RETR n sends message n and no other: each seeded message comes back under its
    own number."""
    seeded = maildrop.seed("plain", "numbered-lines", "dot-lines")
    client = pop3.login()
    for message in seeded:
        got = marker_of(retr(client, message.number).payload)
        expect_equal(got, message.marker, f"RETR {message.number} returns the right message")


@pytest.mark.rfc(1939, "5", "MUST")
def test_retr_twice_sends_the_same_message(pop3, maildrop):
    """RETR does not change the message: retrieving it twice gives identical octets."""
    [message] = maildrop.seed("multipart")
    client = pop3.login()
    first = retr(client, message.number).payload
    expect_equal(retr(client, message.number).payload, first, "the second RETR")


@pytest.mark.rfc(1939, "5", "MUST")
def test_retr_of_deleted_message_is_rejected(pop3, maildrop):
    """RETR may not refer to a message marked as deleted: -ERR."""
    [message] = maildrop.seed("plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {message.number}"), "DELE of a seeded message")
    expect_err(client.command(f"RETR {message.number}", multiline=True), "RETR after DELE")


@pytest.mark.rfc(1939, "5", "MUST")
def test_retr_leaves_the_message_in_the_maildrop(pop3, maildrop):
    """RETR does not delete: after RETR and QUIT a new session still has the message."""
    [message] = maildrop.seed("plain")
    client = pop3.login()
    retr(client, message.number)
    expect_ok(client.command("QUIT"), "QUIT after RETR")
    view = maildrop.scan()
    expect(
        message.marker in view.markers.values(),
        "the retrieved message is still there",
        expected=message.marker,
        actual=sorted(view.markers.values()),
    )
