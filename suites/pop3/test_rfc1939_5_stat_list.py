"""RFC 1939 §5: STAT and LIST in the TRANSACTION state."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._rfc1939_helpers import expect_err, expect_ok, list_all, stat, two_numbers


@pytest.mark.rfc(1939, "5", "MUST")
def test_list_size_matches_retr(pop3, maildrop):
    """LIST with a message number answers +OK, the number and the message's exact size in octets."""
    [message] = maildrop.seed("plain")
    client = pop3.login()
    listing = client.command(f"LIST {message.number}")
    expect(listing.ok, "LIST of an existing message", expected="+OK", actual=listing)
    retr = client.command(f"RETR {message.number}", multiline=True)
    expect(retr.ok, "RETR of an existing message", expected="+OK", actual=retr)
    number, size = listing.text.split()[:2]
    expect_equal(int(number), message.number, "the scan listing names the message asked for")
    expect_equal(
        int(size), len(retr.payload), "LIST size equals the octets RETR sends (unstuffed, CRLF)"
    )


@pytest.mark.rfc(1939, "5", "MUST")
def test_stat_counts_messages_and_octets(pop3, maildrop):
    """STAT answers +OK, the number of messages in the maildrop and the size of the
    maildrop in octets.

    Sizes are compared within the session: RFC 1939 gives a message its size in a
    session, and a server may annotate stored mail between sessions (mbox servers add
    Status and X-UID headers), so an earlier session's sizes are no reference."""
    maildrop.seed("plain", "dot-lines")
    client = pop3.login()
    count, octets = stat(client)
    expect_equal(count, maildrop.view.count, "STAT message count vs a fresh session's LIST")
    sizes = [
        two_numbers(expect_ok(client.command(f"LIST {n}"), f"LIST {n}"), f"LIST {n}")[1]
        for n in range(1, count + 1)
    ]
    expect_equal(octets, sum(sizes), "STAT octets vs the sum of LIST n in the same session")


@pytest.mark.rfc(1939, "5", "MUST")
def test_stat_excludes_deleted_messages(pop3, maildrop):
    """Messages marked as deleted are not counted in either STAT total."""
    _keep, gone = maildrop.seed("plain", "numbered-lines")
    client = pop3.login()
    count, octets = stat(client)
    size = two_numbers(expect_ok(client.command(f"LIST {gone.number}"), "LIST"), "LIST n")[1]
    expect_ok(client.command(f"DELE {gone.number}"), "DELE of a seeded message")
    expect_equal(
        stat(client),
        (count - 1, octets - size),
        "STAT after DELE: one message and its octets fewer",
    )


@pytest.mark.rfc(1939, "5", "MUST")
def test_list_without_argument_lists_every_message(pop3, maildrop):
    """LIST without an argument answers +OK and a multi-line scan listing, one line
    'n size' for each message in the maildrop, sizes as LIST n reports them."""
    maildrop.seed("plain", "headers-only", "long-lines")
    client = pop3.login()
    sizes = list_all(client)
    expect_equal(
        sorted(sizes),
        list(range(1, maildrop.view.count + 1)),
        "LIST names every message number 1..count",
    )
    # Sizes only within this session (see test_stat_counts_messages_and_octets).
    for number, size in sizes.items():
        single = two_numbers(
            expect_ok(client.command(f"LIST {number}"), f"LIST {number}"), f"LIST {number}"
        )
        expect_equal(single, (number, size), "LIST n agrees with the line for n in LIST")


@pytest.mark.rfc(1939, "5", "MUST")
def test_list_count_matches_stat(pop3, maildrop):
    """The number of scan listings in LIST equals the message count of STAT, and their
    sizes add up to the STAT octet total."""
    maildrop.seed("plain", "multipart")
    client = pop3.login()
    count, octets = stat(client)
    sizes = list_all(client)
    expect_equal((len(sizes), sum(sizes.values())), (count, octets), "LIST totals vs STAT")


@pytest.mark.rfc(1939, "5", "MUST")
def test_list_without_argument_omits_deleted_messages(pop3, maildrop):
    """Messages marked as deleted are not listed by LIST without an argument."""
    keep, gone = maildrop.seed("plain", "plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {gone.number}"), "DELE of a seeded message")
    sizes = list_all(client)
    expect(
        gone.number not in sizes,
        "the deleted message is not in the scan listing",
        expected=f"no line for {gone.number}",
        actual=sizes,
    )
    expect(
        keep.number in sizes,
        "the other message is still listed",
        expected=f"a line for {keep.number}",
        actual=sizes,
    )


@pytest.mark.rfc(1939, "5", "MUST")
def test_list_of_deleted_message_is_rejected(pop3, maildrop):
    """LIST with the number of a message marked as deleted answers -ERR."""
    [gone] = maildrop.seed("plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {gone.number}"), "DELE of a seeded message")
    expect_err(client.command(f"LIST {gone.number}"), "LIST of a deleted message")


@pytest.mark.rfc(1939, "5", "MUST")
def test_list_of_nonexistent_message_is_rejected(pop3, maildrop):
    """LIST with a number beyond the last message answers -ERR (no such message)."""
    maildrop.seed("plain")
    client = pop3.login()
    expect_err(client.command(f"LIST {maildrop.view.count + 1}"), "LIST of count+1")
