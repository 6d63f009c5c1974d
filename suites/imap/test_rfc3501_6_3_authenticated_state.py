"""RFC 3501 §3.2 and §6.4: in the authenticated state (no mailbox selected) the
commands of the selected state are refused and change nothing."""

import pytest

from ._imap_helpers import Quoted, expect_ok, expect_refused, run
from ._sessions import selected_area

SELECTED_STATE_COMMANDS = {
    "CHECK": [],
    "CLOSE": [],
    "EXPUNGE": [],
    "SEARCH": ["ALL"],
    "FETCH": ["1", "(FLAGS)"],
    "STORE": ["1", "+FLAGS", ["\\Seen"]],
    "COPY": ["1", Quoted("mailspec-never-created")],
    "UID FETCH": ["1", "(FLAGS)"],
    "UID SEARCH": ["ALL"],
    "UID STORE": ["1", "+FLAGS", ["\\Seen"]],
    "UID COPY": ["1", Quoted("mailspec-never-created")],
}


@pytest.mark.rfc(3501, "6.4", "MUST")
@pytest.mark.parametrize("command", list(SELECTED_STATE_COMMANDS))
def test_selected_state_command_without_mailbox_is_refused(imap, command):
    """With no mailbox selected, a selected-state command is not valid: NO or BAD,
    never OK; the session stays authenticated (LIST works)."""
    client = imap.login()
    expect_refused(
        run(client, command, *SELECTED_STATE_COMMANDS[command]),
        f"{command} with no mailbox selected",
    )
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), f"LIST after the refused {command}")


@pytest.mark.rfc(3501, "6.4", "MUST")
@pytest.mark.parametrize("command", ["CHECK", "FETCH", "UID FETCH"])
def test_selected_state_command_after_close_is_refused(imap, imap_sandbox, command):
    """After CLOSE the session is back in the authenticated state: selected-state
    commands are refused again."""
    client = imap.login()
    selected_area(imap_sandbox, client)
    expect_ok(run(client, "CLOSE"), "CLOSE")
    expect_refused(
        run(client, command, *SELECTED_STATE_COMMANDS[command]), f"{command} after CLOSE"
    )
