"""RFC 1939 §4/§5: message-numbers — 1..n when the maildrop is opened, fixed for the
session (DELE does not renumber)."""

import pytest
from mailspec.fixtures.requirements import expect_equal

from ._rfc1939_helpers import expect_ok, list_all, marker_of, retr, two_numbers


@pytest.mark.rfc(1939, "4", "MUST")
def test_messages_are_numbered_from_one(pop3, maildrop):
    """The first message in the maildrop is number 1, the second 2, and so on: the
    numbers are exactly 1..count."""
    maildrop.seed("plain", "plain", "plain")
    client = pop3.login()
    expect_equal(sorted(list_all(client)), list(range(1, maildrop.view.count + 1)), "LIST numbers")


@pytest.mark.rfc(1939, "5", "MUST")
def test_numbers_stay_fixed_after_dele(pop3, maildrop):
    """Deleting a message does not renumber the others within the session: each keeps
    the number, size and content it had."""
    first, second, third = maildrop.seed("plain", "numbered-lines", "dot-lines")
    client = pop3.login()
    before = list_all(client)
    expect_ok(client.command(f"DELE {first.number}"), "DELE of the first seeded message")
    for message in (second, third):
        listing = expect_ok(client.command(f"LIST {message.number}"), "LIST after DELE")
        expect_equal(
            two_numbers(listing, "LIST n"),
            (message.number, before[message.number]),
            "the same number and size after an earlier message was deleted",
        )
        expect_equal(
            marker_of(retr(client, message.number).payload),
            message.marker,
            f"RETR {message.number} still returns the same message",
        )


@pytest.mark.rfc(1939, "4", "MUST")
def test_numbers_are_reassigned_in_the_next_session(pop3, maildrop):
    """Numbers are assigned when the maildrop is opened: after a deletion is committed,
    the next session numbers the remaining messages 1..count again."""
    gone, _keep = maildrop.seed("plain", "plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {gone.number}"), "DELE of a seeded message")
    expect_ok(client.command("QUIT"), "QUIT commits the deletion")
    view = maildrop.scan()
    expect_equal(
        sorted(view.sizes), list(range(1, view.count + 1)), "LIST numbers of the next session"
    )
