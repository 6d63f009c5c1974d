"""RFC 3501 §6.3.3: CREATE — new names, hierarchy, the trailing delimiter, names that
exist already, and INBOX."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import (
    Literal,
    Quoted,
    by_name,
    expect_malformed,
    expect_no,
    expect_ok,
    listing,
    run,
    select,
    strictness,
)
from ._sandbox_api import new_area


def _listed(client, name):
    return by_name(listing(client, "", name)).get(name)


@pytest.mark.rfc(3501, "6.3.3", "MUST")
def test_create_makes_a_selectable_empty_mailbox(imap, imap_sandbox):
    """CREATE answers OK only if a new mailbox with that name has been created: it is
    listed, without \\Noselect, and SELECT shows it empty."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name("fresh")
    expect_ok(run(client, "CREATE", Quoted(name)), f"CREATE {name}")
    entry = _listed(client, name)
    expect(
        entry is not None and not entry.has("\\Noselect"),
        "LIST of the new mailbox",
        expected=f"{name} listed, selectable",
        actual=entry,
    )
    chosen = select(client, name)
    expect_ok(chosen.result, f"SELECT {name}")
    expect_equal(chosen.exists, 0, "EXISTS of a new mailbox")


@pytest.mark.rfc(3501, "6.3.3", "MUST")
@pytest.mark.parametrize("form", ["atom", "quoted", "literal"])
def test_create_accepts_every_string_form(imap, imap_sandbox, form):
    """The mailbox name is an astring: atom, quoted string and literal all name it."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name("form-" + form)
    arg = {"atom": name, "quoted": Quoted(name), "literal": Literal(name.encode())}[form]
    expect_ok(run(client, "CREATE", arg), f"CREATE with a {form} name")
    expect(_listed(client, name) is not None, "the mailbox is listed", expected=name, actual=None)


@pytest.mark.rfc(3501, "6.3.3", "MUST")
def test_create_of_existing_name_is_no(imap, imap_sandbox):
    """It is an error to create a mailbox with a name that refers to an extant mailbox:
    tagged NO."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name("twice")
    expect_ok(run(client, "CREATE", Quoted(name)), "the first CREATE")
    expect_no(run(client, "CREATE", Quoted(name)), "CREATE of an existing name")


@pytest.mark.rfc(3501, "6.3.3", "MUST")
def test_create_of_existing_name_with_trailing_delimiter_is_no(imap, imap_sandbox):
    """The name created is without the trailing delimiter, so "name/" when "name" exists
    refers to the extant mailbox: NO."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    name = area.name("exists")
    expect_ok(run(client, "CREATE", Quoted(name)), "the first CREATE")
    expect_no(run(client, "CREATE", Quoted(name + area.delimiter)), "CREATE of name + delimiter")


@pytest.mark.rfc(3501, "6.3.3", "MUST")
@pytest.mark.parametrize("spelling", ["INBOX", "inbox", "Inbox", "InBoX"])
def test_create_inbox_is_no(imap, spelling):
    """It is an error to attempt to create INBOX (case-insensitive, §5.1): NO."""
    client = imap.login()
    expect_no(run(client, "CREATE", Quoted(spelling)), f"CREATE {spelling}")


@pytest.mark.rfc(3501, "6.3.3", "MUST")
def test_trailing_delimiter_is_not_part_of_the_name(imap, imap_sandbox):
    """CREATE "name/" declares that names will be created under it; in any case the
    name created is without the trailing hierarchy delimiter."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    name = area.name("parent")
    expect_ok(
        run(client, "CREATE", Quoted(name + area.delimiter)), "CREATE with a trailing delimiter"
    )
    names = [e.name for e in listing(client, "", area.name("*"))]
    expect(name in names, "the created name", expected=name, actual=names)
    expect(
        name + area.delimiter not in names,
        "no name ending in the delimiter",
        expected="none",
        actual=names,
    )


