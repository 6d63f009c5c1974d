"""RFC 3501 §5.2 / §7.4.1 and RFC 2180: two sessions on one mailbox — what one does
to messages, the other learns at the right moments (and never an EXPUNGE during
FETCH, STORE or SEARCH)."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import ensure_flags, fetches, flag_set, new_box, select


def _two(imap, imap_sandbox, count=3, deleted=()):
    box = new_box(imap, imap_sandbox, stem="two")
    for n in range(1, count + 1):
        box.add("plain", flags=["\\Deleted"] if n in deleted else [])
    first = box.client
    box.select()
    # APPEND setting the \\Deleted it was given is only a SHOULD (RFC 3501 §6.3.11):
    # where it did not, STORE sets it, so the EXPUNGE these tests watch has its work.
    ensure_flags(first, {n: ["\\Deleted"] if n in deleted else [] for n in range(1, count + 1)})
    second = imap.login()
    select(second, box.name)
    return box, first, second


@pytest.mark.rfc(3501, "7.4.1", "MUST")
@pytest.mark.parametrize("command", [("FETCH", "1:*", "(FLAGS)"), ("STORE", "1:*", "+FLAGS",
                                     ["\\Seen"]), ("SEARCH", "ALL")],
                         ids=["FETCH", "STORE", "SEARCH"])
def test_no_expunge_during_fetch_store_search(imap, imap_sandbox, command):
    """An EXPUNGE response MUST NOT be sent ... while responding to a FETCH, STORE, or
    SEARCH command: the other session's removal waits for e.g. NOOP."""
    _box, first, second = _two(imap, imap_sandbox, deleted=(2,))
    expect(first.command("EXPUNGE").ok, "EXPUNGE in the first session", expected="OK", actual=None)
    result = second.command(*command)
    expect(not result.untagged_of("EXPUNGE"), f"no EXPUNGE while answering {command[0]}",
           expected="no * n EXPUNGE", actual=result)
    noop = second.command("NOOP")
    expect_equal([u.number for u in noop.untagged_of("EXPUNGE")], [2],
                 "the EXPUNGE the second session gets with NOOP")


@pytest.mark.rfc(3501, "5.2", "MUST")
@pytest.mark.parametrize("deleted", [(1,), (1, 3), (2, 3, 4)], ids=lambda d: ",".join(map(str, d)))
def test_other_session_learns_of_expunges_with_noop(imap, imap_sandbox, deleted):
    """A server MUST send mailbox size updates automatically if a mailbox size change is
    observed during the processing of a command: after NOOP the other session's view,
    replaying the EXPUNGE responses, holds exactly the remaining messages."""
    box, first, second = _two(imap, imap_sandbox, count=5, deleted=deleted)
    first.command("EXPUNGE")
    noop = second.command("NOOP")
    view = [m.uid for m in box.messages]
    for response in noop.untagged_of("EXPUNGE"):
        expect(1 <= (response.number or 0) <= len(view), "EXPUNGE names a message of the view",
               expected=f"1..{len(view)}", actual=noop)
        del view[(response.number or 1) - 1]
    expect_equal(view, [m.uid for i, m in enumerate(box.messages, 1) if i not in deleted],
                 "the second session's messages after NOOP")


@pytest.mark.rfc(3501, "5.2", "MUST")
def test_other_session_learns_of_new_mail_with_noop(imap, imap_sandbox):
    """New messages (an APPEND by another session) are reported with EXISTS at the
    other session's next command."""
    box, _first, second = _two(imap, imap_sandbox)
    box.add("dot-lines")
    noop = second.command("NOOP")
    expect(4 in [u.number for u in noop.untagged_of("EXISTS")], "EXISTS 4 in the other session",
           expected="* 4 EXISTS", actual=noop)


@pytest.mark.rfc(3501, "5.2", "SHOULD")
def test_other_session_learns_of_flag_changes(imap, imap_sandbox):
    """A server SHOULD send message flag updates automatically, without requiring the
    client to request such updates explicitly: after the first session's STORE, the
    second gets an untagged FETCH with the new flags at its next NOOP."""
    _box, first, second = _two(imap, imap_sandbox)
    first.command("STORE", "2", "+FLAGS", ["\\Flagged"])
    noop = second.command("NOOP")
    flags = fetches(noop).get(2, {}).get("FLAGS")
    expect(flags is not None and "\\flagged" in flag_set(flags), "* 2 FETCH (FLAGS (\\Flagged))",
           expected="the new flags of message 2", actual=noop)


@pytest.mark.rfc(3501, "2.3.2", "MUST")
def test_recent_is_given_to_exactly_one_session(imap, imap_sandbox):
    """\\Recent: this session is the first session to have been notified about this
    message — two sessions selecting after the APPEND share one \\Recent between them."""
    box = new_box(imap, imap_sandbox, stem="recent")
    box.add("plain")
    first = imap.login()
    second = imap.login()
    one = select(first, box.name).recent or 0
    two = select(second, box.name).recent or 0
    flags = [("\\recent" in flag_set(fetches(c.command("FETCH", "1", "(FLAGS)"))[1]["FLAGS"]))
             for c in (first, second)]
    expect_equal(one + two, 1, "RECENT counts of the two sessions (summed)")
    expect_equal(sum(flags), 1, "sessions whose FETCH FLAGS shows \\Recent")


@pytest.mark.rfc(2177, "3", "MUST")
@pytest.mark.imap_capability("IDLE")
def test_idle_reports_a_message_appended_by_another_session(imap, imap_sandbox):
    """While idling, the server sends EXISTS when a message arrives (here: appended by
    another session to the idling session's mailbox)."""
    box, _first, second = _two(imap, imap_sandbox)
    tag, started = second.idle_start()
    expect(bool(started.continuations), "IDLE continuation", expected="+ idling", actual=started)
    box.add("plain")
    pushed = second.idle_read(timeout=10)
    done = second.idle_done(tag)
    exists = [u.number for u in pushed + done.untagged if u.kind == "EXISTS"]
    expect(4 in exists, "EXISTS 4 while idling", expected="* 4 EXISTS",
           actual=[u.raw for u in pushed] or done)
