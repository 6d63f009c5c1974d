"""RFC 3501 §6.3.4: DELETE — the mailbox goes, its inferiors stay; INBOX and missing
names are errors; UIDs are not reused by a new mailbox of the same name."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import (
    UID_REUSE_ATTEMPTS,
    Quoted,
    at_the_start_of_a_second,
    by_name,
    create_mailbox_with_inferior,
    expect_malformed,
    expect_no,
    expect_ok,
    listing,
    message_bytes,
    run,
    select,
    setup_ok,
    status,
    strictness,
)
from ._sandbox_api import new_area


def _names(client, area):
    return {e.name for e in listing(client, "", area.name("*"))}


@pytest.mark.rfc(3501, "6.3.4", "MUST")
def test_delete_removes_the_mailbox(imap, imap_sandbox):
    """DELETE permanently removes the mailbox: OK, and it is no longer listed."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    name = area.name("gone")
    setup_ok(run(client, "CREATE", Quoted(name)), "CREATE")
    expect_ok(run(client, "DELETE", Quoted(name)), f"DELETE {name}")
    expect(
        name not in _names(client, area),
        "LIST after DELETE",
        expected=f"no {name}",
        actual=sorted(_names(client, area)),
    )


@pytest.mark.rfc(3501, "6.3.4", "MUST")
@pytest.mark.parametrize("after", ["SELECT", "EXAMINE", "STATUS"])
def test_deleted_mailbox_cannot_be_opened(imap, imap_sandbox, after):
    """After DELETE the name refers to nothing: SELECT / EXAMINE / STATUS of it fail."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name("gone")
    setup_ok(run(client, "CREATE", Quoted(name)), "CREATE")
    expect_ok(run(client, "DELETE", Quoted(name)), "DELETE")
    args = [Quoted(name), ["MESSAGES"]] if after == "STATUS" else [Quoted(name)]
    expect_no(run(client, after, *args), f"{after} of the deleted mailbox")


@pytest.mark.rfc(3501, "6.3.4", "MUST")
def test_delete_of_missing_name_is_no(imap, imap_sandbox):
    """It is an error to delete a mailbox name that does not exist: NO."""
    client = imap.login()
    expect_no(
        run(client, "DELETE", Quoted(new_area(imap_sandbox, client).name("never"))),
        "DELETE of a missing name",
    )


@pytest.mark.rfc(3501, "6.3.4", "MUST")
@pytest.mark.parametrize("spelling", ["INBOX", "inbox", "InBox"])
def test_delete_inbox_is_no(imap, imap_owns_inbox, spelling):
    """It is an error to attempt to delete INBOX: NO. (Runs only where INBOX holds
    nothing but the suite's mail: a server that wrongly obeyed would lose it.)"""
    if not imap_owns_inbox:
        pytest.skip("INBOX may hold mail the suite did not create (use --imap-destructive-inbox)")
    client = imap.login()
    expect_no(run(client, "DELETE", Quoted(spelling)), f"DELETE {spelling}")
    expect_ok(
        select(client, "INBOX", examine=True).result, "EXAMINE INBOX after the refused DELETE"
    )


@pytest.mark.rfc(3501, "6.3.4", "MUST")
def test_delete_keeps_inferiors(imap, imap_sandbox):
    """DELETE MUST NOT remove inferior hierarchical names: after deleting "foo" (or
    failing to), "foo/bar" still exists."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    parent, child = area.name("foo"), area.name("foo", "bar")
    create_mailbox_with_inferior(client, parent, child)
    run(client, "DELETE", Quoted(parent))
    expect(
        child in _names(client, area),
        "LIST after DELETE foo",
        expected=child,
        actual=sorted(_names(client, area)),
    )
    expect_ok(select(client, child).result, "SELECT foo/bar after DELETE foo")


@pytest.mark.rfc(3501, "6.3.4", "MUST")
def test_deleted_parent_becomes_noselect(imap, imap_sandbox):
    """Deleting a name that has inferiors and no \\Noselect is permitted; the messages
    go and the name acquires \\Noselect (if it is listed at all)."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    parent, child = area.name("foo"), area.name("foo", "bar")
    create_mailbox_with_inferior(client, parent, child)
    result = run(client, "DELETE", Quoted(parent))
    if result.status == "NO":
        pytest.skip(f"the server refuses to delete a mailbox with inferiors: {result}")
    expect_ok(result, "DELETE foo")
    entry = by_name(listing(client, "", area.name("%"))).get(parent)
    expect(
        entry is not None and entry.has("\\Noselect"),
        'LIST "%": the deleted parent as a level',
        expected=f"{parent} \\Noselect",
        actual=entry,
    )
    expect_no(run(client, "SELECT", Quoted(parent)), "SELECT of the deleted parent")


@pytest.mark.rfc(3501, "6.3.4", "MUST")
def test_delete_of_noselect_with_inferiors_is_no(imap, imap_sandbox):
    """It is an error to delete a name that has inferiors and the \\Noselect attribute."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    parent, child = area.name("foo"), area.name("foo", "bar")
    setup_ok(run(client, "CREATE", Quoted(child)), "CREATE foo/bar")
    entry = by_name(listing(client, "", parent)).get(parent)
    if entry is None or not entry.has("\\Noselect"):
        first = run(client, "DELETE", Quoted(parent))  # a real superior becomes \Noselect
        if not first.ok:
            pytest.skip(f"no \\Noselect level can be made here: {first}")
    expect_no(run(client, "DELETE", Quoted(parent)), "DELETE of a \\Noselect name with inferiors")
    expect(
        child in _names(client, area),
        "the inferior is untouched",
        expected=child,
        actual=sorted(_names(client, area)),
    )


@pytest.mark.rfc(3501, "6.3.4", "SHOULD")
def test_delete_of_noselect_after_inferiors_are_gone(imap, imap_sandbox):
    """Once the inferiors are deleted, the \\Noselect level disappears or can itself be
    deleted (as in the RFC's example A686/A687): nothing is left under the test's
    folder. The RFC shows this in an example only, hence SHOULD."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    parent, child = area.name("foo"), area.name("foo", "bar")
    setup_ok(run(client, "CREATE", Quoted(child)), "CREATE foo/bar")
    run(client, "DELETE", Quoted(parent))
    expect_ok(run(client, "DELETE", Quoted(child)), "DELETE foo/bar")
    if parent in _names(client, area):
        expect_ok(run(client, "DELETE", Quoted(parent)), "DELETE of the leftover level")
    expect_equal(_names(client, area), set(), "names under the test's folder at the end")


@pytest.mark.rfc(3501, "6.3.4", "MUST")
def test_delete_removes_the_messages(imap, imap_sandbox):
    """DELETE removes the mailbox with its messages: a new mailbox of the same name is
    empty."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name("full")
    setup_ok(run(client, "CREATE", Quoted(name)), "CREATE")
    imap_sandbox.append(name, message_bytes())
    expect_ok(run(client, "DELETE", Quoted(name)), "DELETE")
    setup_ok(run(client, "CREATE", Quoted(name)), "CREATE again")
    expect_equal(
        status(client, name, ["MESSAGES"])["MESSAGES"], 0, "MESSAGES of the re-created mailbox"
    )


@pytest.mark.rfc(3501, "6.3.4", "MUST")
def test_recreated_mailbox_does_not_reuse_uids(imap, imap_sandbox):
    """The highest UID of a deleted mailbox is preserved: a new mailbox of the same name
    has UIDNEXT above the old UIDs, unless its UIDVALIDITY differs (a few attempts, each
    at the start of a second: see UID_REUSE_ATTEMPTS)."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name("again")
    setup_ok(run(client, "CREATE", Quoted(name)), "CREATE")
    for _ in range(UID_REUSE_ATTEMPTS):
        at_the_start_of_a_second()
        imap_sandbox.append(name, message_bytes())
        imap_sandbox.append(name, message_bytes())
        old = status(client, name, ["UIDNEXT", "UIDVALIDITY"])
        expect_ok(run(client, "DELETE", Quoted(name)), "DELETE")
        setup_ok(run(client, "CREATE", Quoted(name)), "CREATE again")
        new = status(client, name, ["UIDNEXT", "UIDVALIDITY"])
        if new["UIDVALIDITY"] == old["UIDVALIDITY"] and new["UIDNEXT"] < old["UIDNEXT"]:
            break
    expect(
        new["UIDVALIDITY"] != old["UIDVALIDITY"] or new["UIDNEXT"] >= old["UIDNEXT"],
        "UIDVALIDITY / UIDNEXT of the re-created mailbox",
        expected=f"UIDVALIDITY != {old['UIDVALIDITY']} or UIDNEXT >= {old['UIDNEXT']}",
        actual=new,
    )


@pytest.mark.parametrize("how", strictness(3501, "6.3.4"))
def test_delete_without_name_is_bad(imap, how):
    """DELETE needs a mailbox name: without one it
    is refused (MUST: never OK) with "BAD - command unknown or arguments
    invalid" (SHOULD: the RFC gives that result, not a MUST)."""
    client = imap.login()
    expect_malformed(run(client, "DELETE"), how, "DELETE without a name")
