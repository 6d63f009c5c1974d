"""RFC 1939 §5 and §7: commands that take a message-number answer -ERR when the
argument does not name an existing, non-deleted message (or is malformed)."""

import pytest
from mailspec.fixtures.requirements import expect

from ._rfc1939_helpers import expect_ok

# {n}: a seeded message; {deleted}: a seeded message marked deleted in this session;
# {beyond}: one more than the number of messages; {wrapped}: n + 2**32 (an overflow
# that wraps to an existing message must not be accepted).
BAD_ARGUMENTS = {
    "zero": "0",
    "negative": "-1",
    "non-numeric": "abc",
    "trailing-garbage": "{n}x",
    "beyond-last": "{beyond}",
    "wrapped-32bit": "{wrapped}",
    "deleted": "{deleted}",
    "extra-argument": "{n} {n}",
}

# command -> (section, how the argument slots into the command, capability)
COMMANDS = {
    "LIST": ("5", "LIST {arg}", None),
    "RETR": ("5", "RETR {arg}", None),
    "DELE": ("5", "DELE {arg}", None),
    "TOP": ("7", "TOP {arg} 0", "TOP"),
    "UIDL": ("7", "UIDL {arg}", "UIDL"),
}


def _params():
    for command, (section, template, capability) in COMMANDS.items():
        cases = dict(BAD_ARGUMENTS)
        if command == "TOP":
            cases["extra-argument"] = "{n} 0 0"  # TOP takes two arguments
        for case, arg in cases.items():
            # An unexpected extra argument is not explicitly an error in RFC 1939.
            level = "SHOULD" if case == "extra-argument" else "MUST"
            marks = [pytest.mark.rfc(1939, section, level)]
            if capability:
                marks.append(pytest.mark.pop3_capability(capability))
            line = template.format(arg=arg)
            if command == "TOP" and case == "extra-argument":
                line = "TOP {n} 0 0"
            yield pytest.param(command, line, id=f"{command}-{case}", marks=marks)
    # Required arguments left out.
    for command, line, section, capability in [
        ("RETR", "RETR", "5", None),
        ("DELE", "DELE", "5", None),
        ("TOP", "TOP", "7", "TOP"),
        ("TOP", "TOP {n}", "7", "TOP"),
    ]:
        marks = [pytest.mark.rfc(1939, section, "MUST")]
        if capability:
            marks.append(pytest.mark.pop3_capability(capability))
        yield pytest.param(
            command,
            line,
            id=f"{command}-missing-{'lines' if '{n}' in line else 'msg'}",
            marks=marks,
        )
    # TOP's line count must be a non-negative number.
    for case, line in [("negative-lines", "TOP {n} -1"), ("non-numeric-lines", "TOP {n} x")]:
        yield pytest.param(
            "TOP",
            line,
            id=f"TOP-{case}",
            marks=[pytest.mark.rfc(1939, "7", "MUST"), pytest.mark.pop3_optional("TOP")],
        )


@pytest.mark.parametrize("command,line", list(_params()))
def test_bad_message_argument_is_rejected(pop3, maildrop, command, line):
    """A message-number argument must name an existing message not marked as deleted
    (and the argument must be well formed); otherwise the server answers -ERR ("no such
    message")."""
    message, victim = maildrop.seed("plain", "plain")
    client = pop3.login()
    expect_ok(client.command(f"DELE {victim.number}"), "DELE of a seeded message (setup)")
    text = line.format(
        n=message.number,
        deleted=victim.number,
        beyond=maildrop.view.count + 1,
        wrapped=message.number + 2**32,
    )
    multiline = command in ("RETR", "TOP") or line in ("LIST", "UIDL")
    response = client.command(text, multiline=multiline)
    expect(not response.ok, f"{text!r} names no existing message", expected="-ERR", actual=response)
    # The session must still work (and must not have changed anything).
    expect_ok(client.command(f"LIST {message.number}"), "the session continues")
    # Never QUIT here: dropping the connection commits nothing (RFC 1939 §6).
