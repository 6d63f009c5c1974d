"""RFC 1939 §7: the optional commands TOP, UIDL and APOP.

TOP and UIDL are gated by their RFC 2449 capabilities; APOP runs only when the greeting
carries a timestamp (a server that implements APOP includes one).
"""

import hashlib
import re

import pytest
from mailspec.fixtures import corpus
from mailspec.fixtures.requirements import expect, expect_equal

from ._rfc1939_helpers import (
    AUTH_FAILURE_TIMEOUT,
    UIDL_LINE,
    UNIQUE_ID,
    body_lines,
    expect_err,
    expect_ok,
    header_and_body,
    retr,
    settle_failed_auth,
    stuffed,
    uidl_all,
)


def _top(client, number, lines):
    return expect_ok(
        client.command(f"TOP {number} {lines}", multiline=True), f"TOP {number} {lines}"
    )


# -- TOP -------------------------------------------------------------------------------


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("TOP")
@pytest.mark.parametrize("lines", [0, 1, 5, 19, 20, 21, 100])
def test_top_sends_header_blank_line_and_n_body_lines(pop3, maildrop, lines):
    """TOP msg n answers +OK and sends the message's header, the blank line separating
    it from the body, and the first n lines of the body (the whole body if n exceeds it)."""
    [message] = maildrop.seed("numbered-lines")  # 20 body lines
    client = pop3.login()
    header, _body = header_and_body(retr(client, message.number).payload)
    wanted = header + b"".join(line + b"\r\n" for line in body_lines(message)[:lines])
    expect_equal(
        _top(client, message.number, lines).payload,
        wanted,
        f"TOP {message.number} {lines}: header, blank line, first {lines} body lines",
    )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("TOP")
@pytest.mark.parametrize("name", corpus.names())
def test_top_header_equals_retr_header(pop3, maildrop, name):
    """The header TOP sends is the message's header: TOP n 0 equals the header and blank
    line of RETR n."""
    [message] = maildrop.seed(name)
    client = pop3.login()
    header, _ = header_and_body(retr(client, message.number).payload)
    expect_equal(
        _top(client, message.number, 0).payload, header, "TOP n 0 vs the header block of RETR n"
    )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("TOP")
@pytest.mark.parametrize("lines", [0, 3])
def test_top_of_message_without_body(pop3, maildrop, lines):
    """TOP of a message with an empty body sends the header and the blank line, nothing
    more, whatever the line count."""
    [message] = maildrop.seed("headers-only")
    client = pop3.login()
    expect_equal(
        _top(client, message.number, lines).payload,
        retr(client, message.number).payload,
        "TOP of a header-only message vs RETR",
    )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("TOP")
def test_top_byte_stuffs_dot_lines(pop3, maildrop):
    """TOP's response is multi-line, so body lines beginning with '.' are byte-stuffed on
    the wire like in RETR."""
    [message] = maildrop.seed("dot-lines")
    client = pop3.login()
    response = _top(client, message.number, 6)
    raw = response.raw_lines
    wire_body = raw[raw.index(b"\r\n") + 1 :]
    expect_equal(
        wire_body,
        [stuffed(line) for line in body_lines(message)[:6]],
        "the first six body lines as sent on the wire",
    )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("TOP")
def test_top_does_not_delete_or_change_the_message(pop3, maildrop):
    """TOP only reads: afterwards RETR sends the whole message and STAT is unchanged."""
    [message] = maildrop.seed("numbered-lines")
    client = pop3.login()
    before = retr(client, message.number).payload
    _top(client, message.number, 2)
    expect_equal(retr(client, message.number).payload, before, "RETR after TOP")


# -- UIDL ------------------------------------------------------------------------------


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("UIDL")
def test_uidl_lists_every_message(pop3, maildrop):
    """UIDL without an argument answers +OK and one unique-id listing 'n id' for every
    message in the maildrop (the messages LIST names)."""
    maildrop.seed("plain", "dot-lines")
    client = pop3.login()
    uids = uidl_all(client)
    expect_equal(sorted(uids), list(range(1, maildrop.view.count + 1)), "UIDL numbers")


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("UIDL")
def test_uidl_with_argument_matches_the_listing(pop3, maildrop):
    """UIDL n answers +OK n and the unique-id of message n, the same as in the
    multi-line UIDL."""
    seeded = maildrop.seed("plain", "multipart")
    client = pop3.login()
    uids = uidl_all(client)
    for message in seeded:
        response = expect_ok(client.command(f"UIDL {message.number}"), "UIDL n")
        match = UIDL_LINE.match(response.text)
        expect(
            match is not None,
            "UIDL n answers '+OK n unique-id'",
            expected=f"+OK {message.number} <id>",
            actual=response,
        )
        assert match is not None
        expect_equal(
            (int(match.group(1)), match.group(2)),
            (message.number, uids[message.number]),
            "UIDL n vs the UIDL listing",
        )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("UIDL")
def test_unique_ids_are_1_to_70_printable_characters(pop3, maildrop):
    """A unique-id consists of one to 70 characters in the range 0x21 to 0x7E."""
    maildrop.seed("plain", "long-lines")
    client = pop3.login()
    response = expect_ok(client.command("UIDL", multiline=True), "UIDL")
    for line in response.lines or []:
        parts = line.split(b" ")
        expect(
            len(parts) >= 2 and UNIQUE_ID.match(parts[1].decode("latin-1")) is not None,
            "the unique-id is 1..70 octets in 0x21..0x7E",
            expected="n SP 1*70(%x21-7E)",
            actual=line,
        )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("UIDL")
