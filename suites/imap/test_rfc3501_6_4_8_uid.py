"""RFC 3501 §6.4.8 / §2.3.1.1: UID FETCH / STORE / COPY / SEARCH, UID ranges, and UIDs
that stay the same."""

import itertools

import pytest
from mailspec.fixtures.imap.command_args import Astring
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import expect_malformed, strictness
from ._message_helpers import ensure_flags, fetches, flag_set, new_box, search, select, uid_map


def _box(imap, imap_sandbox, count=4, deleted=()):
    box = new_box(imap, imap_sandbox, stem="uid")
    for n in range(1, count + 1):
        box.add("plain", flags=["\\Deleted"] if n in deleted else [])
    box.select()
    # APPEND setting the \\Deleted it was given is only a SHOULD (RFC 3501 §6.3.11):
    # where it did not, STORE sets it, so EXPUNGE has its work.
    ensure_flags(box.client, {n: ["\\Deleted"] if n in deleted else [] for n in range(1, count + 1)})
    return box


def _uids(box):
    return [m.uid for m in box.messages]


@pytest.mark.rfc(3501, "2.3.1.1", "MUST")
def test_uids_ascend_in_mailbox_order(imap, imap_sandbox):
    """Unique identifiers are assigned in a strictly ascending fashion in the mailbox."""
    box = _box(imap, imap_sandbox, count=5)
    uids = _uids(box)
    expect(all(a < b for a, b in itertools.pairwise(uids)), "UIDs in sequence order",
           expected="strictly ascending", actual=uids)


@pytest.mark.rfc(3501, "6.4.8", "MUST")
def test_uid_fetch_always_includes_the_uid(imap, imap_sandbox):
    """The UID FETCH response MUST include the UID message data item, even if it was not
    asked for."""
    box = _box(imap, imap_sandbox)
    result = box.client.command("UID", "FETCH", "1:*", "(FLAGS)")
    data = fetches(result)
    expect(len(data) == 4 and all("UID" in d for d in data.values()), "UID in every response",
           expected="* n FETCH (... UID u ...) for 4 messages", actual=result)
    expect_equal([data[n]["UID"] for n in sorted(data)], _uids(box), "the UIDs")


@pytest.mark.rfc(3501, "6.4.8", "MUST")
def test_uid_range_past_the_last_uid_includes_the_last_message(imap, imap_sandbox):
    """A UID range of 559:* always includes the UID of the last message in the mailbox,
    even if 559 is higher than any assigned UID value."""
    box = _box(imap, imap_sandbox, count=3)
    beyond = max(_uids(box)) + 1000
    result = box.client.command("UID", "FETCH", f"{beyond}:*", "(UID)")
    got = sorted(d["UID"] for d in fetches(result).values())
    expect_equal(got, [max(_uids(box))], f"UID FETCH {beyond}:* (UID)")
    _, found = search(box.client, "UID", f"{beyond}:*", uid=True)
    expect_equal(found, [max(_uids(box))], f"UID SEARCH UID {beyond}:*")


@pytest.mark.rfc(3501, "6.4.8", "MUST")
@pytest.mark.parametrize("command", ["FETCH", "STORE", "COPY", "SEARCH"])
def test_nonexistent_uids_are_ignored(imap, imap_sandbox, command):
    """A non-existent unique identifier is ignored without any error message generated:
    the command succeeds and touches nothing (UIDs beyond the last, and of expunged
    messages)."""
    box = _box(imap, imap_sandbox, count=3, deleted=(2,))
    gone = box.messages[1].uid
    expect(box.client.command("EXPUNGE").ok, "EXPUNGE (preparation)", expected="OK", actual=None)
    missing = f"{gone},{max(_uids(box)) + 50}:{max(_uids(box)) + 60}"
    target = imap_sandbox.create("uid-copy")
    args = {"FETCH": ["FETCH", missing, "(FLAGS)"], "STORE": ["STORE", missing, "+FLAGS", ["\\Seen"]],
            "COPY": ["COPY", missing, Astring(target)], "SEARCH": ["SEARCH", "UID", missing]}[command]
    result = box.client.command("UID", *args)
    expect_equal(result.status, "OK", f"UID {' '.join(map(str, args))}")
    expect(not result.untagged_of("FETCH") and not any(
        getattr(d, "numbers", None) for d in result.data_of("SEARCH")),
        "no data for UIDs that do not exist", expected="no FETCH / empty SEARCH", actual=result)
    if command == "COPY":
        expect_equal(select(imap.login(), target, examine=True).exists, 0, "messages copied")


