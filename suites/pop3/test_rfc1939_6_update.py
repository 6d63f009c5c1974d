"""RFC 1939 §6: the UPDATE state — only QUIT from TRANSACTION removes messages."""

import pytest
from mailspec.fixtures.requirements import expect

from ._rfc1939_helpers import expect_ok


def _markers(maildrop):
    return set(maildrop.scan().markers.values())


@pytest.mark.rfc(1939, "6", "MUST")
def test_quit_removes_messages_marked_as_deleted(pop3, maildrop):
    """QUIT in the TRANSACTION state enters UPDATE: the server removes every message
    marked as deleted and answers +OK; a new session no longer sees them."""
    gone, keep = maildrop.seed("plain", "plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {gone.number}"), "DELE of a seeded message")
    expect_ok(client.command("QUIT"), "QUIT in TRANSACTION")
    markers = _markers(maildrop)
    expect(
        gone.marker not in markers,
        "the deleted message is gone after QUIT",
        expected=f"no {gone.marker}",
        actual=sorted(markers),
    )
    expect(
        keep.marker in markers,
        "the message not deleted is still there",
        expected=keep.marker,
        actual=sorted(markers),
    )


@pytest.mark.rfc(1939, "6", "MUST")
def test_dropped_connection_removes_nothing(pop3, maildrop):
    """If a session ends for any reason other than a client-issued QUIT, the server does
    not enter UPDATE and MUST NOT remove any messages from the maildrop."""
    [message] = maildrop.seed("plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {message.number}"), "DELE of a seeded message")
    client.close()  # no QUIT
    markers = _markers(maildrop)
    expect(
        message.marker in markers,
        "the message deleted in a dropped session survives",
        expected=message.marker,
        actual=sorted(markers),
    )


@pytest.mark.rfc(1939, "6", "MUST")
def test_rset_then_quit_removes_nothing(pop3, maildrop):
    """RSET unmarks the deleted messages, so a following QUIT removes none of them."""
    first, second = maildrop.seed("plain", "dot-lines")
    client = pop3.login()
    expect_ok(client.command(f"DELE {first.number}"), "DELE of a seeded message")
    expect_ok(client.command(f"DELE {second.number}"), "DELE of a seeded message")
    expect_ok(client.command("RSET"), "RSET")
    expect_ok(client.command("QUIT"), "QUIT after RSET")
    markers = _markers(maildrop)
    expect(
        {first.marker, second.marker} <= markers,
        "both messages survive RSET + QUIT",
        expected=[first.marker, second.marker],
        actual=sorted(markers),
    )


@pytest.mark.rfc(1939, "6", "MUST")
def test_server_closes_the_connection_after_quit(pop3, maildrop):
    """After QUIT in TRANSACTION the POP3 session terminates and the TCP connection is
    closed by the server."""
    maildrop.seed("plain")
    client = pop3.login()
    expect_ok(client.command("QUIT"), "QUIT in TRANSACTION")
    expect(
        client.connection_closed(),
        "the server closes the connection after QUIT",
        expected="connection closed",
        actual="connection still open",
    )


@pytest.mark.rfc(1939, "6", "MUST")
def test_quit_without_deletions_removes_nothing(pop3, maildrop):
    """QUIT with no message marked as deleted removes nothing from the maildrop."""
    seeded = maildrop.seed("plain", "headers-only")
    client = pop3.login()
    expect_ok(client.command("QUIT"), "QUIT in TRANSACTION")
    markers = _markers(maildrop)
    expect(
        {m.marker for m in seeded} <= markers,
        "all seeded messages remain",
        expected=[m.marker for m in seeded],
        actual=sorted(markers),
    )


@pytest.mark.rfc(1939, "6", "MUST")
def test_new_session_starts_with_nothing_deleted(pop3, maildrop):
    """A new session enters TRANSACTION with no messages marked as deleted, even if an
    earlier session marked some and was dropped."""
    [message] = maildrop.seed("plain")
    first = pop3.login()
    expect_ok(first.command(f"DELE {message.number}"), "DELE in the first session")
    first.close()
    second = pop3.login()
    response = second.command(f"RETR {message.number}", multiline=True)
    expect(
        response.ok,
        "the message is retrievable in the new session",
        expected="+OK",
        actual=response,
    )
