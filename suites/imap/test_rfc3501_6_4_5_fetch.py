"""RFC 3501 §6.4.5: FETCH data items FLAGS, INTERNALDATE, UID, the macros, \\Seen
implied by BODY[] and RFC822, and sequence sets."""

import datetime as dt

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import fetch, fetch_one, fetches, flag_set, new_box

WHEN = dt.datetime(2026, 3, 14, 15, 9, 26, tzinfo=dt.timezone(dt.timedelta(hours=-5)))


def _box(imap, imap_sandbox, names=("plain",), **kw):
    box = new_box(imap, imap_sandbox)
    for name in names:
        box.add(name, **kw)
    box.select()
    return box


@pytest.mark.rfc(3501, "6.4.5", "MUST")
def test_flags_internaldate_and_uid(imap, imap_sandbox):
    """FLAGS, INTERNALDATE and UID return the message's flags, internal date and
    unique identifier. The flags are the ones STORE FLAGS set (what APPEND makes of its
    flag list is a SHOULD, §6.3.11: checked by appended-flags-are-fetched). The internal
    date is the message's own, the same in another session (§2.3.1.1: it "must never
    change"); whether APPEND set it to the date-time given is a SHOULD (§6.3.11),
    checked by append-sets-the-internal-date."""
    box = _box(imap, imap_sandbox, flags=["\\Flagged", "\\Answered"], date=WHEN)
    [stored] = box.messages
    stored_flags = box.client.command("STORE", "1", "FLAGS", ["\\Flagged", "\\Answered"])
    expect(stored_flags.ok, "STORE 1 FLAGS (\\Flagged \\Answered)", expected="OK",
           actual=stored_flags)
    items = fetch_one(box.client, 1, "(FLAGS INTERNALDATE UID)")
    expect_equal(flag_set(items["FLAGS"]) - {"\\recent"}, flag_set(["\\Flagged", "\\Answered"]),
                 "FLAGS")
    other = imap.login()
    box.select(other, examine=True)
    again = fetch_one(other, 1, "INTERNALDATE")["INTERNALDATE"]
    expect_equal(items.get("INTERNALDATE"), again, "INTERNALDATE, and again in a second session")
    expect_equal(items["UID"], stored.uid, "UID (as learned when the message was found)")


@pytest.mark.rfc(3501, "6.3.11", "SHOULD")
def test_appended_flags_are_fetched(imap, imap_sandbox):
    """FETCH FLAGS of a message appended with (\\Flagged \\Answered) shows those flags:
    "If a flag parenthesized list is specified, the flags SHOULD be set in the resulting
    message" (RFC 3501 §6.3.11)."""
    box = _box(imap, imap_sandbox, flags=["\\Flagged", "\\Answered"], date=WHEN)
    items = fetch_one(box.client, 1, "(FLAGS INTERNALDATE UID)")
    expect_equal(flag_set(items["FLAGS"]) - {"\\recent"}, flag_set(["\\Flagged", "\\Answered"]),
                 "FLAGS of the appended message")