def test_unique_ids_are_unique_within_the_maildrop(pop3, maildrop):
    """A unique-id uniquely identifies a message within the maildrop: different
    messages have different ids."""
    maildrop.seed("plain", "plain", "numbered-lines")
    client = pop3.login()
    uids = uidl_all(client)
    duplicates = {uid for uid in uids.values() if list(uids.values()).count(uid) > 1}
    expect(
        not duplicates, "no two messages share a unique-id", expected="all distinct", actual=uids
    )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("UIDL")
def test_unique_ids_persist_across_sessions(pop3, maildrop):
    """The unique-id of a message persists across sessions."""
    seeded = maildrop.seed("plain", "dot-lines")
    first = pop3.login()
    before = uidl_all(first)
    expect_ok(first.command("QUIT"), "QUIT")
    second = pop3.login()
    after = uidl_all(second)
    for message in seeded:
        expect_equal(
            after.get(message.number),
            before[message.number],
            f"the unique-id of message {message.number} in the next session",
        )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("UIDL")
def test_unique_id_survives_renumbering(pop3, maildrop):
    """A unique-id belongs to the message, not to its number: after an earlier message
    is removed, the message keeps its id under its new number."""
    gone, keep = maildrop.seed("plain", "plain")
    client = pop3.login()
    uid = uidl_all(client)[keep.number]
    expect_ok(client.command(f"DELE {gone.number}"), "DELE of a seeded message")
    expect_ok(client.command("QUIT"), "QUIT commits the deletion")
    view = maildrop.scan()
    number = {marker: n for n, marker in view.markers.items()}.get(keep.marker)
    expect(
        number is not None,
        "the kept message is still there",
        expected=keep.marker,
        actual=view.markers,
    )
    second = pop3.login()
    expect_equal(uidl_all(second).get(number), uid, "the unique-id after renumbering")


@pytest.mark.rfc(1939, "7", "SHOULD")
@pytest.mark.pop3_optional("UIDL")
def test_unique_id_of_removed_message_is_not_reused(pop3, maildrop):
    """The server should never reuse a unique-id in a maildrop: a message delivered after
    another was removed gets a different id."""
    [gone] = maildrop.seed("plain")
    client = pop3.login()
    old = uidl_all(client)[gone.number]
    expect_ok(client.command(f"DELE {gone.number}"), "DELE of a seeded message")
    expect_ok(client.command("QUIT"), "QUIT commits the deletion")
    [new] = maildrop.seed("plain")
    client = pop3.login()
    expect(
        uidl_all(client)[new.number] != old,
        "the new message's unique-id is new",
        expected=f"not {old}",
        actual=uidl_all(client)[new.number],
    )


# -- APOP ------------------------------------------------------------------------------

TIMESTAMP = re.compile(r"<[^<>\s]*@[^<>\s]*>")


def _timestamp(client) -> str:
    match = TIMESTAMP.search(client.greeting.text if client.greeting else "")
    if match is None:
        pytest.skip("the greeting has no <timestamp>: the server does not offer APOP")
    return match.group(0)


def _digest(timestamp: str, secret: str) -> str:
    return hashlib.md5((timestamp + secret).encode()).hexdigest()


@pytest.mark.rfc(1939, "7", "MUST")
def test_apop_with_correct_digest_logs_in(pop3, account):
    """APOP name digest, with digest = MD5 of the greeting's timestamp followed by the
    shared secret (lower-case hex), answers +OK and enters TRANSACTION."""
    client = pop3.open()
    digest = _digest(_timestamp(client), account.password)
    expect_ok(client.command(f"APOP {account.user} {digest}"), "APOP with the right digest")
    expect_ok(client.command("STAT"), "STAT after APOP (TRANSACTION state)")


@pytest.mark.rfc(1939, "7", "MUST")
def test_apop_with_wrong_digest_is_rejected(pop3, account):
    """APOP with a digest that does not match the timestamp and secret answers -ERR."""
    client = pop3.open()
    client.timeout = AUTH_FAILURE_TIMEOUT
    digest = _digest(_timestamp(client), account.password + "-wrong")
    expect_err(client.command(f"APOP {account.user} {digest}"), "APOP with a wrong digest")
    client.close()
    settle_failed_auth(pop3)


@pytest.mark.rfc(1939, "7", "MUST")
def test_apop_timestamp_differs_per_greeting(pop3):
    """The greeting's timestamp MUST be different each time the server issues a greeting."""
    first = _timestamp(pop3.open())
    second = _timestamp(pop3.open())
    expect(
        first != second,
        "two greetings carry different timestamps",
        expected=f"something other than {first}",
        actual=second,
    )


@pytest.mark.rfc(1939, "7", "MUST")
def test_apop_digest_of_an_earlier_greeting_is_rejected(pop3, account):
    """The digest depends on this session's timestamp: a digest computed from another
    connection's greeting does not log in (-ERR)."""
    stale = _timestamp(pop3.open())
    client = pop3.open()
    client.timeout = AUTH_FAILURE_TIMEOUT
    _timestamp(client)
    digest = _digest(stale, account.password)
    expect_err(client.command(f"APOP {account.user} {digest}"), "APOP with a replayed digest")
    client.close()
    settle_failed_auth(pop3)
