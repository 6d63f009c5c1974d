"""RFC 1939 §3: basic operation — commands, status indicators, line ends, multi-line
responses and byte-stuffing."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._rfc1939_helpers import body_lines, expect_err, expect_ok, retr, stuffed, two_numbers

# (command as sent, the same command in upper case); {n} is a seeded message number.
CASE_VARIANTS = [
    "stat",
    "Stat",
    "sTaT",
    "list {n}",
    "List {n}",
    "lIsT {n}",
    "noop",
    "Noop",
    "rset",
    "Rset",
]


@pytest.mark.rfc(1939, "3", "MUST")
@pytest.mark.parametrize("variant", CASE_VARIANTS)
def test_transaction_keywords_are_case_insensitive(pop3, maildrop, variant):
    """Commands consist of a case-insensitive keyword: a keyword in any letter case is
    the same command as in upper case."""
    [message] = maildrop.seed("plain")
    client = pop3.login()
    upper = client.command(variant.upper().format(N=message.number, n=message.number))
    mixed = client.command(variant.format(n=message.number))
    expect_ok(upper, f"{variant.upper()} in upper case")
    expect(
        mixed.ok,
        f"the keyword {variant.split()[0]!r} is accepted in this letter case",
        expected=f"+OK, like {upper}",
        actual=mixed,
    )
    if variant.split()[0].upper() in ("STAT", "LIST"):
        expect_equal(
            two_numbers(mixed, "the answer in mixed case"),
            two_numbers(upper, "the answer in upper case"),
            "the mixed-case command answers what the upper-case one does",
        )


@pytest.mark.rfc(1939, "3", "MUST")
@pytest.mark.parametrize("variant", ["retr {n}", "Retr {n}", "rEtR {n}"])
def test_retr_keyword_is_case_insensitive(pop3, maildrop, variant):
    """Commands consist of a case-insensitive keyword: RETR in any letter case
    retrieves the same message."""
    [message] = maildrop.seed("plain")
    client = pop3.login()
    reference = retr(client, message.number)
    response = client.command(variant.format(n=message.number), multiline=True)
    expect(response.ok, f"{variant.split()[0]!r} is RETR", expected="+OK", actual=response)
    expect_equal(response.payload, reference.payload, "the same message as with RETR")


@pytest.mark.rfc(1939, "3", "MUST")
@pytest.mark.pop3_optional("USER")
@pytest.mark.parametrize("user_kw,pass_kw", [("user", "pass"), ("User", "Pass"), ("uSeR", "pAsS")])
def test_authorization_keywords_are_case_insensitive(pop3, account, user_kw, pass_kw):
    """Commands consist of a case-insensitive keyword: USER and PASS log in in any
    letter case."""
    client = pop3.open()
    expect_ok(client.command(f"{user_kw} {account.user}"), f"{user_kw} <name>")
    expect_ok(client.command(f"{pass_kw} {account.password}"), f"{pass_kw} <password>")
    expect_ok(client.command("STAT"), "the session is in TRANSACTION after the login")


@pytest.mark.rfc(1939, "3", "MUST")
def test_quit_keyword_is_case_insensitive(pop3):
    """Commands consist of a case-insensitive keyword: 'quit' ends the session like QUIT."""
    client = pop3.open()
    expect_ok(client.command("quit"), "quit in lower case in AUTHORIZATION")
    expect(
        client.connection_closed(),
        "the server closes the connection after quit",
        expected="connection closed",
        actual="connection still open",
    )


UNKNOWN_COMMANDS = ["XYZZY", "STATUS", "LISTS", "RETRIEVE 1", "HELO mailspec.invalid", "LIS"]


@pytest.mark.rfc(1939, "3", "MUST")
@pytest.mark.parametrize("command", UNKNOWN_COMMANDS)
def test_unknown_command_in_authorization_is_rejected(pop3, command):
    """A command that is not a POP3 command cannot succeed: the server answers with the
    negative status indicator -ERR."""
    client = pop3.open()
    expect_err(client.command(command), f"{command!r} is not a POP3 command")


@pytest.mark.rfc(1939, "3", "MUST")
@pytest.mark.parametrize("command", UNKNOWN_COMMANDS)
def test_unknown_command_in_transaction_is_rejected(pop3, command):
    """A command that is not a POP3 command cannot succeed: the server answers with the
    negative status indicator -ERR."""
    client = pop3.login()
    expect_err(client.command(command), f"{command!r} is not a POP3 command")
    expect_ok(client.command("NOOP"), "the session continues after the rejected command")


def _one_crlf_line(raw: bytes) -> bool:
    return raw.endswith(b"\r\n") and raw.count(b"\n") == 1 and raw.count(b"\r") == 1


@pytest.mark.rfc(1939, "3", "MUST")
def test_status_lines_end_in_crlf_only(pop3):
    """All responses are terminated by a CRLF pair, and a status line holds no other CR
    or LF."""
    client = pop3.open()
    responses = [client.greeting]
    pop3.login(client)
    responses += [client.command("STAT"), client.command("NOOP"), client.command("XYZZY")]
    for response in responses:
        assert response is not None
        expect(
            _one_crlf_line(response.raw),
            "a status line ends in CRLF and contains no bare CR or LF",
            expected="<text> CRLF",
            actual=response.raw,
        )


@pytest.mark.rfc(1939, "3", "MUST")
def test_multiline_lines_end_in_crlf_only(pop3, maildrop):
    """Every line of a multi-line response is terminated by a CRLF pair (no bare CR or
    LF inside a line)."""
    [message] = maildrop.seed("multipart")
    client = pop3.login()
    for response in (client.command("LIST", multiline=True), retr(client, message.number)):
        for raw in response.raw_lines:
            expect(
                _one_crlf_line(raw),
                "a line of a multi-line response ends in CRLF, without bare CR or LF",
                expected="<line> CRLF",
                actual=raw,
            )


@pytest.mark.rfc(1939, "3", "MUST")
def test_multiline_response_ends_with_a_single_dot_line(pop3, maildrop):
    """A multi-line response ends with a line of one termination octet '.' and CRLF;
    nothing of it follows that line (the next response starts right after it)."""
    [message] = maildrop.seed("dot-lines")
    client = pop3.login()
    retr(client, message.number)  # reads up to and including ".\r\n"
    # If the server sent more than one terminator (or body after it), NOOP's status
    # line would not be the next line read.
    noop = client.command("NOOP")
    expect_ok(noop, "the line after the terminating '.' is the next command's status")


@pytest.mark.rfc(1939, "3", "MUST")
def test_dot_lines_are_byte_stuffed_on_the_wire(pop3, maildrop):
    """If any line of a multi-line response begins with the termination octet, the line
    is byte-stuffed by prepending the termination octet to it."""
    [message] = maildrop.seed("dot-lines")
    client = pop3.login()
    response = retr(client, message.number)
    # The body is what follows the first empty line; compare it on the wire.
    raw = response.raw_lines
    expect(
        b"\r\n" in raw,
        "the retrieved message has a header/body separator",
        expected="an empty line",
        actual=raw,
    )
    wire_body = raw[raw.index(b"\r\n") + 1 :]
    expect_equal(
        wire_body,
        [stuffed(line) for line in body_lines(message)],
        "body lines as sent on the wire (each line starting with '.' gets one more '.')",
    )


@pytest.mark.rfc(1939, "3", "MUST")
def test_unstuffed_dot_lines_equal_what_was_delivered(pop3, maildrop):
    """Byte-stuffing is transparent: once the client removes the prepended termination
    octets, the body equals the message as delivered."""
    [message] = maildrop.seed("dot-lines")
    client = pop3.login()
    response = retr(client, message.number)
    _, body = response.payload.split(b"\r\n\r\n", 1)
    expect_equal(body, message.body, "the unstuffed body equals the delivered body")
