"""RFC 3501 §6.4.2: CLOSE — back to the authenticated state (the parts without
messages; expunging on CLOSE is tested with the message modules)."""

import pytest
from mailspec.fixtures.requirements import expect

from ._imap_helpers import Quoted, expect_bad, expect_ok, expect_refused, run, select
from ._sessions import selected_area


@pytest.mark.rfc(3501, "6.4.2", "MUST")
@pytest.mark.parametrize("command", ["SELECT", "EXAMINE"])
def test_close_returns_to_authenticated_state(imap, imap_sandbox, command):
    """CLOSE answers OK and returns to the authenticated state: CHECK is refused
    afterwards, LIST still works."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    if command == "EXAMINE":
        expect_ok(select(client, folder, examine=True).result, "EXAMINE")
    expect_ok(run(client, "CLOSE"), f"CLOSE after {command}")
    expect_refused(run(client, "CHECK"), "CHECK after CLOSE")
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), "LIST after CLOSE")


@pytest.mark.rfc(3501, "6.4.2", "MUST")
def test_close_sends_no_expunge(imap, imap_sandbox):
    """No untagged EXPUNGE responses are sent by CLOSE."""
    client = imap.login()
    selected_area(imap_sandbox, client)
    result = expect_ok(run(client, "CLOSE"), "CLOSE")
    expect(not result.untagged_of("EXPUNGE"), "CLOSE", expected="no * EXPUNGE", actual=result)


@pytest.mark.rfc(3501, "6.4.2", "MUST")
def test_select_after_close(imap, imap_sandbox):
    """After CLOSE a mailbox can be selected again."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    expect_ok(run(client, "CLOSE"), "CLOSE")
    expect_ok(select(client, folder).result, "SELECT after CLOSE")


@pytest.mark.rfc(3501, "6.4", "MUST")
def test_close_in_authenticated_state_is_refused(imap):
    """CLOSE is a selected-state command: with no mailbox selected it is refused."""
    client = imap.login()
    expect_refused(run(client, "CLOSE"), "CLOSE without a selected mailbox")


@pytest.mark.rfc(3501, "6.4", "MUST")
def test_second_close_is_refused(imap, imap_sandbox):
    """After CLOSE nothing is selected, so a second CLOSE is refused."""
    client = imap.login()
    selected_area(imap_sandbox, client)
    expect_ok(run(client, "CLOSE"), "CLOSE")
    expect_refused(run(client, "CLOSE"), "a second CLOSE")


@pytest.mark.rfc(3501, "6.4.2", "SHOULD")
def test_close_with_argument_is_bad(imap, imap_sandbox):
    """CLOSE takes no arguments; with one it is BAD (lenient servers accept: SHOULD)."""
    client = imap.login()
    selected_area(imap_sandbox, client)
    expect_bad(run(client, "CLOSE", "now"), "CLOSE with an argument")
