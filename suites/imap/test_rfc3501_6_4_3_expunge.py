"""RFC 3501 §6.4.3 EXPUNGE, §6.4.2 CLOSE, RFC 3691 UNSELECT: which messages go, and
how the removal is reported (§7.4.1 sequence numbers)."""

import pytest
from mailspec.fixtures.imap.command_args import Astring
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import ensure_flags, new_box, select, uid_map

NAMES = ["plain", "dot-lines", "numbered-lines", "headers-only", "multipart", "long-lines"]


def _box(imap, imap_sandbox, deleted):
    """Six messages; those whose 1-based positions are in ``deleted`` get \\Deleted."""
    box = new_box(imap, imap_sandbox, stem="expunge")
    for position, name in enumerate(NAMES, 1):
        box.add(name, flags=["\\Deleted"] if position in deleted else [])
    box.select()
    # APPEND setting the \\Deleted it was given is only a SHOULD (RFC 3501 §6.3.11):
    # these tests judge EXPUNGE and CLOSE, so STORE sets it where APPEND did not.
    ensure_flags(box.client, {n: ["\\Deleted"] if n in deleted else []
                              for n in range(1, len(NAMES) + 1)})
    return box


def _remaining(box, client):
    mapping = uid_map(client)
    return sorted((number, marker) for marker, (number, _) in mapping.items())


def _markers(box, positions):
    return [box.messages[p - 1].marker for p in positions]


DELETIONS = [{2}, {1, 6}, {2, 3, 5}, {1, 2, 3, 4, 5, 6}, {6}, {4, 5}]


@pytest.mark.rfc(3501, "7.4.1", "MUST")
@pytest.mark.parametrize("deleted", DELETIONS, ids=lambda d: ",".join(map(str, sorted(d))))
def test_expunge_reports_each_removal_with_decrementing_numbers(imap, imap_sandbox, deleted):
    """EXPUNGE permanently removes all messages that have the \\Deleted flag set and sends
    an untagged EXPUNGE for each; "the message sequence number of each successive message
    in the mailbox is immediately decremented by 1", so replaying the responses in order
    on the mailbox must remove exactly the \\Deleted messages."""
    box = _box(imap, imap_sandbox, deleted)
    result = box.client.command("EXPUNGE")
    expect(result.ok, "EXPUNGE", expected="OK", actual=result)
    view = [m.marker for m in box.messages]  # sequence order before the EXPUNGE
    flagged = set(_markers(box, deleted))
    for response in result.untagged_of("EXPUNGE"):
        number = response.number or 0
        expect(1 <= number <= len(view) and view[number - 1] in flagged,
               f"* {number} EXPUNGE names a \\Deleted message at that moment",
               expected=f"a number from 1 to {len(view)} of a \\Deleted message",
               actual=result)
        del view[number - 1]
    expect_equal(view, [m.marker for i, m in enumerate(box.messages, 1) if i not in deleted],
                 "the mailbox after replaying the EXPUNGE responses")


@pytest.mark.rfc(3501, "6.4.3", "MUST")
@pytest.mark.parametrize("deleted", DELETIONS, ids=lambda d: ",".join(map(str, sorted(d))))
def test_expunge_keeps_every_undeleted_message(imap, imap_sandbox, deleted):
    """EXPUNGE removes the \\Deleted messages and no others: a new session sees exactly
    the undeleted ones, in their order."""
    box = _box(imap, imap_sandbox, deleted)
    box.client.command("EXPUNGE")
    other = imap.login()
    select(other, box.name)
    got = [marker for _, marker in _remaining(box, other)]
    expect_equal(got, [m.marker for i, m in enumerate(box.messages, 1) if i not in deleted],
                 "messages left after EXPUNGE")


