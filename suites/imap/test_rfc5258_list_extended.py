"""RFC 5258: LIST-EXTENDED — selection options, return options, several patterns."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import Quoted, expect_bad, expect_ok, list_data, listing, run, setup_ok
from ._sandbox_api import new_area

pytestmark = pytest.mark.imap_capability("LIST-EXTENDED", state="authenticated")


def _tree(imap_sandbox, client):
    """a, a/b (subscribed), c; "gone" subscribed but deleted."""
    area = new_area(imap_sandbox, client)
    for name in (
        area.name("a") + area.delimiter,
        area.name("a", "b"),
        area.name("c"),
        area.name("gone"),
    ):
        setup_ok(run(client, "CREATE", Quoted(name)), f"CREATE {name}")
    for parts in (("a", "b"), ("gone",)):
        setup_ok(run(client, "SUBSCRIBE", Quoted(area.name(*parts))), "SUBSCRIBE")
    setup_ok(run(client, "DELETE", Quoted(area.name("gone"))), "DELETE gone")
    return area


def _list(client, *args):
    result = expect_ok(run(client, "LIST", *args), "LIST (extended)")
    return {e.name: e for e in list_data(result)}, result


@pytest.mark.rfc(5258, "3.1", "MUST")
def test_subscribed_selection_lists_exactly_the_subscribed_names(imap, imap_sandbox):
    """With the SUBSCRIBED selection option the list includes exactly those names that
    match the pattern and are subscribed to (deleted ones too)."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries, _ = _list(client, ["SUBSCRIBED"], Quoted(""), Quoted(area.name("*")))
    expect_equal(
        sorted(entries), sorted([area.name("a", "b"), area.name("gone")]), "LIST (SUBSCRIBED)"
    )


@pytest.mark.rfc(5258, "3.1", "MUST")
def test_subscribed_selection_marks_subscribed(imap, imap_sandbox):
    """The \\Subscribed attribute MUST be accurately computed when SUBSCRIBED is
    selected (it implies the SUBSCRIBED return option)."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries, _ = _list(client, ["SUBSCRIBED"], Quoted(""), Quoted(area.name("*")))
    missing = [n for n, e in entries.items() if not e.has("\\Subscribed")]
    expect(
        not missing,
        "\\Subscribed on every name of LIST (SUBSCRIBED)",
        expected="all",
        actual=missing,
    )


@pytest.mark.rfc(5258, "3", "MUST")
def test_deleted_subscribed_name_is_nonexistent(imap, imap_sandbox):
    """A subscribed name with no mailbox is returned with \\NonExistent (which implies
    \\Noselect)."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries, _ = _list(client, ["SUBSCRIBED"], Quoted(""), Quoted(area.name("*")))
    gone = entries.get(area.name("gone"))
    expect(
        gone is not None and gone.has("\\NonExistent"),
        "the deleted subscribed name",
        expected="\\NonExistent",
        actual=gone,
    )


@pytest.mark.rfc(5258, "3.2", "MUST")
def test_return_subscribed_marks_only_subscribed(imap, imap_sandbox):
    """RETURN (SUBSCRIBED) on a normal LIST: \\Subscribed on subscribed names only, and
    the same names as without the option (return options add no names)."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    plain = {e.name for e in listing(client, "", area.name("*"))}
    entries, _ = _list(client, Quoted(""), Quoted(area.name("*")), "RETURN", ["SUBSCRIBED"])
    expect_equal(set(entries), plain, "names of LIST ... RETURN (SUBSCRIBED) vs plain LIST")
    marked = sorted(n for n, e in entries.items() if e.has("\\Subscribed"))
    expect_equal(marked, [area.name("a", "b")], "names marked \\Subscribed")


@pytest.mark.rfc(5258, "4", "MUST")
def test_return_children_gives_child_attributes(imap, imap_sandbox):
    """With RETURN (CHILDREN) the server MUST return \\HasChildren or \\HasNoChildren,
    accurately: a has children, a/b and c have none."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries, _ = _list(client, Quoted(""), Quoted(area.name("*")), "RETURN", ["CHILDREN"])
    got = {
        area.relative(n): (
            "\\HasChildren"
            if e.has("\\HasChildren")
            else "\\HasNoChildren"
            if e.has("\\HasNoChildren")
            else None
        )
        for n, e in entries.items()
    }
    d = area.delimiter
    expect_equal(
        got,
        {"a": "\\HasChildren", f"a{d}b": "\\HasNoChildren", "c": "\\HasNoChildren"},
        "child attributes",
    )


@pytest.mark.rfc(5258, "3", "SHOULD")
def test_several_patterns_answer_each_name_once(imap, imap_sandbox):
    """LIST with several patterns returns the names matching any of them; a name
    matching more than one SHOULD be returned only once."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    _, result = _list(
        client,
        Quoted(""),
        [Quoted(area.name("a")), Quoted(area.name("a*")), Quoted(area.name("c"))],
    )
    names = [e.name for e in list_data(result)]
    expect_equal(
        sorted(names),
        sorted([area.name("a"), area.name("a", "b"), area.name("c")]),
        "names for (a a* c)",
    )


@pytest.mark.rfc(5258, "3", "MUST")
def test_several_patterns_match_their_union(imap, imap_sandbox):
    """With several patterns every name matching one of them is returned."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries, _ = _list(client, Quoted(""), [Quoted(area.name("a")), Quoted(area.name("c"))])
    expect(
        set(entries) >= {area.name("a"), area.name("c")},
        'LIST "" (a c)',
        expected=[area.name("a"), area.name("c")],
        actual=sorted(entries),
    )