MACROS = {
    "ALL": {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"},
    "FAST": {"FLAGS", "INTERNALDATE", "RFC822.SIZE"},
    "FULL": {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"},
}


@pytest.mark.rfc(3501, "6.4.5", "MUST")
@pytest.mark.parametrize("macro", sorted(MACROS))
def test_macros(imap, imap_sandbox, macro):
    """ALL is (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE), FAST is (FLAGS INTERNALDATE
    RFC822.SIZE), FULL is (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)."""
    box = _box(imap, imap_sandbox, names=("multipart",))
    items = fetch_one(box.client, 1, macro)
    got = set(items) - {"UID"}  # a server may add UID unasked (§7.4.2)
    expect_equal(got, MACROS[macro], f"the items FETCH 1 {macro} returns")


@pytest.mark.rfc(3501, "6.4.5", "MUST")
@pytest.mark.parametrize("item", ["BODY[]", "BODY[TEXT]", "BODY[1]", "RFC822", "RFC822.TEXT"])
def test_body_fetch_sets_seen(imap, imap_sandbox, item):
    """BODY[section] and RFC822 / RFC822.TEXT imply that the \\Seen flag is set: a later
    FETCH FLAGS shows it."""
    box = _box(imap, imap_sandbox)
    result = fetch(box.client, 1, item)
    expect(result.ok, f"FETCH 1 {item}", expected="OK", actual=result)
    flags = flag_set(fetch_one(box.client, 1, "FLAGS")["FLAGS"])
    expect("\\seen" in flags, f"\\Seen after FETCH {item}", expected="\\Seen", actual=flags)


@pytest.mark.rfc(3501, "6.4.5", "SHOULD")
def test_implied_seen_is_reported_in_the_fetch_response(imap, imap_sandbox):
    """The \\Seen flag is implicitly set; if this causes the flags to change, they
    SHOULD be included as part of the FETCH responses."""
    box = _box(imap, imap_sandbox)
    result = fetch(box.client, 1, "BODY[]")
    flags = [d.get("FLAGS") for d in fetches(result).values() if "FLAGS" in d]
    expect(any("\\seen" in flag_set(f) for f in flags), "FETCH FLAGS with \\Seen in the response",
           expected="* 1 FETCH (... FLAGS (\\Seen ...))", actual=result)


@pytest.mark.rfc(3501, "6.4.5", "MUST")
@pytest.mark.parametrize("item", ["BODY.PEEK[]", "BODY.PEEK[TEXT]", "BODY.PEEK[HEADER]",
                                  "RFC822.HEADER", "RFC822.SIZE", "BODYSTRUCTURE", "ENVELOPE"])
def test_peek_and_metadata_do_not_set_seen(imap, imap_sandbox, item):
    """BODY.PEEK[section] is an alternate form that does not set the \\Seen flag
    (RFC822.HEADER is BODY.PEEK[HEADER]; the structure items read no text)."""
    box = _box(imap, imap_sandbox)
    expect(fetch(box.client, 1, item).ok, f"FETCH 1 {item}", expected="OK", actual=None)
    flags = flag_set(fetch_one(box.client, 1, "FLAGS")["FLAGS"])
    expect("\\seen" not in flags, f"no \\Seen after FETCH {item}", expected="no \\Seen",
           actual=flags)


@pytest.mark.rfc(3501, "6.3.2", "MUST")
def test_body_fetch_in_a_read_only_mailbox_does_not_set_seen(imap, imap_sandbox):
    """EXAMINE selects the mailbox read-only: no changes to the permanent state of the
    mailbox, including per-user state, are permitted, so BODY[] sets no \\Seen."""
    box = new_box(imap, imap_sandbox)
    box.add("plain")
    box.select(examine=True)
    fetch(box.client, 1, "BODY[]")
    box.select()
    flags = flag_set(fetch_one(box.client, 1, "FLAGS")["FLAGS"])
    expect("\\seen" not in flags, "no \\Seen after BODY[] under EXAMINE", expected="no \\Seen",
           actual=flags)


@pytest.mark.rfc(3501, "9", "MUST")
@pytest.mark.parametrize(
    ("sequence", "expected"),
    [("1:3", [1, 2, 3]), ("3:1", [1, 2, 3]), ("*", [4]), ("2:*", [2, 3, 4]), ("*:3", [3, 4]),
     ("1,3", [1, 3]), ("4,1:2", [1, 2, 4]), ("1:*", [1, 2, 3, 4]), ("2", [2])],
)
def test_sequence_sets(imap, imap_sandbox, sequence, expected):
    """seq-range: "*" is the largest number in use, and a range includes its ends in
    either order ("2:4" and "4:2" are equivalent)."""
    box = _box(imap, imap_sandbox, names=("plain", "dot-lines", "headers-only", "numbered-lines"))
    result = fetch(box.client, sequence, "(UID)")
    expect(result.ok, f"FETCH {sequence} (UID)", expected="OK", actual=result)
    expect_equal(sorted(fetches(result)), expected, f"messages FETCH {sequence} returns")


@pytest.mark.rfc(3501, "9", "SHOULD")
@pytest.mark.parametrize("sequence", ["5", "2:5", "9"])
def test_fetch_of_a_nonexistent_message_is_refused(imap, imap_sandbox, sequence):
    """"The server should respond with a tagged BAD response to a command that uses a
    message sequence number greater than the number of messages in the selected
    mailbox" (§9, seq-number); NO is accepted as a refusal too."""
    box = _box(imap, imap_sandbox, names=("plain", "dot-lines"))
    result = fetch(box.client, sequence, "(FLAGS)")
    expect(result.status in ("BAD", "NO"), f"FETCH {sequence} in a 2-message mailbox",
           expected="BAD or NO", actual=result)


@pytest.mark.rfc(3501, "9", "SHOULD")
def test_fetch_in_an_empty_mailbox_with_star_is_refused(imap, imap_sandbox):
    """The tagged BAD for a sequence number past the last message "includes "*" if the
    selected mailbox is empty" (§9, seq-number): FETCH 1:* there is refused."""
    box = new_box(imap, imap_sandbox)
    box.select()
    result = fetch(box.client, "1:*", "(FLAGS)")
    expect(result.status in ("BAD", "NO") and not fetches(result), "FETCH 1:* in an empty mailbox",
           expected="BAD or NO, no FETCH data", actual=result)


@pytest.mark.rfc(3501, "6.4.5", "SHOULD")
def test_fetch_with_an_unknown_item_is_bad(imap, imap_sandbox):
    """A FETCH with an item §6.4.5 does not define is a syntax error: BAD."""
    box = _box(imap, imap_sandbox)
    result = fetch(box.client, 1, "(FLAGS X-NO-SUCH-ITEM)")
    expect_equal(result.status, "BAD", "FETCH 1 (FLAGS X-NO-SUCH-ITEM)")


@pytest.mark.rfc(3501, "7.4.2", "MUST")
def test_every_requested_item_is_answered(imap, imap_sandbox):
    """The FETCH response carries the data items requested: one response per message
    holding each of them."""
    box = _box(imap, imap_sandbox, names=("plain", "multipart"))
    items = "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER])"
    result = fetch(box.client, "1:2", items)
    data = fetches(result)
    wanted = {"UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE",
              "BODY[HEADER]"}
    for number in (1, 2):
        expect_equal(set(data.get(number, {})) >= wanted, True,
                     f"message {number} answered with {sorted(wanted)}")
