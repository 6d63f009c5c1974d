"""RFC 1939 §5: NOOP and RSET."""

import pytest
from mailspec.fixtures.requirements import expect_equal

from ._rfc1939_helpers import expect_ok, list_all, marker_of, retr, stat


@pytest.mark.rfc(1939, "5", "MUST")
def test_noop_answers_ok(pop3):
    """NOOP in the TRANSACTION state: the server does nothing but reply +OK."""
    client = pop3.login()
    expect_ok(client.command("NOOP"), "NOOP")


@pytest.mark.rfc(1939, "5", "MUST")
def test_noop_changes_nothing(pop3, maildrop):
    """NOOP does nothing: STAT and LIST are the same before and after, deletions stay."""
    _keep, gone = maildrop.seed("plain", "plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {gone.number}"), "DELE of a seeded message")
    before = (stat(client), list_all(client))
    expect_ok(client.command("NOOP"), "NOOP")
    expect_equal((stat(client), list_all(client)), before, "STAT and LIST after NOOP")


@pytest.mark.rfc(1939, "5", "MUST")
def test_rset_unmarks_deleted_messages(pop3, maildrop):
    """RSET unmarks every message marked as deleted and answers +OK: STAT, LIST and
    RETR see them again."""
    first, second = maildrop.seed("plain", "dot-lines")
    client = pop3.login()
    totals, sizes = stat(client), list_all(client)
    expect_ok(client.command(f"DELE {first.number}"), "DELE of a seeded message")
    expect_ok(client.command(f"DELE {second.number}"), "DELE of a seeded message")
    expect_ok(client.command("RSET"), "RSET")
    expect_equal(stat(client), totals, "STAT after RSET equals STAT before the DELEs")
    expect_equal(list_all(client), sizes, "LIST after RSET equals LIST before the DELEs")
    for message in (first, second):
        expect_equal(
            marker_of(retr(client, message.number).payload),
            message.marker,
            f"RETR {message.number} after RSET",
        )


@pytest.mark.rfc(1939, "5", "MUST")
def test_rset_allows_deleting_again(pop3, maildrop):
    """After RSET the message is no longer marked as deleted, so DELE of it succeeds."""
    [message] = maildrop.seed("plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {message.number}"), "the first DELE")
    expect_ok(client.command("RSET"), "RSET")
    expect_ok(client.command(f"DELE {message.number}"), "DELE after RSET")


@pytest.mark.rfc(1939, "5", "MUST")
def test_rset_without_deletions_answers_ok(pop3, maildrop):
    """RSET with nothing marked as deleted answers +OK and changes nothing."""
    maildrop.seed("plain")
    client = pop3.login()
    before = stat(client)
    expect_ok(client.command("RSET"), "RSET")
    expect_equal(stat(client), before, "STAT after RSET")
