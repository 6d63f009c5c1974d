"""RFC 3501 §6.3.6 / §6.3.7 (and §6.3.9): SUBSCRIBE and UNSUBSCRIBE, seen through LSUB."""

import pytest
from mailspec.fixtures.requirements import expect

from ._imap_helpers import Quoted, expect_malformed, expect_ok, listing, run, setup_ok, strictness
from ._sandbox_api import new_area


def _subscribed(client, area):
    return {e.name for e in listing(client, "", area.name("*"), command="LSUB")}


def _made(imap_sandbox, client, *parts):
    area = new_area(imap_sandbox, client)
    name = area.name(*parts)
    setup_ok(run(client, "CREATE", Quoted(name)), f"CREATE {name}")
    return area, name


@pytest.mark.rfc(3501, "6.3.6", "MUST")
def test_subscribe_adds_to_lsub(imap, imap_sandbox):
    """SUBSCRIBE adds the name to the set of subscribed mailboxes that LSUB returns."""
    client = imap.login()
    area, name = _made(imap_sandbox, client, "sub")
    expect_ok(run(client, "SUBSCRIBE", Quoted(name)), f"SUBSCRIBE {name}")
    names = _subscribed(client, area)
    expect(name in names, "LSUB after SUBSCRIBE", expected=name, actual=sorted(names))


@pytest.mark.rfc(3501, "6.3.9", "MUST")
def test_lsub_lists_only_subscribed_names(imap, imap_sandbox):
    """LSUB returns names from the subscribed set only: an existing mailbox that was
    never subscribed is not in it."""
    client = imap.login()
    area, name = _made(imap_sandbox, client, "sub")
    other = area.name("plain")
    setup_ok(run(client, "CREATE", Quoted(other)), "CREATE")
    expect_ok(run(client, "SUBSCRIBE", Quoted(name)), "SUBSCRIBE")
    names = _subscribed(client, area)
    expect(names == {name}, "LSUB of the test's folder", expected=[name], actual=sorted(names))


@pytest.mark.rfc(3501, "6.3.7", "MUST")
def test_unsubscribe_removes_from_lsub(imap, imap_sandbox):
    """UNSUBSCRIBE removes the name from the subscribed set: LSUB no longer returns it."""
    client = imap.login()
    area, name = _made(imap_sandbox, client, "sub")
    setup_ok(run(client, "SUBSCRIBE", Quoted(name)), "SUBSCRIBE")
    expect_ok(run(client, "UNSUBSCRIBE", Quoted(name)), "UNSUBSCRIBE")
    names = _subscribed(client, area)
    expect(name not in names, "LSUB after UNSUBSCRIBE", expected=f"no {name}", actual=sorted(names))


@pytest.mark.rfc(3501, "6.3.6", "MUST")
def test_subscription_outlives_the_mailbox(imap, imap_sandbox):
    """The server MUST NOT unilaterally remove a name from the subscription list even
    if no mailbox by that name exists any more: after DELETE, LSUB still returns it."""
    client = imap.login()
    area, name = _made(imap_sandbox, client, "sub")
    setup_ok(run(client, "SUBSCRIBE", Quoted(name)), "SUBSCRIBE")
    expect_ok(run(client, "DELETE", Quoted(name)), "DELETE of the subscribed mailbox")
    names = _subscribed(client, area)
    expect(name in names, "LSUB after DELETE", expected=name, actual=sorted(names))


@pytest.mark.rfc(3501, "6.3.6", "MUST")
def test_subscribe_to_missing_name_is_kept_if_accepted(imap, imap_sandbox):
    """A server MAY refuse to subscribe a name that does not exist; if it answers OK,
    the subscription was made and LSUB returns the name."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    name = area.name("not-there")
    result = run(client, "SUBSCRIBE", Quoted(name))
    if result.status == "NO":
        pytest.skip("the server validates SUBSCRIBE (permitted)")
    expect_ok(result, "SUBSCRIBE of a missing name")
    names = _subscribed(client, area)
    expect(name in names, "LSUB after SUBSCRIBE", expected=name, actual=sorted(names))


@pytest.mark.rfc(3501, "6.3.6", "MUST")
def test_subscription_is_seen_by_another_session(imap, imap_sandbox):
    """The subscription list is the server's: another session's LSUB returns the name."""
    client = imap.login()
    area, name = _made(imap_sandbox, client, "sub")
    setup_ok(run(client, "SUBSCRIBE", Quoted(name)), "SUBSCRIBE")
    other = imap.login()
    names = _subscribed(other, area)
    expect(name in names, "LSUB in another session", expected=name, actual=sorted(names))


@pytest.mark.rfc(3501, "6.3.9", "MUST")
def test_lsub_percent_shows_unsubscribed_parent_as_noselect(imap, imap_sandbox):
    """With "foo/bar" subscribed and "foo" not, LSUB with "%" returns foo, not foo/bar,
    and it MUST be flagged \\Noselect."""
    client = imap.login()
    area, name = _made(imap_sandbox, client, "foo", "bar")
    setup_ok(run(client, "SUBSCRIBE", Quoted(name)), "SUBSCRIBE foo/bar")
    entries = {e.name: e for e in listing(client, "", area.name("%"), command="LSUB")}
    parent = area.name("foo")
    expect(
        parent in entries and name not in entries,
        'LSUB "%"',
        expected=[parent],
        actual=sorted(entries),
    )
    expect(
        entries[parent].has("\\Noselect"),
        "the attributes of foo in LSUB %",
        expected="\\Noselect",
        actual=entries[parent].attributes,
    )


@pytest.mark.rfc(3501, "6.3.9", "MUST")
def test_lsub_star_returns_the_subscribed_inferior(imap, imap_sandbox):
    """LSUB with "*" matches across levels: the subscribed foo/bar is returned."""
    client = imap.login()
    area, name = _made(imap_sandbox, client, "foo", "bar")
    setup_ok(run(client, "SUBSCRIBE", Quoted(name)), "SUBSCRIBE foo/bar")
    names = _subscribed(client, area)
    expect(name in names, 'LSUB "*"', expected=name, actual=sorted(names))


@pytest.mark.parametrize("how", strictness(3501, "6.3.6"))
@pytest.mark.parametrize("command", ["SUBSCRIBE", "UNSUBSCRIBE"])
def test_missing_mailbox_argument_is_bad(imap, command, how):
    """SUBSCRIBE / UNSUBSCRIBE need a mailbox name: without one the command
    is refused (MUST: never OK) with "BAD - command unknown or arguments
    invalid" (SHOULD: the RFC gives that result, not a MUST)."""
    client = imap.login()
    expect_malformed(run(client, command), how, f"{command} without a name")


@pytest.mark.parametrize("how", strictness(3501, "6.3.9"))
@pytest.mark.parametrize("args", [[], [Quoted("")]], ids=["no-arguments", "one-argument"])
def test_lsub_with_missing_arguments_is_bad(imap, args, how):
    """LSUB takes a reference and a mailbox pattern: with fewer it
    is refused (MUST: never OK) with "BAD - command unknown or arguments
    invalid" (SHOULD: the RFC gives that result, not a MUST)."""
    client = imap.login()
    expect_malformed(run(client, "LSUB", *args), how, "LSUB with missing arguments")
