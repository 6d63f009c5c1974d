"""Small helpers shared by the RFC 1939 modules (parsing replies, common checks).

Nothing here decides a verdict on its own: every check still goes through ``expect`` so
the failure names the requirement of the test that called it.
"""

from __future__ import annotations

import re

from mailspec.fixtures.corpus import split_message
from mailspec.fixtures.pop3.client import AUTH_REPLY_TIMEOUT, Pop3Client, Pop3Response
from mailspec.fixtures.pop3.session import Pop3Connections, SeededMessage
from mailspec.fixtures.requirements import expect

# RFC 1939 §5: "+OK nn mm" / "n size"; nothing is required after the second number.
TWO_NUMBERS = re.compile(r"^(\d+) (\d+)(?:\s|$)")
# RFC 1939 §7: "+OK n unique-id"; a unique-id is 1..70 octets 0x21..0x7E.
UIDL_LINE = re.compile(r"^(\d+) (\S+)(?:\s|$)")
UNIQUE_ID = re.compile(r"^[\x21-\x7e]{1,70}$")

# A failed authentication may legitimately be answered slowly (servers delay on
# purpose). The client waits this long for PASS/APOP/AUTH replies by itself; tests
# around a failed login use it for every read of that connection.
AUTH_FAILURE_TIMEOUT = AUTH_REPLY_TIMEOUT


def expect_ok(response: Pop3Response, what: str) -> Pop3Response:
    expect(response.ok, what, expected="+OK", actual=response)
    return response


def expect_err(response: Pop3Response, what: str) -> Pop3Response:
    expect(not response.ok, what, expected="-ERR", actual=response)
    return response


def two_numbers(response: Pop3Response, what: str) -> tuple[int, int]:
    """The two decimal numbers after +OK (STAT, LIST n)."""
    match = TWO_NUMBERS.match(response.text)
    expect(
        match is not None,
        what,
        expected="+OK followed by two decimal numbers separated by one space",
        actual=response,
    )
    assert match is not None
    return int(match.group(1)), int(match.group(2))


def stat(client: Pop3Client) -> tuple[int, int]:
    response = expect_ok(client.command("STAT"), "STAT in the TRANSACTION state")
    return two_numbers(response, "the STAT drop listing is '+OK nn mm'")


def list_all(client: Pop3Client) -> dict[int, int]:
    """LIST without argument -> {number: size}, every line checked."""
    response = expect_ok(
        client.command("LIST", multiline=True), "LIST without an argument in TRANSACTION"
    )
    sizes: dict[int, int] = {}
    for line in response.lines or []:
        text = line.decode("ascii", "replace")
        match = TWO_NUMBERS.match(text)
        expect(
            match is not None,
            "every line of a multi-line LIST is a scan listing 'n size'",
            expected="<decimal message-number> SP <decimal size>",
            actual=line,
        )
        assert match is not None
        number, size = int(match.group(1)), int(match.group(2))
        expect(
            number not in sizes,
            "each message is listed once",
            expected=f"message {number} once",
            actual=response.lines,
        )
        sizes[number] = size
    return sizes


def uidl_all(client: Pop3Client) -> dict[int, str]:
    """UIDL without argument -> {number: unique-id}, every line checked."""
    response = expect_ok(
        client.command("UIDL", multiline=True), "UIDL without an argument in TRANSACTION"
    )
    uids: dict[int, str] = {}
    for line in response.lines or []:
        text = line.decode("ascii", "replace")
        match = UIDL_LINE.match(text)
        expect(
            match is not None,
            "every line of a multi-line UIDL is a unique-id listing 'n unique-id'",
            expected="<decimal message-number> SP <unique-id>",
            actual=line,
        )
        assert match is not None
        uids[int(match.group(1))] = match.group(2)
    return uids


def retr(client: Pop3Client, number: int) -> Pop3Response:
    return expect_ok(
        client.command(f"RETR {number}", multiline=True), f"RETR {number} of an existing message"
    )


def header_and_body(payload: bytes) -> tuple[bytes, bytes]:
    """Split a retrieved message into (header block with its blank line, body)."""
    return split_message(payload)


def marker_of(payload: bytes) -> str | None:
    """The X-Mailspec-Seed value in a retrieved message's header, if any."""
    header, _ = split_message(payload)
    for line in header.split(b"\r\n"):
        if line.lower().startswith(b"x-mailspec-seed:"):
            return line.split(b":", 1)[1].strip().decode("ascii", "replace")
    return None


def stuffed(line: bytes) -> bytes:
    """A body line as RFC 1939 §3 puts it on the wire (CRLF included)."""
    return (b"." + line if line.startswith(b".") else line) + b"\r\n"


def body_lines(message: SeededMessage) -> list[bytes]:
    body = message.body
    if not body:
        return []
    return body[:-2].split(b"\r\n") if body.endswith(b"\r\n") else body.split(b"\r\n")


def settle_failed_auth(pop3: Pop3Connections) -> None:
    """After a deliberately failed login, log in once successfully (with a long wait).

    Servers such as Dovecot delay every login from an address after a failure
    until a login succeeds; left alone, that delay would slow down the next tests.
    """
    client = pop3.open(label="settle after a failed login")
    client.timeout = AUTH_FAILURE_TIMEOUT
    try:
        pop3.login(client)
        client.quit()
    finally:
        client.close()
