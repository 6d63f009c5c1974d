"""RFC 3501 §3.1 and §6.2: in the not authenticated state only CAPABILITY, NOOP, LOGOUT,
STARTTLS, AUTHENTICATE and LOGIN are valid; everything else is refused and changes
nothing."""

import pytest

from ._imap_helpers import Literal, Quoted, expect_ok, expect_refused, run

# Commands of the authenticated and selected states, with well-formed arguments.
LATER_STATE_COMMANDS = {
    "SELECT": [Quoted("INBOX")],
    "EXAMINE": [Quoted("INBOX")],
    "CREATE": [Quoted("mailspec-never-created")],
    "DELETE": [Quoted("mailspec-never-created")],
    "RENAME": [Quoted("mailspec-never-a"), Quoted("mailspec-never-b")],
    "SUBSCRIBE": [Quoted("mailspec-never-created")],
    "UNSUBSCRIBE": [Quoted("mailspec-never-created")],
    "LIST": [Quoted(""), Quoted("*")],
    "LSUB": [Quoted(""), Quoted("*")],
    "STATUS": [Quoted("INBOX"), ["MESSAGES"]],
    "CHECK": [],
    "CLOSE": [],
    "EXPUNGE": [],
    "SEARCH": ["ALL"],
    "FETCH": ["1", "FLAGS"],
    "STORE": ["1", "+FLAGS", ["\\Seen"]],
    "COPY": ["1", Quoted("mailspec-never-created")],
    "UID": ["FETCH", "1", "FLAGS"],
}


@pytest.mark.rfc(3501, "6.2", "MUST")
@pytest.mark.parametrize("command", list(LATER_STATE_COMMANDS))
def test_command_needs_authentication(imap, command):
    """Before authentication, commands of the authenticated and selected states are
    not valid: the server answers NO or BAD, never OK."""
    client = imap.open()
    expect_refused(run(client, command, *LATER_STATE_COMMANDS[command]), f"{command} before login")


@pytest.mark.rfc(3501, "6.2", "MUST")
@pytest.mark.parametrize("command", ["SELECT", "LIST", "STATUS", "CREATE"])
def test_refused_command_leaves_session_usable(imap, account, command):
    """A command refused for the state changes nothing: LOGIN still works afterwards."""
    client = imap.open()
    run(client, command, *LATER_STATE_COMMANDS[command])
    imap.login(client)
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), "LIST after logging in")


@pytest.mark.rfc(3501, "6.2", "MUST")
def test_append_needs_authentication(imap):
    """APPEND is a command of the authenticated state: before login it is refused."""
    client = imap.open()
    message = b"Subject: never stored\r\n\r\nx\r\n"
    expect_refused(
        run(client, "APPEND", Quoted("INBOX"), Literal(message, mode="sync")), "APPEND before login"
    )
