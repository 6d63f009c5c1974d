"""RFC 3501 §6.3.10 and §7.2.4: STATUS — every item, agreeing with what SELECT / EXAMINE
report, without changing the selected mailbox or the \\Recent flags."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import (
    STATUS_ITEMS,
    Quoted,
    expect_malformed,
    expect_no,
    expect_ok,
    message_bytes,
    run,
    select,
    setup_ok,
    status,
    strictness,
)
from ._sandbox_api import new_area


def _folder(imap_sandbox, client, *, seen=0, unseen=0):
    name = new_area(imap_sandbox, client).name("box")
    setup_ok(run(client, "CREATE", Quoted(name)), f"CREATE {name}")
    for _ in range(seen):
        imap_sandbox.append(name, message_bytes("seen"), ["\\Seen"])
    for _ in range(unseen):
        imap_sandbox.append(name, message_bytes("unseen"))
    return name


def _expected(chosen, item, unseen):
    return {
        "MESSAGES": chosen.exists,
        "RECENT": chosen.recent,
        "UIDNEXT": chosen.codes.get("UIDNEXT"),
        "UIDVALIDITY": chosen.codes.get("UIDVALIDITY"),
        "UNSEEN": unseen,
    }[item]


@pytest.mark.rfc(3501, "6.3.10", "MUST")
@pytest.mark.parametrize("item", STATUS_ITEMS)
@pytest.mark.parametrize("contents", [(0, 0), (1, 2)], ids=["empty", "one-seen-two-unseen"])
def test_status_item_agrees_with_examine(imap, imap_sandbox, item, contents):
    """Each STATUS item has the value the mailbox has: MESSAGES and RECENT as EXISTS and
    RECENT of an EXAMINE, UIDNEXT and UIDVALIDITY as its codes, UNSEEN the number of
    messages without \\Seen (as FETCH FLAGS shows them: whether APPEND set the \\Seen
    it was given is a SHOULD of §6.3.11, not this test's business)."""
    client = imap.login()
    seen, unseen = contents
    name = _folder(imap_sandbox, client, seen=seen, unseen=unseen)
    value = status(client, name, [item]).get(item)
    chosen = select(client, name, examine=True)
    expect_ok(chosen.result, "EXAMINE after STATUS")
    if item == "UNSEEN" and chosen.exists:
        unseen = _unseen_count(client)
    expect_equal(value, _expected(chosen, item, unseen), f"STATUS {item} vs EXAMINE")


def _unseen_count(client) -> int:
    fetched = expect_ok(run(client, "FETCH", "1:*", "(FLAGS)"), "FETCH 1:* (FLAGS)")
    return sum("\\seen" not in {f.lower() for f in u.data.get("FLAGS", ())}
               for u in fetched.untagged_of("FETCH"))


@pytest.mark.rfc(3501, "6.3.10", "MUST")
def test_status_answers_every_item_asked(imap, imap_sandbox):
    """STATUS with all five items answers all five, and only those."""
    client = imap.login()
    items = status(client, _folder(imap_sandbox, client, unseen=1), STATUS_ITEMS)
    expect_equal(sorted(items), sorted(STATUS_ITEMS), "the items of the STATUS response")


@pytest.mark.rfc(3501, "6.3.10", "MUST")
@pytest.mark.parametrize("item", STATUS_ITEMS)
def test_status_answers_only_the_item_asked(imap, imap_sandbox, item):
    """STATUS for one item returns that item (the response carries the requested
    status information)."""
    client = imap.login()
    items = status(client, _folder(imap_sandbox, client, unseen=1), [item])
    expect(item in items, f"STATUS ({item})", expected=item, actual=items)


@pytest.mark.rfc(3501, "6.3.10", "MUST")
def test_status_item_names_are_case_insensitive(imap, imap_sandbox):
    """Item names are case-insensitive: (messages uidnext) works like (MESSAGES UIDNEXT)."""
    client = imap.login()
    items = status(client, _folder(imap_sandbox, client, unseen=2), ["messages", "uidnext"])
    expect_equal(items.get("MESSAGES"), 2, "MESSAGES asked in lower case")


@pytest.mark.rfc(3501, "6.3.10", "MUST")
def test_status_does_not_clear_recent(imap, imap_sandbox):
    """STATUS MUST NOT cause messages to lose \\Recent: after STATUS, the first SELECT
    still reports them as recent."""
    client = imap.login()
    name = _folder(imap_sandbox, client, unseen=2)
    expect_equal(status(client, name, ["RECENT"])["RECENT"], 2, "STATUS RECENT")
    expect_equal(status(client, name, ["RECENT"])["RECENT"], 2, "STATUS RECENT again")
    expect_equal(select(client, name).recent, 2, "RECENT of the SELECT after STATUS")


@pytest.mark.rfc(3501, "6.3.10", "MUST")
def test_status_does_not_change_the_selected_mailbox(imap, imap_sandbox):
    """STATUS does not change the currently selected mailbox: after STATUS of another
    mailbox, NOOP reports nothing about it and CHECK still works on the selected one."""
    client = imap.login()
    selected = _folder(imap_sandbox, client, unseen=1)
    other = _folder(imap_sandbox, client, unseen=3)
    expect_ok(select(client, selected).result, "SELECT")
    status(client, other, ["MESSAGES"])
    noop = expect_ok(run(client, "NOOP"), "NOOP after STATUS")
    counts = [u.number for u in noop.untagged_of("EXISTS")]
    expect(
        3 not in counts,
        "EXISTS after STATUS of another mailbox",
        expected="nothing about it",
        actual=noop,
    )
    fetched = run(client, "FETCH", "1", "(UID)")
    expect_ok(fetched, "FETCH 1 in the mailbox still selected")
    expect_equal(
        len(fetched.untagged_of("FETCH")),
        1,
        "FETCH responses (the one message of the selected mailbox)",
    )


@pytest.mark.rfc(3501, "7.2.4", "MUST")
def test_status_response_names_the_mailbox(imap, imap_sandbox):
    """The STATUS response returns the mailbox name that matches the STATUS
    specification."""
    client = imap.login()
    name = _folder(imap_sandbox, client)
    result = expect_ok(run(client, "STATUS", Quoted(name), ["MESSAGES"]), "STATUS")
    expect_equal([d.mailbox for d in result.data_of("STATUS")], [name], "the mailbox in * STATUS")


@pytest.mark.rfc(3501, "6.3.10", "MUST")
def test_status_of_missing_mailbox_is_no(imap, imap_sandbox):
    """STATUS of a name that does not exist: NO ("no status for that name")."""
    client = imap.login()
    missing = new_area(imap_sandbox, client).name("never")
    expect_no(run(client, "STATUS", Quoted(missing), ["MESSAGES"]), "STATUS of a missing mailbox")


@pytest.mark.rfc(3501, "6.3.10", "MUST")
def test_status_does_not_accept_wildcards(imap, imap_sandbox):
    """Unlike LIST, STATUS does not accept wildcards: "area/*" is a name (that does not
    exist), so STATUS of it fails and returns no STATUS data for the folders."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    setup_ok(run(client, "CREATE", Quoted(area.name("x"))), "CREATE")
    result = run(client, "STATUS", Quoted(area.name("*")), ["MESSAGES"])
    expect(
        not result.ok and not result.data_of("STATUS"),
        "STATUS area/*",
        expected="NO, no STATUS data",
        actual=result,
    )


@pytest.mark.rfc(3501, "6.3.10", "MUST")
@pytest.mark.parametrize("spelling", ["INBOX", "inbox"])
def test_status_of_inbox(imap, spelling):
    """STATUS INBOX (any case) answers; MESSAGES agrees with EXAMINE INBOX, and so does
    UIDVALIDITY while INBOX holds messages."""
    client = imap.login()
    items = status(client, spelling, ["MESSAGES", "UIDVALIDITY"])
    chosen = select(client, "INBOX", examine=True)
    # RFC 3501 §2.3.1.1 binds UIDVALIDITY only to the UIDs it qualifies ("If unique
    # identifiers from an earlier session fail to persist ... MUST be greater"): an
    # empty INBOX has none, so a server may give it a new value at every open
    # (Mailutils uses the clock).
    if chosen.exists:
        got = (items["MESSAGES"], items["UIDVALIDITY"])
        want = (chosen.exists, chosen.codes.get("UIDVALIDITY"))
    else:
        got, want = items["MESSAGES"], chosen.exists
    expect_equal(got, want, f"STATUS {spelling} vs EXAMINE INBOX")


@pytest.mark.rfc(3501, "6.3.10", "MUST")
def test_status_reflects_a_new_message(imap, imap_sandbox):
    """STATUS reports the mailbox as it is now: after another session appends, MESSAGES,
    UNSEEN and UIDNEXT grow."""
    client = imap.login()
    name = _folder(imap_sandbox, client)
    before = status(client, name, ["MESSAGES", "UNSEEN", "UIDNEXT"])
    imap_sandbox.append(name, message_bytes())
    after = status(client, name, ["MESSAGES", "UNSEEN", "UIDNEXT"])
    expect(
        after["MESSAGES"] == before["MESSAGES"] + 1
        and after["UNSEEN"] == before["UNSEEN"] + 1
        and after["UIDNEXT"] > before["UIDNEXT"],
        "STATUS after an APPEND",
        expected=f"MESSAGES {before['MESSAGES'] + 1}, UNSEEN {before['UNSEEN'] + 1}, UIDNEXT > {before['UIDNEXT']}",
        actual=after,
    )


@pytest.mark.parametrize("how", strictness(3501, "6.3.10"))
@pytest.mark.parametrize(
    "items",
    [["XYZZY"], [], None, "MESSAGES"],
    ids=["unknown-item", "empty-list", "no-list", "item-not-in-list"],
)
def test_status_with_malformed_items_is_bad(imap, imap_sandbox, items, how):
    """The status items are a parenthesised list of one or more known item names;
    anything else is refused (MUST: never OK) with "BAD - command unknown or arguments
    invalid" (SHOULD: the RFC gives that result, not a MUST)."""
    client = imap.login()
    name = _folder(imap_sandbox, client)
    args = [Quoted(name)] + ([] if items is None else [items])
    expect_malformed(run(client, "STATUS", *args), how, f"STATUS with items {items!r}")


@pytest.mark.parametrize("how", strictness(3501, "6.3.10"))
def test_status_without_arguments_is_bad(imap, how):
    """STATUS needs a mailbox name and items: without them it
    is refused (MUST: never OK) with "BAD - command unknown or arguments
    invalid" (SHOULD: the RFC gives that result, not a MUST)."""
    client = imap.login()
    expect_malformed(run(client, "STATUS"), how, "STATUS without arguments")
