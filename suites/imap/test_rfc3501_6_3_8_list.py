"""RFC 3501 §6.3.8 and §7.2.2: LIST — reference and pattern, "*" and "%", the empty
pattern, INBOX, and the name attributes."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import (
    Literal,
    Quoted,
    by_name,
    expect_malformed,
    expect_no_duplicates,
    expect_ok,
    listing,
    run,
    select,
    setup_ok,
    strictness,
)
from ._sandbox_api import new_area

# A small tree under the test's folder: a, a/b, a/b/c, a/d, e (names relative).
TREE = [("a",), ("a", "b"), ("a", "b", "c"), ("a", "d"), ("e",)]


def _tree(imap_sandbox, client):
    """Names with inferiors are created with the trailing delimiter (the declaration of
    RFC 3501 §6.3.3), so servers whose mailboxes cannot have inferiors make them levels."""
    area = new_area(imap_sandbox, client)
    for parts in TREE:
        has_inferiors = any(other[: len(parts)] == parts and other != parts for other in TREE)
        name = area.name(*parts) + (area.delimiter if has_inferiors else "")
        setup_ok(run(client, "CREATE", Quoted(name)), f"CREATE {name}")
    return area


def _rel(area, entries):
    return sorted(area.relative(e.name) for e in entries if area.relative(e.name) is not None)


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_empty_pattern_returns_the_delimiter(imap):
    """LIST "" "" returns the hierarchy delimiter (or NIL) and the root name, even when
    no mailbox by that name exists: one LIST response."""
    client = imap.login()
    entries = listing(client, "", "")
    expect_equal(len(entries), 1, 'LIST responses to LIST "" ""')
    expect(
        entries[0].delimiter is None or len(entries[0].delimiter) == 1,
        "the delimiter",
        expected="one character or NIL",
        actual=entries[0].delimiter,
    )


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_empty_pattern_with_reference_returns_the_delimiter(imap, imap_sandbox):
    """LIST <reference> "" returns the delimiter and the root of the reference."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    entries = listing(client, area.root, "")
    expect_equal(len(entries), 1, 'LIST responses to LIST <reference> ""')
    expect_equal(entries[0].delimiter, area.delimiter, "the delimiter for the reference")


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_star_matches_every_level(imap, imap_sandbox):
    """ "*" matches zero or more characters, the delimiter included: LIST "" "area/*"
    returns the whole tree."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries = listing(client, "", area.name("*"))
    expect_equal(
        _rel(area, entries),
        sorted("/".join(p).replace("/", area.delimiter) for p in TREE),
        "LIST area/*",
    )


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_percent_matches_one_level(imap, imap_sandbox):
    """ "%" is like "*" but does not match the delimiter: LIST "" "area/%" returns only
    the first level."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    expect_equal(_rel(area, listing(client, "", area.name("%"))), ["a", "e"], "LIST area/%")


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_percent_in_the_middle(imap, imap_sandbox):
    """ "%" in the middle matches one level: "area/%/b" finds a/b only."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    got = _rel(area, listing(client, "", area.name("%", "b")))
    expect_equal(got, [area.delimiter.join(["a", "b"])], "LIST area/%/b")


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_star_inside_a_name(imap, imap_sandbox):
    """ "*" inside a pattern: "area/a*c" matches a/b/c (and nothing that does not end in c)."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    got = _rel(area, listing(client, "", area.name("a*c")))
    expect_equal(got, [area.delimiter.join(["a", "b", "c"])], "LIST area/a*c")


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_pattern_without_wildcards_returns_that_name(imap, imap_sandbox):
    """A pattern with no wildcard returns exactly that mailbox."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    got = _rel(area, listing(client, "", area.name("a", "d")))
    expect_equal(got, [area.delimiter.join(["a", "d"])], "LIST area/a/d")


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_pattern_matching_nothing_returns_nothing(imap, imap_sandbox):
    """A pattern that matches no name: OK with no LIST responses."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    expect_equal(listing(client, "", area.name("zz*")), [], "LIST area/zz*")


