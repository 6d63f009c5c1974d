"""RFC 6154: SPECIAL-USE — mailbox attributes for well-known roles."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import Quoted, expect_ok, list_data, listing, run, setup_ok
from ._sandbox_api import new_area

pytestmark = pytest.mark.imap_capability("SPECIAL-USE", state="authenticated")

SPECIAL_USES = {"\\all", "\\archive", "\\drafts", "\\flagged", "\\junk", "\\sent", "\\trash"}


def _needs_list_extended(imap_capabilities):
    # A function-level imap_capability marker would replace the module's SPECIAL-USE
    # gate (the closest marker wins), so the second condition is checked here.
    if not imap_capabilities.has("LIST-EXTENDED", "authenticated"):
        pytest.skip("CAPABILITY does not announce LIST-EXTENDED in the authenticated state")


@pytest.mark.rfc(6154, "2", "MUST")
def test_special_use_names_are_selectable(imap):
    """A mailbox with a special-use attribute is a real mailbox: EXAMINE of each one
    listed works (unless it is \\Noselect)."""
    client = imap.login()
    for entry in listing(client, "", "*"):
        uses = {a.lower() for a in entry.attributes} & SPECIAL_USES
        if uses and not entry.has("\\Noselect") and not entry.has("\\NonExistent"):
            expect_ok(
                run(client, "EXAMINE", Quoted(entry.name)), f"EXAMINE {entry.name} {sorted(uses)}"
            )


@pytest.mark.rfc(6154, "5.1", "MUST")
def test_special_use_selection_lists_only_special_use_mailboxes(imap, imap_capabilities):
    """LIST (SPECIAL-USE) returns only mailboxes that have a special-use attribute
    (servers with SPECIAL-USE and LIST-EXTENDED support the option)."""
    _needs_list_extended(imap_capabilities)
    client = imap.login()
    result = expect_ok(
        run(client, "LIST", ["SPECIAL-USE"], Quoted(""), Quoted("*")), "LIST (SPECIAL-USE)"
    )
    plain = [
        e.name for e in list_data(result) if not {a.lower() for a in e.attributes} & SPECIAL_USES
    ]
    expect(not plain, "names without a special use", expected="none", actual=plain)


@pytest.mark.rfc(6154, "5.1", "MUST")
def test_return_special_use_matches_selection(imap, imap_capabilities):
    """The special-use mailboxes found with LIST ... RETURN (SPECIAL-USE) are those that
    LIST (SPECIAL-USE) selects."""
    _needs_list_extended(imap_capabilities)
    client = imap.login()
    returned = expect_ok(
        run(client, "LIST", Quoted(""), Quoted("*"), "RETURN", ["SPECIAL-USE"]),
        "RETURN (SPECIAL-USE)",
    )
    selected = expect_ok(
        run(client, "LIST", ["SPECIAL-USE"], Quoted(""), Quoted("*")), "LIST (SPECIAL-USE)"
    )
    with_use = sorted(
        e.name for e in list_data(returned) if {a.lower() for a in e.attributes} & SPECIAL_USES
    )
    expect_equal(
        with_use, sorted(e.name for e in list_data(selected)), "special-use mailboxes, two ways"
    )


@pytest.mark.rfc(6154, "2", "MUST")
def test_sandbox_folders_have_no_special_use(imap, imap_sandbox):
    """Special-use attributes are set by configuration or CREATE-SPECIAL-USE, never on
    a plain new folder."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    setup_ok(run(client, "CREATE", Quoted(area.name("Trash"))), "CREATE Trash")
    entries = listing(client, "", area.name("*"))
    wrong = [e.name for e in entries if {a.lower() for a in e.attributes} & SPECIAL_USES]
    expect(not wrong, "special-use attributes on new folders", expected="none", actual=wrong)


@pytest.mark.rfc(6154, "3", "MUST")
@pytest.mark.imap_capability("CREATE-SPECIAL-USE", state="authenticated")
@pytest.mark.parametrize("use", ["\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash"])
def test_create_special_use(imap, imap_sandbox, use):
    """CREATE name (USE (attr)) either creates the mailbox with that special use, or -
    if the server cannot - MUST NOT create the mailbox and answers NO."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name("role")
    result = run(client, "CREATE", Quoted(name), ["USE", [use]])
    entry = {e.name: e for e in listing(client, "", name)}.get(name)
    if result.status == "NO":
        expect(
            entry is None,
            "the refused CREATE ... USE created nothing",
            expected="not listed",
            actual=entry,
        )
        return
    expect_ok(result, f"CREATE ... (USE ({use}))")
    expect(
        entry is not None and entry.has(use), "LIST of the new mailbox", expected=use, actual=entry
    )


@pytest.mark.rfc(6154, "3", "SHOULD")
@pytest.mark.imap_capability("CREATE-SPECIAL-USE", state="authenticated")
def test_refused_create_special_use_says_useattr(imap, imap_sandbox):
    """A CREATE ... (USE ...) the server cannot honour is refused with the USEATTR
    response code (SHOULD). Asks for \\All, which few servers let a user create."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name("all")
    result = run(client, "CREATE", Quoted(name), ["USE", ["\\All"]])
    if result.ok:
        pytest.skip("the server created a \\All mailbox")
    expect_equal(result.code_name, "USEATTR", "the response code of the refused CREATE ... USE")
