"""RFC 3501 §6.4.7: COPY copies messages to the end of another mailbox."""

import datetime as dt

import pytest
from mailspec.fixtures.imap.command_args import Astring, Quoted
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import fetch_one, fetches, flag_set, missing_folder, new_box, select

WHEN = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def _pair(imap, imap_sandbox, names=("multipart",), flags=("\\Flagged", "\\Answered")):
    source = new_box(imap, imap_sandbox, stem="src")
    # A keyword can be kept only where PERMANENTFLAGS has \* (RFC 3501 §7.1).
    keywords = any(not f.startswith("\\") for f in flags)
    if keywords and "\\*" not in (select(source.client, source.name).permanent_flags or ()):
        pytest.skip("the mailbox does not allow new keywords (no \\* in PERMANENTFLAGS)")
    for name in names:
        source.add(name, flags=list(flags), date=WHEN)
    target = imap_sandbox.create(f"dst-{source.name.rsplit(imap_sandbox.delimiter, 1)[-1]}")
    source.select()
    return source, target


def _copied(imap, target):
    other = imap.login()
    selected = select(other, target, examine=True)
    return other, selected


@pytest.mark.rfc(3501, "6.4.7", "MUST")
@pytest.mark.parametrize("name", ["plain", "multipart", "nested-message", "large"])
def test_copy_copies_the_message_octets(imap, imap_sandbox, name):
    """COPY copies the specified message(s) to the end of the specified destination
    mailbox: the copy has the same octets."""
    source, target = _pair(imap, imap_sandbox, names=(name,))
    result = source.client.command("COPY", "1", Astring(target))
    expect(result.ok, f"COPY 1 {target}", expected="OK", actual=result)
    other, selected = _copied(imap, target)
    expect_equal(selected.exists, 1, "messages in the destination")
    expect_equal(fetch_one(other, 1, "BODY.PEEK[]")["BODY[]"], source.messages[0].raw,
                 "BODY[] of the copy")


@pytest.mark.rfc(3501, "6.4.7", "SHOULD")
@pytest.mark.parametrize("flags", [("\\Flagged", "\\Answered"), ("\\Seen", "\\Draft", "$Copied"),
                                   ()])
def test_copy_preserves_flags_and_internal_date(imap, imap_sandbox, flags):
    """The flags and internal date of the message SHOULD be preserved in the copy: the
    copy has those of the source message (whatever APPEND made of the ones asked for,
    a SHOULD of its own, §6.3.11)."""
    source, target = _pair(imap, imap_sandbox, flags=flags)
    original = fetch_one(source.client, 1, "(FLAGS INTERNALDATE)")
    source.client.command("COPY", "1", Astring(target))
    other, _ = _copied(imap, target)
    items = fetch_one(other, 1, "(FLAGS INTERNALDATE)")
    expect_equal(flag_set(items["FLAGS"]) - {"\\recent"},
                 flag_set(original["FLAGS"]) - {"\\recent"}, "flags of the copy vs the source's")
    expect_equal(items["INTERNALDATE"], original["INTERNALDATE"],
                 "internal date of the copy vs the source's")


@pytest.mark.rfc(3501, "6.4.7", "SHOULD")
def test_copy_sets_recent_in_the_copy(imap, imap_sandbox):
    """The Recent flag SHOULD be set in the copy: the next session to select the
    destination sees it \\Recent."""
    source, target = _pair(imap, imap_sandbox)
    source.client.command("COPY", "1", Astring(target))
    other = imap.login()
    selected = select(other, target)
    expect_equal(selected.recent, 1, "RECENT of the destination after COPY")


@pytest.mark.rfc(3501, "6.4.7", "MUST")
def test_copy_of_a_sequence_set_keeps_the_order_and_the_source(imap, imap_sandbox):
    """COPY appends every message of the set and leaves the source as it was. The copies
    may arrive in either order: §9 says of a sequence-set "Servers MAY coalesce overlaps
    and/or execute the sequence in any order" (Courier copies 3,1 as 3 then 1)."""
    source, target = _pair(imap, imap_sandbox, names=("plain", "dot-lines", "numbered-lines"))
    result = source.client.command("COPY", "3,1", Astring(target))
    expect(result.ok, "COPY 3,1", expected="OK", actual=result)
    other, selected = _copied(imap, target)
    expect_equal(selected.exists, 2, "messages in the destination")
    bodies = [fetch_one(other, n, "BODY.PEEK[]")["BODY[]"] for n in (1, 2)]
    expected = [source.messages[0].raw, source.messages[2].raw]
    expect_equal(sorted(bodies), sorted(expected), "the copies of messages 1 and 3, in any order")
    status = source.client.command("NOOP")
    expect(not status.untagged_of("EXPUNGE"), "COPY removes nothing from the source",
           expected="no EXPUNGE", actual=status)


