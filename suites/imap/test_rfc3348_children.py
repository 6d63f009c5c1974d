"""RFC 3348: the CHILDREN extension — \\HasChildren and \\HasNoChildren in LIST."""

import pytest
from mailspec.fixtures.requirements import expect

from ._imap_helpers import Quoted, by_name, expect_ok, listing, run, setup_ok
from ._sandbox_api import new_area

pytestmark = pytest.mark.imap_capability("CHILDREN", state="authenticated")


def _tree(imap_sandbox, client):
    area = new_area(imap_sandbox, client)
    # "p/" declares the hierarchy (RFC 3501 §6.3.3) for servers that need it.
    for name in (area.name("p") + area.delimiter, area.name("p", "c"), area.name("leaf")):
        setup_ok(run(client, "CREATE", Quoted(name)), f"CREATE {name}")
    return area


@pytest.mark.rfc(3348, "3", "MUST")
@pytest.mark.parametrize("pattern", ["*", "%"])
def test_never_both_attributes(imap, imap_sandbox, pattern):
    """It is an error for the server to return both \\HasChildren and \\HasNoChildren in
    one LIST response."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    both = [
        e.name
        for e in listing(client, "", area.name(pattern))
        if e.has("\\HasChildren") and e.has("\\HasNoChildren")
    ]
    expect(not both, "names with both attributes", expected="none", actual=both)


@pytest.mark.rfc(3348, "3", "MUST")
@pytest.mark.parametrize("pattern", ["*", "%"])
def test_haschildren_means_a_child_exists(imap, imap_sandbox, pattern):
    """\\HasChildren indicates that the mailbox has child mailboxes: every name so marked
    has a listed inferior."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    everything = [e.name for e in listing(client, "", area.name("*"))]
    wrong = [
        e.name
        for e in listing(client, "", area.name(pattern))
        if e.has("\\HasChildren")
        and not any(n.startswith(e.name + area.delimiter) for n in everything)
    ]
    expect(not wrong, "\\HasChildren without a child", expected="none", actual=wrong)


@pytest.mark.rfc(3348, "3", "MUST")
@pytest.mark.parametrize("pattern", ["*", "%"])
def test_hasnochildren_means_no_child(imap, imap_sandbox, pattern):
    """\\HasNoChildren indicates that the mailbox has no child mailboxes: no name so
    marked has a listed inferior."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    everything = [e.name for e in listing(client, "", area.name("*"))]
    wrong = [
        e.name
        for e in listing(client, "", area.name(pattern))
        if e.has("\\HasNoChildren")
        and any(n.startswith(e.name + area.delimiter) for n in everything)
    ]
    expect(not wrong, "\\HasNoChildren with a child", expected="none", actual=wrong)


@pytest.mark.rfc(3348, "3", "MUST")
def test_attributes_follow_a_new_child(imap, imap_sandbox):
    """The attributes reflect the mailbox now: after a child is created under "leaf",
    LIST no longer calls it \\HasNoChildren."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    result = run(client, "CREATE", Quoted(area.name("leaf", "new")))
    if not result.ok:
        leaf = {e.name: e for e in listing(client, "", area.name("leaf"))}.get(area.name("leaf"))
        if leaf is not None and leaf.has("\\Noinferiors"):
            pytest.skip("mailboxes cannot have inferiors here (\\Noinferiors)")
        setup_ok(result, "CREATE leaf/new")
    entry = by_name(listing(client, "", area.name("leaf"))).get(area.name("leaf"))
    expect(
        entry is not None and not entry.has("\\HasNoChildren"),
        "LIST leaf after creating leaf/new",
        expected="not \\HasNoChildren",
        actual=entry,
    )


@pytest.mark.rfc(3348, "3", "MUST")
def test_attributes_follow_a_deleted_child(imap, imap_sandbox):
    """After the only child of "p" is deleted, LIST no longer calls p \\HasChildren (a
    level that existed only for the child may also vanish)."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    expect_ok(run(client, "DELETE", Quoted(area.name("p", "c"))), "DELETE p/c")
    entry = by_name(listing(client, "", area.name("p"))).get(area.name("p"))
    expect(
        entry is None or not entry.has("\\HasChildren"),
        "LIST p after deleting p/c",
        expected="not \\HasChildren",
        actual=entry,
    )