@pytest.mark.rfc(5258, "3", "MUST")
def test_empty_selection_list_is_a_plain_list(imap, imap_sandbox):
    """An empty selection list and an empty RETURN list ask for an ordinary LIST: the same
    names as LIST without them."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    plain = {e.name for e in listing(client, "", area.name("*"))}
    entries, _ = _list(client, [], Quoted(""), Quoted(area.name("*")), "RETURN", [])
    expect_equal(set(entries), plain, 'LIST () "" pattern RETURN () vs LIST')


@pytest.mark.rfc(5258, "3", "MUST")
def test_extended_list_does_not_treat_empty_pattern_specially(imap, imap_sandbox):
    """An extended LIST MUST NOT treat the empty mailbox name as the request for the
    delimiter: in a pattern list the empty string is ignored for matching."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries, _ = _list(client, Quoted(""), [Quoted(""), Quoted(area.name("c"))])
    expect_equal(sorted(entries), [area.name("c")], 'LIST "" ("" c)')


@pytest.mark.rfc(5258, "3", "MUST")
def test_unknown_selection_option_is_bad(imap):
    """A server MUST respond to options it does not recognise with BAD."""
    client = imap.login()
    expect_bad(
        run(client, "LIST", ["X-MAILSPEC-UNKNOWN"], Quoted(""), Quoted("*")),
        "LIST (unknown option)",
    )


@pytest.mark.rfc(5258, "3", "MUST")
def test_unknown_return_option_is_bad(imap):
    """An unknown return option is answered BAD as well."""
    client = imap.login()
    expect_bad(
        run(client, "LIST", Quoted(""), Quoted("*"), "RETURN", ["X-MAILSPEC-UNKNOWN"]),
        "LIST ... RETURN (unknown)",
    )


@pytest.mark.rfc(5258, "3.1", "MUST")
def test_recursivematch_alone_is_bad(imap):
    """RECURSIVEMATCH MUST NOT occur as the only selection option: the server returns
    a tagged BAD."""
    client = imap.login()
    expect_bad(
        run(client, "LIST", ["RECURSIVEMATCH"], Quoted(""), Quoted("%")), "LIST (RECURSIVEMATCH)"
    )


@pytest.mark.rfc(5258, "3.5", "MUST")
def test_recursivematch_reports_childinfo(imap, imap_sandbox):
    """LIST (SUBSCRIBED RECURSIVEMATCH) with "%" returns the parent of a subscribed child
    that does not itself match, with the CHILDINFO ("SUBSCRIBED") extended item."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries, _ = _list(client, ["SUBSCRIBED", "RECURSIVEMATCH"], Quoted(""), Quoted(area.name("%")))
    parent = entries.get(area.name("a"))
    info = dict(parent.extended).get("CHILDINFO") if parent else None
    expect(
        info is not None
        and b"SUBSCRIBED" in [v.upper() if isinstance(v, bytes) else v for v in info],
        "CHILDINFO of a",
        expected='a (CHILDINFO ("SUBSCRIBED"))',
        actual=parent,
    )


@pytest.mark.rfc(5258, "3.5", "MUST")
def test_no_childinfo_without_recursivematch(imap, imap_sandbox):
    """The CHILDINFO extended data item MUST NOT be returned unless the client asked for
    RECURSIVEMATCH."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries, _ = _list(client, ["SUBSCRIBED"], Quoted(""), Quoted(area.name("%")))
    with_info = [n for n, e in entries.items() if dict(e.extended).get("CHILDINFO") is not None]
    expect(not with_info, "CHILDINFO without RECURSIVEMATCH", expected="none", actual=with_info)


@pytest.mark.rfc(5258, "3", "MUST")
def test_no_extended_data_for_a_plain_list(imap, imap_sandbox):
    """The server MUST NOT return extended data items to a client that did not use the
    extended syntax: a plain LIST carries none."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    extended = [e.name for e in listing(client, "", area.name("*")) if e.extended]
    expect(not extended, "extended data in a plain LIST", expected="none", actual=extended)


@pytest.mark.rfc(5258, "3", "MUST")
def test_nonexistent_implies_noselect(imap, imap_sandbox):
    """\\NonExistent implies \\Noselect: such a name cannot be selected."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    entries, _ = _list(client, ["SUBSCRIBED"], Quoted(""), Quoted(area.name("*")))
    for name, entry in entries.items():
        if entry.has("\\NonExistent"):
            expect_equal(
                run(client, "SELECT", Quoted(name)).status,
                "NO",
                f"SELECT of the \\NonExistent {name}",
            )