@pytest.mark.rfc(3501, "6.3.8", "MUST")
@pytest.mark.parametrize("pattern", ["*", "%", "a*", "%/%"])
def test_returned_names_match_the_pattern(imap, imap_sandbox, pattern):
    """The returned mailbox names MUST match the supplied pattern: under the test's
    folder, every name answered for "area/<pattern>" matches it."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    pat = pattern.replace("/", area.delimiter)
    entries = listing(client, "", area.name(pat))
    bad = [r for r in _rel(area, entries) if not _matches(pat, r, area.delimiter)]
    expect(not bad, f"names answered for area/{pat}", expected="only matching names", actual=bad)


@pytest.mark.rfc(3501, "7.2.2", "MUST")
@pytest.mark.parametrize("pattern", ["*", "%"])
def test_each_name_is_answered_once(imap, imap_sandbox, pattern):
    """Each LIST response returns a single name; no name is answered twice."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    expect_no_duplicates(listing(client, "", area.name(pattern)), f"LIST area/{pattern}")


@pytest.mark.rfc(3501, "6.3.8", "SHOULD")
@pytest.mark.parametrize("pattern", ["*", "%"])
def test_reference_prefixes_the_interpreted_name(imap, imap_sandbox, pattern):
    """With reference "area/" and pattern "*", the answered names are the same as for
    "" and "area/*": the part of the reference that is used prefixes each name."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    with_reference = sorted(e.name for e in listing(client, area.root + area.delimiter, pattern))
    without = sorted(e.name for e in listing(client, "", area.name(pattern)))
    expect_equal(with_reference, without, f'LIST area/ {pattern} vs LIST "" area/{pattern}')


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_trailing_percent_returns_levels_as_noselect(imap, imap_sandbox):
    """When "%" is the last character, matching levels of hierarchy are returned too;
    if they are not selectable mailboxes they carry \\Noselect."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    setup_ok(run(client, "CREATE", Quoted(area.name("lvl", "leaf"))), "CREATE lvl/leaf")
    entries = by_name(listing(client, "", area.name("%")))
    level = area.name("lvl")
    expect(
        level in entries,
        "LIST area/% with only lvl/leaf inside",
        expected=level,
        actual=sorted(entries),
    )
    if entries[level].has("\\Noselect"):
        expect_equal(select(client, level).result.status, "NO", "SELECT of the \\Noselect level")
    else:
        expect_ok(select(client, level).result, "SELECT of the level listed as selectable")


@pytest.mark.rfc(3501, "6.3.8", "MUST")
@pytest.mark.parametrize("pattern", ["INBOX", "*", "%"])
def test_inbox_is_listed(imap, pattern):
    """INBOX is included in the output of LIST when "INBOX" matches the pattern (it
    can be selected)."""
    client = imap.login()
    names = {e.name.upper() for e in listing(client, "", pattern)}
    expect("INBOX" in names, f'LIST "" {pattern}', expected="INBOX", actual=sorted(names)[:20])


@pytest.mark.rfc(3501, "7.2.2", "MUST")
def test_listed_names_are_selectable_unless_noselect(imap, imap_sandbox):
    """Unless \\Noselect is indicated, a listed name is valid for SELECT (here EXAMINE,
    for every name in the test's folder)."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    for entry in listing(client, "", area.name("*")):
        if not entry.has("\\Noselect"):
            expect_ok(select(client, entry.name, examine=True).result, f"EXAMINE {entry.name}")


@pytest.mark.rfc(3501, "7.2.2", "MUST")
def test_listed_names_are_valid_references(imap, imap_sandbox):
    """A listed name is valid as a LIST reference: LIST "<a>/" "%" returns a's children."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    got = sorted(e.name for e in listing(client, area.name("a") + area.delimiter, "%"))
    expect_equal(got, sorted([area.name("a", "b"), area.name("a", "d")]), "LIST area/a/ %")