@pytest.mark.rfc(3501, "6.3.3", "MUST")
def test_children_can_be_created_after_trailing_delimiter(imap, imap_sandbox):
    """After CREATE "name/", a mailbox under it can be created and is listed."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    expect_ok(run(client, "CREATE", Quoted(area.name("p") + area.delimiter)), "CREATE p/")
    child = area.name("p", "c")
    expect_ok(run(client, "CREATE", Quoted(child)), "CREATE p/c")
    expect(_listed(client, child) is not None, "the child is listed", expected=child, actual=None)


@pytest.mark.rfc(3501, "6.3.3", "SHOULD")
@pytest.mark.parametrize("depth", [2, 3])
def test_create_makes_superiors(imap, imap_sandbox, depth):
    """CREATE "foo/bar/zap" SHOULD create foo/ and foo/bar/ if they do not exist: each
    superior is listed afterwards (as a mailbox or a \\Noselect level)."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    parts = [f"s{i}" for i in range(depth + 1)]
    expect_ok(run(client, "CREATE", Quoted(area.name(*parts))), f"CREATE {area.name(*parts)}")
    names = {e.name for e in listing(client, "", area.name("*"))}
    missing = [
        area.name(*parts[:i]) for i in range(1, depth + 1) if area.name(*parts[:i]) not in names
    ]
    expect(not missing, "the superiors are listed", expected="every level", actual=sorted(names))


@pytest.mark.rfc(3501, "6.3.3", "MUST")
def test_create_deep_name_is_listed(imap, imap_sandbox):
    """The mailbox a CREATE of a hierarchical name made is itself listed as selectable."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    name = area.name("d1", "d2", "d3")
    expect_ok(run(client, "CREATE", Quoted(name)), f"CREATE {name}")
    entry = _listed(client, name)
    expect(
        entry is not None and not entry.has("\\Noselect"),
        "LIST of the deep mailbox",
        expected="selectable",
        actual=entry,
    )


@pytest.mark.rfc(3501, "6.3.3", "MUST")
def test_create_of_noselect_level_makes_it_a_mailbox(imap, imap_sandbox):
    """A \\Noselect level (made by creating an inferior) is not an extant mailbox: if
    CREATE of its name answers OK (which it returns only if a new mailbox has been
    created), the name is selectable afterwards."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    expect_ok(run(client, "CREATE", Quoted(area.name("lvl", "kid"))), "CREATE lvl/kid")
    level = area.name("lvl")
    entry = _listed(client, level)
    if entry is None or not entry.has("\\Noselect"):
        pytest.skip("the server made the superior a mailbox already")
    result = run(client, "CREATE", Quoted(level))
    if result.status == "NO":
        pytest.skip(f"the server keeps hierarchy levels and mailboxes apart: {result}")
    expect_ok(result, "CREATE of the \\Noselect level")
    expect_ok(select(client, level).result, "SELECT of the level after CREATE")


@pytest.mark.rfc(3501, "6.3.3", "MUST")
@pytest.mark.parametrize(
    "word",
    ["with space", 'quote"inside', "back\\slash", "paren(s)", "brace{x}", "bracket]", "Mixed.Case"],
    ids=["space", "quote", "backslash", "parens", "brace", "bracket", "mixed-case"],
)
def test_created_name_round_trips(imap, imap_sandbox, word):
    """A name with atom-specials, sent quoted, is created under exactly that name (or
    refused with NO): LIST answers it byte for byte."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    name = area.name(word)
    result = run(client, "CREATE", Quoted(name))
    if result.status == "NO":
        pytest.skip(f"the server does not allow {word!r} in names: {result}")
    expect_ok(result, f"CREATE {name!r}")
    names = [e.name for e in listing(client, "", area.name("*"))]
    expect(name in names, "LIST after CREATE", expected=name, actual=names)


@pytest.mark.parametrize("how", strictness(3501, "6.3.3"))
def test_create_without_name_is_bad(imap, how):
    """CREATE needs a mailbox name: without one it
    is refused (MUST: never OK) with "BAD - command unknown or arguments
    invalid" (SHOULD: the RFC gives that result, not a MUST)."""
    client = imap.login()
    expect_malformed(run(client, "CREATE"), how, "CREATE without a name")


@pytest.mark.rfc(3501, "6.3.3", "MUST")
def test_create_in_selected_state(imap, imap_sandbox):
    """CREATE is valid in the selected state too (§6.4: authenticated-state commands
    remain valid)."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    expect_ok(run(client, "CREATE", Quoted(area.name("opened"))), "CREATE")
    expect_ok(select(client, area.name("opened")).result, "SELECT of a folder of the test's")
    name = area.name("while-selected")
    expect_ok(run(client, "CREATE", Quoted(name)), "CREATE in the selected state")
    expect(
        _listed(client, name) is not None, "the new mailbox is listed", expected=name, actual=None
    )
