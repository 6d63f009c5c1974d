"""RFC 3501 §6.3.5: RENAME — the mailbox and its inferiors move, the target must not
exist, UIDs are not reused, and RENAME INBOX moves INBOX's messages."""

import itertools

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import (
    UID_REUSE_ATTEMPTS,
    Literal,
    Quoted,
    at_the_start_of_a_second,
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


def create_mailbox_with_inferior_after(client, upper, lower):
    """``upper`` exists already: CREATE its inferior (skips where \\Noinferiors)."""
    result = run(client, "CREATE", Quoted(lower))
    if not result.ok:
        entries = [e for e in listing(client, "", upper) if e.name == upper]
        if entries and entries[0].has("\\Noinferiors"):
            pytest.skip(f"mailboxes cannot have inferiors here ({upper} is \\Noinferiors)")
        setup_ok(result, f"CREATE {lower}")


def _create(client, *names):
    for name in names:
        setup_ok(run(client, "CREATE", Quoted(name)), f"CREATE {name}")


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_rename_changes_the_name(imap, imap_sandbox):
    """RENAME answers OK only if the mailbox has been renamed: the new name is listed,
    the old one is not."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    old, new = area.name("old"), area.name("new")
    _create(client, old)
    expect_ok(run(client, "RENAME", Quoted(old), Quoted(new)), "RENAME old new")
    names = _names(client, area)
    expect(
        new in names and old not in names,
        "LIST after RENAME",
        expected=f"{new} and no {old}",
        actual=sorted(names),
    )


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_rename_keeps_the_messages(imap, imap_sandbox):
    """The renamed mailbox is the same mailbox: its messages go along (STATUS MESSAGES
    of the new name counts them)."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    old, new = area.name("old"), area.name("new")
    _create(client, old)
    imap_sandbox.append(old, message_bytes())
    imap_sandbox.append(old, message_bytes())
    expect_ok(run(client, "RENAME", Quoted(old), Quoted(new)), "RENAME")
    expect_equal(
        status(client, new, ["MESSAGES"])["MESSAGES"], 2, "MESSAGES of the renamed mailbox"
    )


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_rename_of_missing_name_is_no(imap, imap_sandbox):
    """It is an error to rename from a mailbox name that does not exist: NO."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    expect_no(
        run(client, "RENAME", Quoted(area.name("never")), Quoted(area.name("x"))),
        "RENAME of a missing name",
    )
    expect(
        area.name("x") not in _names(client, area),
        "nothing was created",
        expected="no x",
        actual=sorted(_names(client, area)),
    )


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_rename_onto_existing_name_is_no(imap, imap_sandbox):
    """It is an error to rename to a mailbox name that already exists: NO, and both
    mailboxes stay as they were."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    one, two = area.name("one"), area.name("two")
    _create(client, one, two)
    imap_sandbox.append(one, message_bytes())
    expect_no(run(client, "RENAME", Quoted(one), Quoted(two)), "RENAME onto an existing name")
    expect_equal(
        (
            status(client, one, ["MESSAGES"])["MESSAGES"],
            status(client, two, ["MESSAGES"])["MESSAGES"],
        ),
        (1, 0),
        "MESSAGES of both after the refused RENAME",
    )


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_rename_onto_itself_is_no(imap, imap_sandbox):
    """Renaming a mailbox to its own name renames to a name that exists: NO."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name("self")
    _create(client, name)
    expect_no(run(client, "RENAME", Quoted(name), Quoted(name)), "RENAME name name")


@pytest.mark.rfc(3501, "6.3.5", "MUST")
@pytest.mark.parametrize("depth", [1, 2])
def test_rename_moves_inferiors(imap, imap_sandbox, depth):
    """If the name has inferior hierarchical names, they MUST also be renamed: "foo" to
    "zap" renames "foo/bar" to "zap/bar"."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    chain = [f"c{i}" for i in range(depth)]
    levels = [area.name("foo", *chain[:i]) for i in range(depth + 1)]
    setup_ok(run(client, "CREATE", Quoted(levels[0])), "CREATE foo")
    for upper, lower in itertools.pairwise(levels):
        create_mailbox_with_inferior_after(client, upper, lower)
    expect_ok(
        run(client, "RENAME", Quoted(area.name("foo")), Quoted(area.name("zap"))), "RENAME foo zap"
    )
    names = _names(client, area)
    expected = {area.name("zap", *chain[: i + 1]) for i in range(depth)}
    stale = {
        n for n in names if n == area.name("foo") or n.startswith(area.name("foo") + area.delimiter)
    }
    expect(
        expected <= names and not stale,
        "LIST after RENAME foo zap",
        expected=sorted(expected),
        actual=sorted(names),
    )


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_renamed_inferior_keeps_its_messages(imap, imap_sandbox):
    """An inferior renamed with its parent keeps its messages."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    create_mailbox_with_inferior(client, area.name("foo"), area.name("foo", "bar"))
    imap_sandbox.append(area.name("foo", "bar"), message_bytes())
    expect_ok(
        run(client, "RENAME", Quoted(area.name("foo")), Quoted(area.name("zap"))), "RENAME foo zap"
    )
    expect_equal(
        status(client, area.name("zap", "bar"), ["MESSAGES"])["MESSAGES"], 1, "MESSAGES of zap/bar"
    )


@pytest.mark.rfc(3501, "6.3.5", "SHOULD")
def test_rename_makes_superiors_of_the_target(imap, imap_sandbox):
    """Renaming to "baz/rag/zowie" SHOULD create baz/ and baz/rag/ if needed: the
    superiors are listed afterwards."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    _create(client, area.name("src"))
    target = area.name("baz", "rag", "zowie")
    expect_ok(
        run(client, "RENAME", Quoted(area.name("src")), Quoted(target)), "RENAME src baz/rag/zowie"
    )
    names = _names(client, area)
    wanted = {area.name("baz"), area.name("baz", "rag"), target}
    expect(wanted <= names, "LIST after RENAME", expected=sorted(wanted), actual=sorted(names))


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_rename_target_with_missing_superiors_is_selectable(imap, imap_sandbox):
    """Whatever superiors the server made, the renamed mailbox itself is selectable."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    _create(client, area.name("src"))
    target = area.name("deep", "er")
    expect_ok(run(client, "RENAME", Quoted(area.name("src")), Quoted(target)), "RENAME src deep/er")
    expect_ok(select(client, target).result, "SELECT of the renamed mailbox")


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_old_name_does_not_reuse_uids(imap, imap_sandbox):
    """The highest UID of the old name is preserved: a mailbox created under the old
    name afterwards has UIDNEXT above the old UIDs, unless its UIDVALIDITY differs (a
    few attempts, each at the start of a second: see UID_REUSE_ATTEMPTS)."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    old = area.name("old")
    _create(client, old)
    for attempt in range(UID_REUSE_ATTEMPTS):
        at_the_start_of_a_second()
        imap_sandbox.append(old, message_bytes())
        imap_sandbox.append(old, message_bytes())
        before = status(client, old, ["UIDNEXT", "UIDVALIDITY"])
        renamed = area.name(f"new{attempt}")
        expect_ok(run(client, "RENAME", Quoted(old), Quoted(renamed)), "RENAME")
        _create(client, old)
        after = status(client, old, ["UIDNEXT", "UIDVALIDITY"])
        if after["UIDVALIDITY"] == before["UIDVALIDITY"] and after["UIDNEXT"] < before["UIDNEXT"]:
            break
    expect(
        after["UIDVALIDITY"] != before["UIDVALIDITY"] or after["UIDNEXT"] >= before["UIDNEXT"],
        "UIDVALIDITY / UIDNEXT of the new mailbox under the old name",
        expected=f"UIDVALIDITY != {before['UIDVALIDITY']} or UIDNEXT >= {before['UIDNEXT']}",
        actual=after,
    )


@pytest.mark.parametrize("how", strictness(3501, "6.3.5"))
@pytest.mark.parametrize("args", [[], ["onlyone"]], ids=["no-names", "one-name"])
def test_rename_with_missing_arguments_is_bad(imap, args, how):
    """RENAME needs two mailbox names: with fewer it
    is refused (MUST: never OK) with "BAD - command unknown or arguments
    invalid" (SHOULD: the RFC gives that result, not a MUST)."""
    client = imap.login()
    expect_malformed(run(client, "RENAME", *args), how, f"RENAME {' '.join(args)}")


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_rename_of_selected_mailbox_in_other_session_keeps_data(imap, imap_sandbox):
    """RENAME works from the selected state as well (it is an authenticated-state
    command): after it the new name holds the messages."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    old = area.name("old")
    _create(client, old)
    imap_sandbox.append(old, message_bytes())
    _create(client, area.name("other"))
    expect_ok(select(client, area.name("other")).result, "SELECT of another folder")
    expect_ok(
        run(client, "RENAME", Quoted(old), Quoted(area.name("new"))), "RENAME in the selected state"
    )
    expect_equal(
        status(client, area.name("new"), ["MESSAGES"])["MESSAGES"],
        1,
        "MESSAGES of the renamed mailbox",
    )


# -- RENAME INBOX -------------------------------------------------------------------


@pytest.fixture
def own_inbox(imap_owns_inbox):
    if not imap_owns_inbox:
        pytest.skip("INBOX may hold mail the suite did not create (use --imap-destructive-inbox)")


@pytest.mark.rfc(3501, "6.3.5", "SHOULD")
def test_rename_inbox_is_accepted(imap, imap_sandbox, own_inbox):
    """Renaming INBOX is permitted: the server accepts RENAME INBOX to a new name. (A
    server may still refuse any command with NO, hence SHOULD.)"""
    client = imap.login()
    target = new_area(imap_sandbox, client).name("old-mail")
    expect_ok(run(client, "RENAME", "INBOX", Quoted(target)), "RENAME INBOX old-mail")


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_rename_inbox_moves_its_messages(imap, imap_sandbox, own_inbox):
    """RENAME INBOX moves all messages in INBOX to a new mailbox with the given name,
    leaving INBOX empty (and still there)."""
    client = imap.login()
    target = new_area(imap_sandbox, client).name("old-mail")
    before = status(client, "INBOX", ["MESSAGES"])["MESSAGES"]
    setup_ok(
        run(client, "APPEND", "INBOX", Literal(message_bytes("rename-inbox"))), "APPEND to INBOX"
    )
    result = run(client, "RENAME", "INBOX", Quoted(target))
    if result.status == "NO":
        pytest.skip(f"RENAME INBOX is refused here: {result}")
    expect_ok(result, "RENAME INBOX")
    expect_equal(
        status(client, target, ["MESSAGES"])["MESSAGES"], before + 1, "MESSAGES of the new mailbox"
    )
    expect_equal(
        status(client, "INBOX", ["MESSAGES"])["MESSAGES"], 0, "MESSAGES of INBOX after RENAME INBOX"
    )
    expect_ok(select(client, "INBOX", examine=True).result, "EXAMINE INBOX after RENAME INBOX")
