"""RFC 3501 §6.3.11: APPEND adds a message to a mailbox, with flags and a date."""

import datetime as dt

import pytest
from mailspec.fixtures.imap import expected as ex
from mailspec.fixtures.imap.command_args import Astring, Literal, Quoted
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import (
    SYSTEM_FLAGS,
    append_attempt,
    date_time,
    fetch_one,
    flag_set,
    load,
    missing_folder,
    new_box,
    select,
)

MESSAGES = sorted(ex.BODIES)


@pytest.mark.rfc(3501, "6.3.11", "MUST")
@pytest.mark.parametrize("name", MESSAGES)
def test_appended_bytes_come_back_unchanged(imap, imap_sandbox, name):
    """The APPEND command appends the literal argument as a new message: BODY[] returns
    exactly the octets appended."""
    box = new_box(imap, imap_sandbox)
    stored = box.add(name)
    box.select()
    items = fetch_one(box.client, stored.uid, "BODY.PEEK[]", uid=True)
    got = items.get("BODY[]")
    expect(got == stored.raw, f"BODY[] of the appended {name!r} message",
           expected=f"{len(stored.raw)} octets as appended", actual=_diff(got, stored.raw))


def _diff(got: bytes | None, want: bytes) -> str:
    if got is None:
        return "NIL"
    for index, (a, b) in enumerate(zip(got, want, strict=False)):
        if a != b:
            return f"{len(got)} octets, first difference at {index}: {got[max(0, index - 20):index + 20]!r}"
    return f"{len(got)} octets (a prefix of the other)"


@pytest.mark.rfc(3501, "6.3.11", "SHOULD")
@pytest.mark.parametrize("flags", [[f] for f in SYSTEM_FLAGS] + [["$Mailspec", "\\Seen"]])
def test_append_sets_the_flags_given(imap, imap_sandbox, flags):
    """If a flag parenthesized list is specified, the flags SHOULD be set in the
    resulting message; with the PERMANENTFLAGS a mailbox announces they are kept."""
    box = new_box(imap, imap_sandbox)
    selected = select(box.client, box.name)
    if any(not f.startswith("\\") for f in flags) and "\\*" not in (selected.permanent_flags or ()):
        pytest.skip("the mailbox does not allow new keywords (no \\* in PERMANENTFLAGS)")
    stored = box.add("plain", flags=flags)
    box.select()
    items = fetch_one(box.client, stored.uid, "FLAGS", uid=True)
    got = flag_set(items["FLAGS"]) - {"\\recent"}
    expect_equal(got, flag_set(flags), "the flags of the appended message")


@pytest.mark.rfc(3501, "6.3.11", "MUST")
def test_append_without_flags_gives_an_empty_flag_list(imap, imap_sandbox):
    """Otherwise [no flag list], the flag list of the resulting message is set to empty
    by default (\\Recent aside, which is session state)."""
    box = new_box(imap, imap_sandbox)
    stored = box.add("plain")
    box.select()
    got = flag_set(fetch_one(box.client, stored.uid, "FLAGS", uid=True)["FLAGS"])
    expect_equal(got - {"\\recent"}, frozenset(), "the flags of a message appended without any")


@pytest.mark.rfc(3501, "6.3.11", "SHOULD")
@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2025, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
        dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=14))),
        dt.datetime(2026, 7, 1, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=-11))),
        dt.datetime(1999, 12, 31, 12, 30, 0, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    ],
    ids=["utc", "leap-day-plus14", "minus11", "plus0530"],
)
def test_append_sets_the_internal_date(imap, imap_sandbox, moment):
    """If a date-time is specified, the internal date SHOULD be set in the resulting
    message: INTERNALDATE names the same instant. Every zone here is a valid §9 zone
    ("+" / "-") 4DIGIT, so a refused APPEND is this deviation, not a broken setup."""
    box = new_box(imap, imap_sandbox)
    result, stored = append_attempt(box.client, box.name, "plain", date=moment)
    expect(result.ok, f"APPEND with the date-time {date_time(moment)!r}", expected="OK",
           actual=result)
    box.messages.append(stored)
    box.select()
    got = fetch_one(box.client, stored.uid, "INTERNALDATE", uid=True)["INTERNALDATE"]
    expect_equal(got, moment, "INTERNALDATE (as an instant) of the appended message")