@pytest.mark.rfc(3501, "7.2.2", "MUST")
def test_one_delimiter_throughout_the_hierarchy(imap, imap_sandbox):
    """All children of a top-level node use the same separator character."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    delimiters = {e.delimiter for e in listing(client, "", area.name("*"))}
    expect_equal(delimiters, {area.delimiter}, "delimiters in the test's tree")


@pytest.mark.rfc(3501, "7.2.2", "MUST")
def test_noinferiors_and_children_do_not_meet(imap, imap_sandbox):
    """\\Noinferiors means no child levels exist: no listed name carries \\Noinferiors
    while a name under it is listed."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries = listing(client, "", area.name("*"))
    names = [e.name for e in entries]
    wrong = [
        e.name
        for e in entries
        if e.has("\\Noinferiors") and any(n.startswith(e.name + area.delimiter) for n in names)
    ]
    expect(not wrong, "\\Noinferiors on names with children", expected="none", actual=wrong)


@pytest.mark.rfc(3501, "7.2.2", "SHOULD")
def test_no_marked_on_noselect(imap, imap_sandbox):
    """For a \\Noselect name the server SHOULD NOT send \\Marked or \\Unmarked."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    setup_ok(run(client, "CREATE", Quoted(area.name("lvl", "leaf"))), "CREATE lvl/leaf")
    wrong = [
        e.name
        for e in listing(client, "", area.name("*"))
        if e.has("\\Noselect") and (e.has("\\Marked") or e.has("\\Unmarked"))
    ]
    expect(not wrong, "\\Marked / \\Unmarked on \\Noselect names", expected="none", actual=wrong)


@pytest.mark.rfc(3501, "7.2.2", "MUST")
def test_marked_and_unmarked_never_together(imap, imap_sandbox):
    """\\Marked (probably new messages) and \\Unmarked (no new messages) contradict each
    other: no name carries both."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    wrong = [
        e.name
        for e in listing(client, "", area.name("*"))
        if e.has("\\Marked") and e.has("\\Unmarked")
    ]
    expect(not wrong, "names with \\Marked and \\Unmarked", expected="none", actual=wrong)


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_list_accepts_literal_arguments(imap, imap_sandbox):
    """Reference and pattern are strings: sent as literals they work the same."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    result = expect_ok(
        run(client, "LIST", Literal(b""), Literal(area.name("%").encode())), "LIST with literals"
    )
    expect_equal(_rel(area, result.data_of("LIST")), ["a", "e"], "LIST {0} {n} area/%")


@pytest.mark.rfc(3501, "6.3.8", "MUST")
def test_list_in_selected_state(imap, imap_sandbox):
    """LIST works in the selected state too."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    expect_ok(select(client, area.name("e"), examine=True).result, "EXAMINE")
    expect_equal(_rel(area, listing(client, "", area.name("%"))), ["a", "e"], "LIST while selected")


@pytest.mark.parametrize("how", strictness(3501, "6.3.8"))
@pytest.mark.parametrize("args", [[], [Quoted("")]], ids=["no-arguments", "one-argument"])
def test_list_with_missing_arguments_is_bad(imap, args, how):
    """LIST takes a reference and a mailbox pattern: with fewer it
    is refused (MUST: never OK) with "BAD - command unknown or arguments
    invalid" (SHOULD: the RFC gives that result, not a MUST)."""
    client = imap.login()
    expect_malformed(run(client, "LIST", *args), how, "LIST with missing arguments")


def _matches(pattern: str, name: str, delimiter: str) -> bool:
    """RFC 3501 §6.3.8 wildcard matching: "*" anything, "%" anything but the delimiter."""
    if not pattern:
        return not name
    head = pattern[0]
    if head == "*":
        return any(_matches(pattern[1:], name[i:], delimiter) for i in range(len(name) + 1))
    if head == "%":
        for i in range(len(name) + 1):
            if delimiter in name[:i]:
                break
            if _matches(pattern[1:], name[i:], delimiter):
                return True
        return False
    return bool(name) and name[0] == head and _matches(pattern[1:], name[1:], delimiter)
