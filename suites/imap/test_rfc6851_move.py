"""RFC 6851 MOVE: messages move to another mailbox, atomically and with their flags."""

import datetime as dt

import pytest
from mailspec.fixtures.imap.command_args import Astring, Quoted
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import fetch_one, flag_set, missing_folder, new_box, select, uid_map

pytestmark = pytest.mark.imap_capability("MOVE")
WHEN = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def _pair(imap, imap_sandbox):
    box = new_box(imap, imap_sandbox, stem="move")
    for name in ("plain", "multipart", "dot-lines"):
        box.add(name, flags=["\\Flagged", "$Moved"], date=WHEN)
    box.select()
    return box, imap_sandbox.create("moved")


@pytest.mark.rfc(6851, "3.1", "MUST")
@pytest.mark.parametrize("uid", [False, True], ids=["MOVE", "UID MOVE"])
def test_move_moves_the_messages(imap, imap_sandbox, uid):
    """MOVE takes the messages out of the selected mailbox (untagged EXPUNGE) and adds
    them to the destination with the same octets."""
    box, target = _pair(imap, imap_sandbox)
    which = f"{box.messages[0].uid},{box.messages[2].uid}" if uid else "1,3"
    args = ["MOVE", which, Astring(target)]
    result = box.client.command("UID", *args) if uid else box.client.command(*args)
    expect(result.ok, " ".join(["UID"] * uid + args[:2]), expected="OK", actual=result)
    expect_equal(len(result.untagged_of("EXPUNGE")), 2, "EXPUNGE responses in the source")
    other = imap.login()
    select(other, target, examine=True)
    moved = uid_map(other)
    expect_equal(sorted(moved), sorted([box.messages[0].marker, box.messages[2].marker]),
                 "messages in the destination")
    number = moved[box.messages[0].marker][0]
    expect_equal(fetch_one(other, number, "BODY.PEEK[]")["BODY[]"], box.messages[0].raw,
                 "the moved message's octets")
    remaining = imap.login()
    select(remaining, box.name, examine=True)
    expect_equal(sorted(uid_map(remaining)), [box.messages[1].marker], "messages left behind")


@pytest.mark.rfc(6851, "3.3", "SHOULD")
def test_move_keeps_flags_and_internal_date(imap, imap_sandbox):
    """MOVE behaves like COPY followed by STORE +FLAGS.SILENT \\Deleted and EXPUNGE, so
    flags and internal date SHOULD be preserved as COPY preserves them: the moved
    message has those of the source message (whatever APPEND made of the ones asked
    for, a SHOULD of its own, RFC 3501 §6.3.11)."""
    box, target = _pair(imap, imap_sandbox)
    original = fetch_one(box.client, 2, "(FLAGS INTERNALDATE)")
    box.client.command("MOVE", "2", Astring(target))
    other = imap.login()
    select(other, target, examine=True)
    items = fetch_one(other, 1, "(FLAGS INTERNALDATE)")
    expect_equal(flag_set(items["FLAGS"]) - {"\\recent"},
                 flag_set(original["FLAGS"]) - {"\\recent"}, "flags of the moved message vs the source's")
    expect_equal(items["INTERNALDATE"], original["INTERNALDATE"],
                 "internal date of the moved message vs the source's")


@pytest.mark.rfc(6851, "4.3", "SHOULD")
@pytest.mark.imap_capability("UIDPLUS")  # in addition to the module's MOVE
def test_move_sends_copyuid_before_the_expunges(imap, imap_sandbox):
    """Servers supporting UIDPLUS SHOULD send COPYUID in response to a UID MOVE, in an
    untagged OK before the EXPUNGE responses."""
    box, target = _pair(imap, imap_sandbox)
    result = box.client.command("UID", "MOVE", str(box.messages[1].uid), Astring(target))
    kinds = [(u.kind, u.code.name if u.code else None) for u in result.untagged]
    position = next((i for i, k in enumerate(kinds) if k == ("OK", "COPYUID")), None)
    first_expunge = next((i for i, k in enumerate(kinds) if k[0] == "EXPUNGE"), None)
    expect(position is not None and (first_expunge is None or position < first_expunge),
           "* OK [COPYUID ...] before the EXPUNGE", expected="* OK [COPYUID ...] then * n EXPUNGE",
           actual=result)


@pytest.mark.rfc(6851, "3.3", "MUST")
def test_move_to_a_missing_mailbox_moves_nothing(imap, imap_sandbox):
    """A MOVE that fails (here: no such destination) loses no message: "The server MUST
    leave each message in a state where it is in at least one of the source or target
    mailboxes (no message can be lost or orphaned)" — with no target mailbox, all
    three stay in the source and none is reported expunged. (That the MOVE fails is
    the SHOULD of move-to-a-missing-mailbox-is-no.)"""
    box, _ = _pair(imap, imap_sandbox)
    name = missing_folder(imap_sandbox)
    result = box.client.command("MOVE", "1:3", Astring(name))
    if result.ok:
        pytest.skip("MOVE to a missing mailbox succeeded: judged by move-to-a-missing-mailbox-is-no")
    listed = box.client.command("LIST", Quoted(""), Astring(name))
    if listed.data_of("LIST"):
        pytest.skip(f"the failed MOVE created {name}: judged by move-to-a-missing-mailbox-is-no")
    expect(not result.untagged_of("EXPUNGE"), "no EXPUNGE", expected="none", actual=result)
    expect_equal(select(imap.login(), box.name, examine=True).exists, 3, "messages in the source")


@pytest.mark.rfc(6851, "3.3", "SHOULD")
def test_move_to_a_missing_mailbox_is_no(imap, imap_sandbox):
    """MOVE is COPY, STORE and EXPUNGE in one (RFC 6851 §3.3), and for COPY "If the
    destination mailbox does not exist, a server SHOULD return an error. It SHOULD NOT
    automatically create the mailbox" (RFC 3501 §6.4.7): a tagged NO, nothing created."""
    box, _ = _pair(imap, imap_sandbox)
    name = missing_folder(imap_sandbox)
    result = box.client.command("MOVE", "1:3", Astring(name))
    expect_equal(result.status, "NO", "MOVE to a missing mailbox")
    listed = box.client.command("LIST", Quoted(""), Astring(name))
    expect(not listed.data_of("LIST"), "MOVE did not create the mailbox",
           expected="no LIST entry", actual=listed)