@pytest.mark.rfc(3501, "6.4.7", "SHOULD")
def test_copy_to_a_missing_mailbox_is_no_trycreate(imap, imap_sandbox):
    """If the destination mailbox does not exist, a server SHOULD return an error. It
    SHOULD NOT automatically create the mailbox. (The [TRYCREATE] of that NO is a MUST,
    checked by copy-to-a-missing-mailbox-says-trycreate.)"""
    source, _ = _pair(imap, imap_sandbox)
    name = missing_folder(imap_sandbox)
    result = source.client.command("COPY", "1", Astring(name))
    expect_equal((result.status, result.code_name), ("NO", "TRYCREATE"), f"COPY 1 {name}")
    listed = source.client.command("LIST", Quoted(""), Astring(name))
    expect(not listed.data_of("LIST"), "COPY did not create the mailbox",
           expected="no LIST entry", actual=listed)


@pytest.mark.rfc(3501, "6.4.7", "MUST")
def test_copy_to_a_missing_mailbox_says_trycreate(imap, imap_sandbox):
    """"Unless it is certain that the destination mailbox can not be created, the
    server MUST send the response code "[TRYCREATE]" as the prefix of the text of the
    tagged NO response" (the sandbox name can be created by CREATE). A COPY that
    succeeds instead is the SHOULD of copy-to-a-missing-mailbox-is-no-trycreate."""
    source, _ = _pair(imap, imap_sandbox)
    name = missing_folder(imap_sandbox)
    result = source.client.command("COPY", "1", Astring(name))
    if result.status != "NO":
        pytest.skip(f"COPY to the missing mailbox answered {result.status}, not NO")
    expect_equal(result.code_name, "TRYCREATE", f"the response code of the NO to COPY 1 {name}")


@pytest.mark.rfc(3501, "9", "SHOULD")
def test_copy_of_a_nonexistent_message_is_refused(imap, imap_sandbox):
    """"The server should respond with a tagged BAD response to a command that uses a
    message sequence number greater than the number of messages in the selected
    mailbox" (§9): COPY 1:5 with one message fails (BAD or NO) and copies nothing."""
    source, target = _pair(imap, imap_sandbox)
    result = source.client.command("COPY", "1:5", Astring(target))
    expect(result.status in ("NO", "BAD"), "COPY 1:5 with one message", expected="NO or BAD",
           actual=result)
    _, selected = _copied(imap, target)
    expect_equal(selected.exists, 0, "messages in the destination")


@pytest.mark.rfc(3501, "6.4.7", "MUST")
def test_failed_copy_leaves_the_destination_as_it_was(imap, imap_sandbox):
    """"If the COPY command is unsuccessful for any reason, server implementations MUST
    restore the destination mailbox to its state before the COPY attempt": when COPY
    1:5 with one message fails, the destination holds no message. (Whether it fails is
    the SHOULD of copy-of-a-nonexistent-message-is-refused.)"""
    source, target = _pair(imap, imap_sandbox)
    result = source.client.command("COPY", "1:5", Astring(target))
    if result.ok:
        pytest.skip("COPY 1:5 with one message succeeded: nothing to restore")
    _, selected = _copied(imap, target)
    expect_equal(selected.exists, 0, f"messages in the destination after the {result.status}")


@pytest.mark.rfc(3501, "6.4.7", "MUST")
def test_copy_to_the_selected_mailbox(imap, imap_sandbox):
    """COPY may name the selected mailbox itself: the copy is appended to it and
    announced with EXISTS."""
    box = new_box(imap, imap_sandbox)
    box.add("plain")
    box.select()
    result = box.client.command("COPY", "1", Astring(box.name))
    noop = box.client.command("NOOP")
    exists = [u.number for r in (result, noop) for u in r.untagged_of("EXISTS")]
    expect(2 in exists, "EXISTS 2 after COPY into the selected mailbox", expected="* 2 EXISTS",
           actual=f"{result}\n{noop}")
    data = fetches(box.client.command("FETCH", "1:2", "BODY.PEEK[]"))
    expect_equal(data.get(2, {}).get("BODY[]"), box.messages[0].raw, "the copy's octets")