@pytest.mark.rfc(3501, "6.4.3", "MUST")
def test_expunge_with_nothing_deleted_removes_nothing(imap, imap_sandbox):
    """Without \\Deleted messages EXPUNGE succeeds and sends no EXPUNGE response."""
    box = _box(imap, imap_sandbox, set())
    result = box.client.command("EXPUNGE")
    expect(result.ok and not result.untagged_of("EXPUNGE"), "EXPUNGE with nothing \\Deleted",
           expected="OK, no * n EXPUNGE", actual=result)


@pytest.mark.rfc(3501, "6.3.2", "MUST")
def test_expunge_in_a_read_only_mailbox_removes_nothing(imap, imap_sandbox):
    """EXAMINE selects read-only: no changes to the permanent state are permitted, so
    EXPUNGE removes nothing (the RFC's answer is NO, "can't expunge")."""
    box = _box(imap, imap_sandbox, {1, 2})
    box.select(examine=True)
    result = box.client.command("EXPUNGE")
    expect(not result.untagged_of("EXPUNGE"), "no EXPUNGE under EXAMINE", expected="none",
           actual=result)
    other = imap.login()
    expect_equal(select(other, box.name).exists, 6, "messages left after EXPUNGE under EXAMINE")


@pytest.mark.rfc(3501, "6.4.2", "MUST")
@pytest.mark.parametrize("deleted", [{2}, {1, 3, 6}], ids=["one", "three"])
def test_close_expunges_silently(imap, imap_sandbox, deleted):
    """CLOSE permanently removes all messages that have the \\Deleted flag set and
    returns to the authenticated state; no untagged EXPUNGE responses are sent."""
    box = _box(imap, imap_sandbox, deleted)
    result = box.client.command("CLOSE")
    expect(result.ok and not result.untagged_of("EXPUNGE"), "CLOSE",
           expected="OK without * n EXPUNGE", actual=result)
    other = imap.login()
    expect_equal(select(other, box.name).exists, 6 - len(deleted), "messages left after CLOSE")
    after = box.client.command("FETCH", "1", "(FLAGS)")
    expect(after.status in ("BAD", "NO"), "FETCH after CLOSE (authenticated state)",
           expected="BAD or NO", actual=after)


@pytest.mark.rfc(3501, "6.4.2", "MUST")
def test_close_after_examine_removes_nothing(imap, imap_sandbox):
    """No messages are removed, and no error is given, if the mailbox is selected by an
    EXAMINE command or is otherwise selected read-only."""
    box = _box(imap, imap_sandbox, {1, 2, 3})
    box.select(examine=True)
    result = box.client.command("CLOSE")
    expect(result.ok, "CLOSE after EXAMINE", expected="OK", actual=result)
    other = imap.login()
    expect_equal(select(other, box.name).exists, 6, "messages left")


@pytest.mark.rfc(3691, "2", "MUST")
@pytest.mark.imap_capability("UNSELECT")
def test_unselect_keeps_deleted_messages_of_the_suite(imap, imap_sandbox):
    """UNSELECT frees the session's resources and returns to the authenticated state
    without deleting any messages, not even those with \\Deleted."""
    box = _box(imap, imap_sandbox, {1, 2})
    result = box.client.command("UNSELECT")
    expect(result.ok and not result.untagged_of("EXPUNGE"), "UNSELECT",
           expected="OK without EXPUNGE", actual=result)
    other = imap.login()
    expect_equal(select(other, box.name).exists, 6, "messages left after UNSELECT")


@pytest.mark.rfc(3501, "6.3.1", "MUST")
def test_select_of_another_mailbox_does_not_expunge(imap, imap_sandbox):
    """Selecting another mailbox closes the current one without the expunge CLOSE does
    ("no messages are permanently removed")."""
    box = _box(imap, imap_sandbox, {1, 2})
    other_folder = imap_sandbox.create("elsewhere")
    result = box.client.command("SELECT", Astring(other_folder))
    expect(result.ok and not result.untagged_of("EXPUNGE"), "SELECT of another mailbox",
           expected="OK without EXPUNGE", actual=result)
    expect_equal(select(imap.login(), box.name).exists, 6, "messages left after the reselect")
