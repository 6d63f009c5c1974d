"""RFC 3501 §6.4.1: CHECK — a checkpoint of the selected mailbox; only in the selected
state."""

import pytest

from ._imap_helpers import Quoted, expect_bad, expect_ok, expect_refused, run, select
from ._sessions import selected_area


@pytest.mark.rfc(3501, "6.4.1", "MUST")
@pytest.mark.parametrize("command", ["SELECT", "EXAMINE"])
def test_check_succeeds_in_selected_state(imap, imap_sandbox, command):
    """CHECK in the selected state (read-write or read-only) answers OK."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    if command == "EXAMINE":
        expect_ok(select(client, folder, examine=True).result, "EXAMINE")
    expect_ok(run(client, "CHECK"), f"CHECK after {command}")


@pytest.mark.rfc(3501, "6.4.1", "MUST")
def test_check_keeps_the_mailbox_selected(imap, imap_sandbox):
    """CHECK does not leave the selected state: a second CHECK works too."""
    client = imap.login()
    selected_area(imap_sandbox, client)
    expect_ok(run(client, "CHECK"), "CHECK")
    expect_ok(run(client, "CHECK"), "a second CHECK")


@pytest.mark.rfc(3501, "6.4", "MUST")
def test_check_in_authenticated_state_is_refused(imap):
    """CHECK is a selected-state command: with no mailbox selected it is refused."""
    client = imap.login()
    expect_refused(run(client, "CHECK"), "CHECK without a selected mailbox")
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), "LIST after the refused CHECK")


@pytest.mark.rfc(3501, "6.4.1", "SHOULD")
def test_check_with_argument_is_bad(imap, imap_sandbox):
    """CHECK takes no arguments; with one it is BAD (lenient servers accept: SHOULD)."""
    client = imap.login()
    selected_area(imap_sandbox, client)
    expect_bad(run(client, "CHECK", "now"), "CHECK with an argument")
