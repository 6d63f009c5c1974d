"""RFC 1939 §5: DELE marks a message as deleted."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._rfc1939_helpers import expect_err, expect_ok, list_all, marker_of, retr, uidl_all


@pytest.mark.rfc(1939, "5", "MUST")
def test_dele_of_existing_message_is_accepted(pop3, maildrop):
    """DELE of an existing message not yet deleted answers +OK (message deleted)."""
    [message] = maildrop.seed("plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {message.number}"), "DELE of a seeded message")


@pytest.mark.rfc(1939, "5", "MUST")
def test_dele_twice_is_an_error(pop3, maildrop):
    """A message already marked as deleted cannot be deleted again: the second DELE
    answers -ERR."""
    [message] = maildrop.seed("plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {message.number}"), "the first DELE")
    expect_err(client.command(f"DELE {message.number}"), "the second DELE of the message")


@pytest.mark.rfc(1939, "5", "MUST")
def test_dele_affects_only_that_message(pop3, maildrop):
    """DELE marks only the named message: the others stay listed and retrievable."""
    first, second, third = maildrop.seed("plain", "numbered-lines", "dot-lines")
    client = pop3.login()
    expect_ok(client.command(f"DELE {second.number}"), "DELE of the middle message")
    for message in (first, third):
        expect_equal(
            marker_of(retr(client, message.number).payload),
            message.marker,
            f"message {message.number} is still retrievable",
        )
    sizes = list_all(client)
    expect(
        first.number in sizes and third.number in sizes,
        "the others are still listed",
        expected=[first.number, third.number],
        actual=sizes,
    )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("UIDL")
def test_deleted_message_vanishes_from_uidl(pop3, maildrop):
    """UIDL without an argument does not list messages marked as deleted."""
    keep, gone = maildrop.seed("plain", "plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {gone.number}"), "DELE of a seeded message")
    uids = uidl_all(client)
    expect(
        gone.number not in uids,
        "no unique-id listing for the deleted message",
        expected=f"no line for {gone.number}",
        actual=uids,
    )
    expect(
        keep.number in uids,
        "the other message is still listed",
        expected=f"a line for {keep.number}",
        actual=uids,
    )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("TOP")
def test_top_of_deleted_message_is_rejected(pop3, maildrop):
    """TOP may not refer to a message marked as deleted: -ERR."""
    [message] = maildrop.seed("numbered-lines")
    client = pop3.login()
    expect_ok(client.command(f"DELE {message.number}"), "DELE of a seeded message")
    expect_err(client.command(f"TOP {message.number} 1", multiline=True), "TOP after DELE")
