"""RFC 3501 §6.1.2: NOOP, in every state; and §5.2: size updates it reports."""

import pytest
from mailspec.fixtures.requirements import expect

from ._imap_helpers import Quoted, append, expect_bad, expect_ok, run, untagged_of
from ._sessions import STATES, in_state, selected_area


@pytest.mark.rfc(3501, "6.1.2", "MUST")
@pytest.mark.parametrize("state", STATES)
def test_noop_succeeds_in_every_state(imap, imap_sandbox, state):
    """NOOP is valid in any state and always succeeds: tagged OK."""
    client = in_state(imap, imap_sandbox, state)
    expect_ok(run(client, "NOOP"), f"NOOP in the {state} state")


@pytest.mark.rfc(3501, "6.1.2", "MUST")
@pytest.mark.parametrize("state", STATES)
def test_noop_keeps_the_state(imap, imap_sandbox, state):
    """NOOP does nothing: the connection stays in its state (a second NOOP and, where
    authenticated, LIST still work; where selected, CHECK still works)."""
    client = in_state(imap, imap_sandbox, state)
    expect_ok(run(client, "NOOP"), "NOOP")
    if state == "selected":
        expect_ok(run(client, "CHECK"), "CHECK after NOOP (still selected)")
    elif state == "authenticated":
        expect_ok(
            run(client, "LIST", Quoted(""), Quoted("")), "LIST after NOOP (still authenticated)"
        )
    else:
        expect_ok(run(client, "NOOP"), "a second NOOP")


@pytest.mark.rfc(3501, "6.1.2", "SHOULD")
def test_noop_with_argument_is_bad(imap):
    """NOOP takes no arguments; with one the command is invalid ("BAD - command
    unknown or arguments invalid"). Lenient servers accept it: SHOULD."""
    client = imap.open()
    expect_bad(run(client, "NOOP", "extra"), "NOOP with an argument")


@pytest.mark.rfc(3501, "5.2", "MUST")
def test_noop_reports_a_new_message(imap, imap_sandbox):
    """A server MUST send mailbox size updates automatically if the size changes
    during a command: after another session appended a message to the selected
    mailbox, NOOP answers an untagged EXISTS with the new count."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    other = imap.login()
    append(other, folder)
    result = expect_ok(run(client, "NOOP"), "NOOP after another session's APPEND")
    counts = [u.number for u in untagged_of(result, "EXISTS")]
    expect(1 in counts, "NOOP reports the new size", expected="* 1 EXISTS", actual=result)


@pytest.mark.rfc(3501, "5.2", "MUST")
def test_noop_never_reports_a_smaller_exists(imap, imap_sandbox):
    """An EXISTS response never reduces the number of messages (only EXPUNGE can):
    NOOP after two appends reports 2, never less than what was announced before."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    other = imap.login()
    append(other, folder)
    first = [u.number for u in untagged_of(expect_ok(run(client, "NOOP"), "NOOP"), "EXISTS")]
    append(other, folder)
    second = [u.number for u in untagged_of(expect_ok(run(client, "NOOP"), "NOOP"), "EXISTS")]
    announced = first + second
    expect(
        announced == sorted(announced) and announced and announced[-1] == 2,
        "EXISTS counts announced by two NOOPs",
        expected="non-decreasing, ending in 2",
        actual=announced,
    )
