"""RFC 2449 §4: commands up to 255 octets (CRLF included) must be accepted, and the
first line of every response stays within 512 octets (CRLF included), however long
the argument a server might echo back."""

import pytest
from mailspec.fixtures.requirements import ServerTimeout, expect, expect_equal

COMMAND_LIMIT = 255


def padded(prefix: str, fill: str, total: int = COMMAND_LIMIT) -> str:
    """prefix + fill characters so that the line with CRLF is exactly ``total`` octets."""
    return prefix + fill * (total - 2 - len(prefix))


@pytest.mark.rfc(2449, "4", "MUST")
def test_255_octet_user_answers_like_a_short_one(pop3):
    """Servers that support CAPA MUST support commands up to 255 octets including the
    CRLF: a USER command of exactly 255 octets with an unknown name is answered like
    USER with a short unknown name (not refused for its length).

    A server may limit the length of its user names (Cyrus: 80 characters): an -ERR
    with the [AUTH] code (RFC 3206 §5, "a problem with the user's credentials ... an
    unknown user name") says the whole command was read and the name was judged."""
    short_client = pop3.open()
    short = short_client.command("USER mailspec-unknown-short-name")
    long_client = pop3.open()
    long = long_client.command(padded("USER mailspec-unknown-", "n"))
    if short.ok and not long.ok and long.code == "AUTH":
        return
    expect_equal(long.status, short.status, "status of USER <255-octet line> vs USER <short>")


@pytest.mark.rfc(2449, "4", "MUST")
def test_255_octet_user_is_one_command(pop3, account):
    """A 255-octet USER command is read as one command: it gets exactly one answer and
    the session can log in normally afterwards."""
    client = pop3.open()
    first = client.command(padded("USER ", "u"))
    expect(
        first is not None, "one answer to the 255-octet USER", expected="+OK or -ERR", actual=first
    )
    if first.ok:
        # Leave the USER state of the padded name the standard way: a failing PASS.
        client.command("PASS wrong-password-for-a-padded-name")
    user = client.command(f"USER {account.user}")
    expect(user.ok, "USER after the long command (still in sync)", expected="+OK", actual=user)
    password = client.command(f"PASS {account.password}")
    expect(password.ok, "PASS after the long command", expected="+OK", actual=password)


@pytest.mark.rfc(2449, "4", "MUST")
def test_255_octet_unknown_command_keeps_sync(pop3):
    """A 255-octet line is one command: an unknown 255-octet command gets one -ERR and
    the next command its own answer."""
    client = pop3.login()
    unknown = client.command(padded("XYZZY ", "x"))
    expect(not unknown.ok, "an unknown command of 255 octets", expected="-ERR", actual=unknown)
    noop = client.command("NOOP")
    expect(noop.ok, "NOOP right after it", expected="+OK", actual=noop)


@pytest.mark.rfc(2449, "4", "MUST")
def test_overlong_command_is_refused_once(pop3):
    """A command line longer than 255 octets may be refused with -ERR (or the connection
    closed), but it is still one CRLF-terminated line: it is answered once, never split
    into fragments processed as further commands, never left hanging."""
    client = pop3.login()
    client.send_line(padded("XYZZY ", "y", 2000))
    try:
        answer = client.read_response()
    except ServerTimeout:
        expect(
            client.connection_closed(0.5),
            "the server answers an over-long line or closes the connection",
            expected="-ERR or close",
            actual="no answer and the connection is still open",
        )
        return
    expect(not answer.ok, "a 2000-octet unknown command", expected="-ERR", actual=answer)
    noop = client.command("NOOP")
    expect(
        noop.ok, "NOOP after the refused line: no fragments processed", expected="+OK", actual=noop
    )


ECHO_COMMANDS = [
    ("authorization", "XYZZY {x}"),
    ("authorization", "USER {x}"),
    ("authorization", "AUTH {x}"),
    ("authorization", "APOP {x} 0123456789abcdef0123456789abcdef"),
    ("transaction", "LIST {d}"),
    ("transaction", "RETR {d}"),
    ("transaction", "TOP {n} {d}"),  # {n}: a seeded message, so the count is read
    ("transaction", "UIDL {x}"),
    ("transaction", "DELE {d}x"),
]


@pytest.mark.rfc(2449, "4", "MUST")
@pytest.mark.parametrize("length", [COMMAND_LIMIT, 1000], ids=["255-octets", "1000-octets"])
@pytest.mark.parametrize(
    ("state", "template"), ECHO_COMMANDS, ids=[t.split()[0] for _, t in ECHO_COMMANDS]
)
def test_response_to_long_argument_within_512_octets(pop3, request, state, template, length):
    """The first line of every response is at most 512 octets including CRLF, even when
    the command carried a long argument the server might quote in its error text."""
    if "{n}" in template:
        # TOP reads its line count only for an existing message; "TOP 1" would test that
        # path or not depending on what the account holds. Seed one, before the login.
        [message] = request.getfixturevalue("maildrop").seed("plain")
        template = template.replace("{n}", str(message.number))
    client = pop3.login() if state == "transaction" else pop3.open()
    head = template.split("{")[0]
    tail = template.split("}")[1]
    fill = "9" if "{d}" in template else "x"
    line = head + fill * (length - 2 - len(head) - len(tail)) + tail
    client.send_line(line)
    try:
        answer = client.read_response()  # raises WireViolation beyond 512 octets
    except ServerTimeout:
        expect(
            length > COMMAND_LIMIT and client.connection_closed(0.5),
            "the long command is answered (only an over-long one may close the connection)",
            expected="a status line of at most 512 octets",
            actual="no answer",
        )
        return
    expect(
        len(answer.raw) <= 512,
        "status line length",
        expected="<= 512 octets",
        actual=len(answer.raw),
    )