@pytest.mark.rfc(3501, "6.3.11", "MUST")
def test_append_to_a_missing_mailbox_is_no_trycreate(imap, imap_sandbox):
    """If the destination mailbox does not exist, a server MUST return an error, and
    MUST NOT automatically create the mailbox. (Its [TRYCREATE] code: checked by
    append-to-a-missing-mailbox-says-trycreate.)"""
    client = imap.login()
    name = missing_folder(imap_sandbox)
    result, _ = append_attempt(client, name, "plain")
    expect_equal(result.status, "NO", f"APPEND to the missing {name}")
    listed = client.command("LIST", Quoted(""), Astring(name))
    expect(not listed.data_of("LIST"), "APPEND did not create the mailbox",
           expected="no LIST entry", actual=listed)


@pytest.mark.rfc(3501, "6.3.11", "MUST")
def test_append_to_a_missing_mailbox_says_trycreate(imap, imap_sandbox):
    """"Unless it is certain that the destination mailbox can not be created, the
    server MUST send the response code "[TRYCREATE]" as the prefix of the text of the
    tagged NO response" (the sandbox name can be created by CREATE)."""
    client = imap.login()
    result, _ = append_attempt(client, missing_folder(imap_sandbox), "plain")
    expect_equal(result.code_name, "TRYCREATE", "the response code of the NO")


@pytest.mark.rfc(3501, "6.3.11", "SHOULD")
def test_append_to_the_selected_mailbox_sends_exists(imap, imap_sandbox):
    """If the mailbox is currently selected, the normal new message actions SHOULD
    occur. Specifically, the server SHOULD notify the client immediately via an
    untagged EXISTS response."""
    box = new_box(imap, imap_sandbox)
    box.add("plain")
    before = select(box.client, box.name).exists
    box.add("dot-lines")
    appended = box.last_result
    expect(before + 1 in [u.number for u in appended.untagged_of("EXISTS")],
           "an untagged EXISTS with the new count, sent with the APPEND",
           expected=f"* {before + 1} EXISTS", actual=appended)


@pytest.mark.rfc(3501, "7.3.1", "MUST")
def test_append_to_the_selected_mailbox_is_announced_by_the_next_command(imap, imap_sandbox):
    """The EXISTS response reports the number of messages in the mailbox; it is sent
    when the size changes, at the latest with the completion of the next command."""
    box = new_box(imap, imap_sandbox)
    before = select(box.client, box.name).exists
    box.add("dot-lines")
    noop = box.client.command("NOOP")
    numbers = [u.number for r in (box.last_result, noop) for u in r.untagged_of("EXISTS")]
    expect(before + 1 in numbers, "an untagged EXISTS after APPEND to the selected mailbox",
           expected=f"* {before + 1} EXISTS", actual=f"{box.last_result}\n{noop}")


@pytest.mark.rfc(3501, "6.3.11", "MUST")
def test_appended_message_is_counted_by_status(imap, imap_sandbox):
    """APPEND appends a new message: STATUS MESSAGES grows by one per APPEND."""
    box = new_box(imap, imap_sandbox)
    for count, name in enumerate(("plain", "multipart", "headers-only"), 1):
        box.add(name)
        result = box.client.command("STATUS", Astring(box.name), ["MESSAGES"])
        [status] = result.data_of("STATUS")
        expect_equal(status.items.get("MESSAGES"), count, f"STATUS MESSAGES after {count} APPENDs")


@pytest.mark.rfc(3501, "6.3.11", "MUST")
def test_append_with_a_synchronising_literal_waits_for_continuation(imap, imap_sandbox):
    """The client sends a literal {n} only after the server's command continuation
    request '+'; the server then accepts the message."""
    box = new_box(imap, imap_sandbox)
    raw = load("plain").with_marker("sync-literal@mailspec.invalid")
    result = box.client.command("APPEND", Astring(box.name), Literal(raw, "sync"))
    expect(result.ok and bool(result.continuations), "APPEND with a synchronising literal",
           expected="a '+' continuation, then OK", actual=result)


