"""RFC 1939 §5: STAT and LIST in the TRANSACTION state."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal


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