@pytest.mark.rfc(3501, "6.4.8", "MUST")
def test_uid_store_changes_the_message_with_that_uid(imap, imap_sandbox):
    """UID STORE takes unique identifiers: it changes the message with that UID, and
    the untagged FETCH carries the UID."""
    box = _box(imap, imap_sandbox)
    uid = box.messages[2].uid
    result = box.client.command("UID", "STORE", str(uid), "+FLAGS", ["\\Flagged"])
    data = fetches(result)
    expect(any(d.get("UID") == uid for d in data.values()), "the FETCH response carries the UID",
           expected=f"UID {uid}", actual=result)
    flags = fetches(box.client.command("FETCH", "1:*", "(FLAGS)"))
    flagged = [n for n in sorted(flags) if "\\flagged" in flag_set(flags[n]["FLAGS"])]
    expect_equal(flagged, [3], "messages flagged by UID STORE of message 3's UID")


@pytest.mark.rfc(3501, "6.4.8", "MUST")
def test_uid_copy_copies_by_uid(imap, imap_sandbox):
    """UID COPY takes unique identifiers instead of message sequence numbers."""
    box = _box(imap, imap_sandbox)
    target = imap_sandbox.create("uid-copy")
    uids = [box.messages[3].uid, box.messages[1].uid]
    result = box.client.command("UID", "COPY", ",".join(map(str, uids)), Astring(target))
    expect(result.ok, "UID COPY", expected="OK", actual=result)
    other = imap.login()
    select(other, target, examine=True)
    markers = sorted(uid_map(other))
    expect_equal(markers, sorted([box.messages[1].marker, box.messages[3].marker]),
                 "messages copied by UID")


@pytest.mark.rfc(3501, "2.3.1.1", "MUST")
def test_uids_and_uidvalidity_survive_expunge_and_reconnect(imap, imap_sandbox):
    """The UID of a message does not change while UIDVALIDITY is unchanged: after an
    EXPUNGE of another message and in a new session, each message keeps its UID."""
    box = _box(imap, imap_sandbox, count=4, deleted=(1,))
    first = select(box.client, box.name)
    box.client.command("EXPUNGE")
    box.client.logout()
    other = imap.login()
    again = select(other, box.name)
    expect_equal(again.uidvalidity, first.uidvalidity, "UIDVALIDITY in the new session")
    mapping = uid_map(other)
    expect_equal({m.marker: mapping.get(m.marker, (0, None))[1] for m in box.messages[1:]},
                 {m.marker: m.uid for m in box.messages[1:]}, "UIDs in the new session")


@pytest.mark.rfc(3501, "2.3.1.1", "MUST")
def test_uidnext_predicts_the_next_uid(imap, imap_sandbox):
    """UIDNEXT is the next unique identifier value: at least the UID the next APPEND
    gets, and higher than every existing UID."""
    box = _box(imap, imap_sandbox, count=2)
    selected = select(box.client, box.name)
    expect(selected.uidnext is not None and selected.uidnext > max(_uids(box)),
           "UIDNEXT above every UID", expected=f"> {max(_uids(box))}", actual=selected.uidnext)
    box.add("dot-lines")
    box.select()
    expect(box.messages[-1].uid >= selected.uidnext, "the new message's UID",
           expected=f">= {selected.uidnext}", actual=box.messages[-1].uid)


@pytest.mark.parametrize("how", strictness(3501, "6.4.8"))
def test_uid_command_with_an_unknown_subcommand_is_bad(imap, imap_sandbox, how):
    """UID takes COPY, FETCH, SEARCH or STORE (and what extensions add); anything else
    is refused (MUST: never OK) with BAD, "command unknown or arguments invalid"
    (SHOULD: §6.4.8 lists BAD as the result, not with a MUST; the suite's rule for
    every malformed command, see strictness())."""
    box = _box(imap, imap_sandbox, count=1)
    result = box.client.command("UID", "FROBNICATE", "1")
    expect_malformed(result, how, "UID FROBNICATE 1")