@pytest.mark.rfc(7888, "3", "MUST")
@pytest.mark.imap_capability("LITERAL+")
def test_append_with_a_non_synchronising_literal(imap, imap_sandbox):
    """With LITERAL+ the client may send {n+} and the octets without waiting; the server
    MUST NOT send a continuation request for it."""
    box = new_box(imap, imap_sandbox)
    raw = load("multipart").with_marker("plus-literal@mailspec.invalid")
    result = box.client.command("APPEND", Astring(box.name), Literal(raw, "plus"))
    expect(result.ok and not result.continuations, "APPEND with a {n+} literal",
           expected="OK without '+'", actual=result)
    box.select()
    [items] = [fetch_one(box.client, 1, "BODY.PEEK[]")]
    expect_equal(items["BODY[]"], raw, "the message appended with {n+}")


@pytest.mark.rfc(3501, "9", "SHOULD")
# Each breaks the §9 grammar (date-month, the zone, the layout); out-of-range values
# such as "32-Jan" fit the grammar (2DIGIT) and are not used here.
@pytest.mark.parametrize("bad_date", ["01-Foo-2026 10:00:00 +0000", "01-Jan-2026 10:00:00",
                                      "2026-01-01 10:00:00 +0000", "yesterday"])
def test_append_with_an_invalid_date_is_refused(imap, imap_sandbox, bad_date):
    """The date-time argument has the syntax of RFC 3501 §9 (date-time); an argument
    that does not is a protocol error, best refused (BAD or NO), appending nothing.
    SHOULD: the RFC gives no MUST to refuse malformed input (Cyrus 3.6 accepts a
    date-time without its zone)."""
    box = new_box(imap, imap_sandbox)
    raw = load("plain").with_marker("bad-date@mailspec.invalid")
    # A synchronising literal: the server can refuse before the message is sent.
    result = box.client.command("APPEND", Astring(box.name), Quoted(bad_date), Literal(raw, "sync"))
    expect(result.status in ("BAD", "NO"), f"APPEND with date {bad_date!r}",
           expected="BAD or NO", actual=result)
    status = box.client.command("STATUS", Astring(box.name), ["MESSAGES"])
    [data] = status.data_of("STATUS")
    expect_equal(data.items.get("MESSAGES"), 0, "messages after the refused APPEND")


@pytest.mark.rfc(3501, "6.3.11", "MUST")
@pytest.mark.parametrize("bad_date", ["01-Foo-2026 10:00:00 +0000", "01-Jan-2026 10:00:00",
                                      "2026-01-01 10:00:00 +0000", "yesterday"])
def test_refused_append_appends_nothing(imap, imap_sandbox, bad_date):
    """"If the append is unsuccessful for any reason, the mailbox MUST be restored to
    its state before the APPEND attempt; no partial appending is permitted": an APPEND
    refused for its malformed date-time leaves the mailbox empty. (Whether it is
    refused is the SHOULD of append-with-an-invalid-date-is-refused.)"""
    box = new_box(imap, imap_sandbox)
    raw = load("plain").with_marker("bad-date@mailspec.invalid")
    result = box.client.command("APPEND", Astring(box.name), Quoted(bad_date), Literal(raw, "sync"))
    if result.ok:
        pytest.skip(f"APPEND with date {bad_date!r} was accepted: nothing to restore")
    status = box.client.command("STATUS", Astring(box.name), ["MESSAGES"])
    [data] = status.data_of("STATUS")
    expect_equal(data.items.get("MESSAGES"), 0, f"messages after the {result.status} to APPEND")


@pytest.mark.rfc(3501, "6.3.11", "SHOULD")
def test_append_keeps_a_date_in_the_future(imap, imap_sandbox):
    """If a date-time is specified, the internal date SHOULD be set in the resulting
    message — the RFC makes no exception for a date after the current time.

    Dovecot 2.3.19 replaces a future date with the time of the APPEND."""
    moment = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=30)
    box = new_box(imap, imap_sandbox)
    stored = box.add("plain", date=moment)
    box.select()
    got = fetch_one(box.client, stored.uid, "INTERNALDATE", uid=True)["INTERNALDATE"]
    expect_equal(got, moment, "INTERNALDATE of a message appended with a date 30 days ahead")
