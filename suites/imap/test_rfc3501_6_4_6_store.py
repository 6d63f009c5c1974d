"""RFC 3501 §6.4.6: STORE FLAGS / +FLAGS / -FLAGS (.SILENT), keywords, \\Recent, and
flags that persist."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import SYSTEM_FLAGS, fetch_one, fetches, flag_set, new_box, select

START = ["\\Seen", "\\Draft"]


def _box(imap, imap_sandbox, flags=START, count=1):
    box = new_box(imap, imap_sandbox, stem="store")
    for _ in range(count):
        box.add("plain", flags=list(flags))
    selected = box.select()
    _settle_flags(box, flags, count)
    return box, selected


def _settle_flags(box, flags, count=1):
    """The starting flags, whatever APPEND made of its flag list: setting them there is
    only a SHOULD (RFC 3501 §6.3.11), so where APPEND did not, STORE FLAGS sets them
    (a MUST of §6.4.6: a refusal there is this STORE's own deviation)."""
    for number in range(1, count + 1):
        if _flags(box.client, number) != flag_set(flags):
            result = box.client.command("STORE", str(number), "FLAGS", list(flags))
            expect(result.ok, f"STORE {number} FLAGS {list(flags)} (the starting flags)",
                   expected="OK", actual=result)


def _flags(client, seq=1):
    return flag_set(fetch_one(client, seq, "FLAGS")["FLAGS"]) - {"\\recent"}


def _skip_unless_permanent(selected, flags):
    """RFC 3501 §7.1: "If the client attempts to STORE a flag that is not in the
    PERMANENTFLAGS list, the server will either ignore the change or store the state
    change for the remainder of the current session only" — so a STORE of such a flag
    is judged nowhere. (Without PERMANENTFLAGS "the client should assume that all
    flags can be changed permanently".)"""
    permanent = selected.permanent_flags
    if permanent is None:
        return
    allowed = flag_set(permanent)
    missing = [f for f in flags if f.lower() not in allowed
               and (f.startswith("\\") or "\\*" not in permanent)]
    if missing:
        pytest.skip(f"PERMANENTFLAGS {list(permanent)} lacks {missing}: the server may ignore them")


# (operation, flags given, flags expected afterwards when the message had START)
OPERATIONS = [
    (op, [flag], expected)
    for flag in SYSTEM_FLAGS
    for op, expected in (
        ("FLAGS", {flag}),
        ("+FLAGS", set(START) | {flag}),
        ("-FLAGS", set(START) - {flag}),
    )
]


@pytest.mark.rfc(3501, "6.4.6", "MUST")
@pytest.mark.parametrize(("operation", "flags", "after"), OPERATIONS,
                         ids=[f"{o} {f[0]}" for o, f, _ in OPERATIONS])
def test_store_replaces_adds_or_removes(imap, imap_sandbox, operation, flags, after):
    """FLAGS replaces the flags of the message with the argument; +FLAGS adds the
    argument to them; -FLAGS removes the argument from them (other flags untouched)."""
    box, selected = _box(imap, imap_sandbox)
    _skip_unless_permanent(selected, [*START, *flags])
    result = box.client.command("STORE", "1", operation, flags)
    expect(result.ok, f"STORE 1 {operation} {flags}", expected="OK", actual=result)
    expect_equal(_flags(box.client), flag_set(after), f"flags after STORE {operation} {flags}")


@pytest.mark.rfc(3501, "6.4.6", "MUST")
@pytest.mark.parametrize("operation", ["FLAGS", "+FLAGS", "-FLAGS"])
def test_store_answers_with_the_new_flags(imap, imap_sandbox, operation):
    """The server returns an untagged FETCH response with the message's new flags
    (the value of the flags after the STORE)."""
    box, _ = _box(imap, imap_sandbox)
    result = box.client.command("STORE", "1", operation, ["\\Flagged", "\\Seen"])
    data = fetches(result).get(1, {})
    expected = {"FLAGS": {"\\Flagged", "\\Seen"}, "+FLAGS": set(START) | {"\\Flagged"},
                "-FLAGS": {"\\Draft"}}[operation]
    expect("FLAGS" in data, "an untagged FETCH with FLAGS", expected="* 1 FETCH (FLAGS (...))",
           actual=result)
    expect_equal(flag_set(data["FLAGS"]) - {"\\recent"}, flag_set(expected),
                 f"the FLAGS the STORE {operation} answers with")


@pytest.mark.rfc(3501, "6.4.6", "MUST")
@pytest.mark.parametrize("operation", ["FLAGS.SILENT", "+FLAGS.SILENT", "-FLAGS.SILENT"])
def test_silent_store_changes_flags_without_answering(imap, imap_sandbox, operation):
    """FLAGS.SILENT: "Equivalent to FLAGS, but without returning a new value" (and so
    for +FLAGS.SILENT / -FLAGS.SILENT): the flags change all the same."""
    box, _ = _box(imap, imap_sandbox)
    result = box.client.command("STORE", "1", operation, ["\\Answered"])
    expect(result.ok, f"STORE 1 {operation} (\\Answered)", expected="OK", actual=result)
    expected = {"FLAGS.SILENT": {"\\Answered"}, "+FLAGS.SILENT": set(START) | {"\\Answered"},
                "-FLAGS.SILENT": set(START)}[operation]
    expect_equal(_flags(box.client), flag_set(expected), f"flags after STORE {operation}")


@pytest.mark.rfc(3501, "6.4.6", "SHOULD")
@pytest.mark.parametrize("operation", ["FLAGS.SILENT", "+FLAGS.SILENT", "-FLAGS.SILENT"])
def test_silent_store_sends_no_fetch(imap, imap_sandbox, operation):
    """.SILENT: "without returning a new value" — no untagged FETCH for the session's
    own change (SHOULD: §6.4.6 still lets a server report changes from elsewhere)."""
    box, _ = _box(imap, imap_sandbox)
    result = box.client.command("STORE", "1", operation, ["\\Flagged"])
    expect(not result.untagged_of("FETCH"), f"no untagged FETCH after STORE {operation}",
           expected="no * n FETCH", actual=result)


@pytest.mark.rfc(3501, "6.4.6", "MUST")
def test_store_on_a_sequence_set(imap, imap_sandbox):
    """STORE alters the data of every message in the sequence set, and only those."""
    box, _ = _box(imap, imap_sandbox, flags=[], count=4)
    result = box.client.command("STORE", "2:3", "+FLAGS", ["\\Flagged"])
    expect(result.ok, "STORE 2:3 +FLAGS (\\Flagged)", expected="OK", actual=result)
    flagged = [n for n in range(1, 5) if "\\flagged" in _flags(box.client, n)]
    expect_equal(flagged, [2, 3], "messages flagged after STORE 2:3")


@pytest.mark.rfc(3501, "6.4.6", "MUST")
@pytest.mark.parametrize("operation", ["FLAGS", "+FLAGS"])
def test_keywords_can_be_stored_when_permanentflags_allow(imap, imap_sandbox, operation):
    """A keyword may be stored when PERMANENTFLAGS includes \\* ("it is possible to
    create new keywords by attempting to store those flags in the mailbox")."""
    box, selected = _box(imap, imap_sandbox)
    if "\\*" not in (selected.permanent_flags or ()):
        pytest.skip("PERMANENTFLAGS has no \\*: new keywords are not allowed")
    result = box.client.command("STORE", "1", operation, ["$MailspecKeyword", "Another_Word"])
    expect(result.ok, f"STORE 1 {operation} keywords", expected="OK", actual=result)
    got = _flags(box.client)
    expect(flag_set(["$MailspecKeyword", "Another_Word"]) <= got, "the keywords are set",
           expected="$MailspecKeyword Another_Word", actual=got)


@pytest.mark.rfc(3501, "6.4.6", "MUST")
def test_keywords_can_be_removed(imap, imap_sandbox):
    """-FLAGS removes a keyword like a system flag (where PERMANENTFLAGS has \\*: only
    then can the keywords be set in the first place)."""
    box = new_box(imap, imap_sandbox, stem="store")
    if "\\*" not in (select(box.client, box.name).permanent_flags or ()):
        pytest.skip("PERMANENTFLAGS has no \\*")
    box.add("plain", flags=["$Remove", "$Keep", "\\Seen"])
    box.select()
    _settle_flags(box, ["$Remove", "$Keep", "\\Seen"])
    box.client.command("STORE", "1", "-FLAGS", ["$Remove"])
    expect_equal(_flags(box.client), flag_set(["$Keep", "\\Seen"]), "flags after -FLAGS ($Remove)")


@pytest.mark.rfc(3501, "2.3.2", "MUST")
@pytest.mark.parametrize("operation", ["+FLAGS", "FLAGS"])
def test_recent_cannot_be_stored(imap, imap_sandbox, operation):
    """\\Recent: "This flag can not be altered by the client." STORE of \\Recent is
    refused (\\Recent is no flag of the store grammar), or leaves \\Recent as it was."""
    box, _ = _box(imap, imap_sandbox)
    before = "\\recent" in flag_set(fetch_one(box.client, 1, "FLAGS")["FLAGS"])
    result = box.client.command("STORE", "1", operation, ["\\Recent"] if before is False
                                else ["\\Seen"])
    if not before:
        after = "\\recent" in flag_set(fetch_one(box.client, 1, "FLAGS")["FLAGS"])
        expect(not result.ok or not after, "STORE did not set \\Recent",
               expected="NO/BAD, or no \\Recent", actual=result)
    else:
        result = box.client.command("STORE", "1", "-FLAGS", ["\\Recent"])
        after = "\\recent" in flag_set(fetch_one(box.client, 1, "FLAGS")["FLAGS"])
        expect(not result.ok or after, "STORE -FLAGS did not clear \\Recent",
               expected="NO/BAD, or \\Recent kept", actual=result)


@pytest.mark.rfc(3501, "2.3.2", "MUST")
@pytest.mark.parametrize("flags", [["\\Answered", "\\Flagged"], ["$Persisted", "\\Seen"]])
def test_flags_persist_across_sessions(imap, imap_sandbox, flags):
    """Flags listed in PERMANENTFLAGS are permanent: a new session sees what STORE set."""
    box, selected = _box(imap, imap_sandbox, flags=[])
    if any(not f.startswith("\\") for f in flags) and "\\*" not in (selected.permanent_flags or ()):
        pytest.skip("PERMANENTFLAGS has no \\*")
    _skip_unless_permanent(selected, flags)
    box.client.command("STORE", "1", "+FLAGS", flags)
    box.client.logout()
    other = imap.login()
    select(other, box.name)
    expect_equal(_flags(other), flag_set(flags), "flags seen by a new session")


@pytest.mark.rfc(3501, "6.3.2", "MUST")
def test_store_in_a_read_only_mailbox_changes_nothing(imap, imap_sandbox):
    """EXAMINE: "no changes to the permanent state of the mailbox, including per-user
    state, are permitted" — a STORE there leaves the flags as they were (the RFC does
    not fix its status: Dovecot answers OK "Store ignored with read-only mailbox").
    "As they were" is what FETCH FLAGS showed before the STORE: whether APPEND set its
    \\Seen is a SHOULD of §6.3.11, not this test's business."""
    box = new_box(imap, imap_sandbox, stem="store")
    box.add("plain", flags=["\\Seen"])
    box.select(examine=True)
    before = _flags(box.client)
    box.client.command("STORE", "1", "+FLAGS", ["\\Flagged"])
    expect_equal(_flags(box.client), before, "flags after STORE under EXAMINE")


@pytest.mark.rfc(3501, "9", "SHOULD")
@pytest.mark.parametrize(
    "args",
    [["1", "FROBNICATE", ["\\Seen"]], ["1", "+FLAGS.LOUD", ["\\Seen"]], ["1", "FLAGS", "(\\Seen"],
     ["x", "+FLAGS", ["\\Seen"]]],
    ids=["unknown-item", "unknown-suffix", "unclosed-list", "bad-sequence"],
)
def test_store_with_bad_syntax_is_bad(imap, imap_sandbox, args):
    """store = "STORE" SP sequence-set SP store-att-flags, store-att-flags = (["+" / "-"]
    "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag))): anything else is BAD."""
    box, _ = _box(imap, imap_sandbox)
    result = box.client.command("STORE", *args)
    expect_equal(result.status, "BAD", f"STORE {args!r}")


@pytest.mark.rfc(3501, "9", "SHOULD")
def test_store_without_flags_is_bad(imap, imap_sandbox):
    """store-att-flags needs SP and a flag list after FLAGS: "STORE 1 +FLAGS" with no
    argument is a protocol error, best answered BAD (§7.1.5).

    Dovecot 2.3.19 answers OK."""
    box, _ = _box(imap, imap_sandbox)
    result = box.client.command("STORE", "1", "+FLAGS")
    expect_equal(result.status, "BAD", "STORE 1 +FLAGS (no flags)")
