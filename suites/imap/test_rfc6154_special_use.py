"""RFC 6154: SPECIAL-USE — mailbox attributes for well-known roles."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import Quoted, expect_ok, list_data, listing, run, setup_ok
from ._sandbox_api import new_area

pytestmark = pytest.mark.imap_capability("SPECIAL-USE", state="authenticated")

SPECIAL_USES = {"\\all", "\\archive", "\\drafts", "\\flagged", "\\junk", "\\sent", "\\trash"}


def _uses(entry):
    return {a.lower() for a in entry.attributes} & SPECIAL_USES


def _ensure_special_use_mailbox(client, imap_sandbox, imap_capabilities):
    """The name of a special-use mailbox the account has; where it has none, one made
    in the sandbox with CREATE-SPECIAL-USE. Without either, the test has nothing to
    check and skips (it must not pass vacuously)."""
    for entry in listing(client, "", "*"):
        if _uses(entry):
            return entry.name
    if not imap_capabilities.has("CREATE-SPECIAL-USE", "authenticated"):
        pytest.skip("the account has no special-use mailbox, and CREATE-SPECIAL-USE is "
                    "not announced to make one")  # fmt: skip
    name = new_area(imap_sandbox, client).name("Sent")
    result = run(client, "CREATE", Quoted(name), ["USE", ["\\Sent"]])
    if not result.ok:
        # RFC 6154 §3 lets a server refuse (Cyrus: one \Sent per account, deleted
        # mailboxes included): then there is still nothing to check.
        pytest.skip(f"the account has no special-use mailbox, and CREATE ... (USE (\\Sent)) "
                    f"was refused: {str(result).splitlines()[-1][:120]}")  # fmt: skip
    return name


@pytest.mark.rfc(6154, "2", "MUST")
def test_special_use_names_are_selectable(imap, imap_sandbox, imap_capabilities):
    """A mailbox with a special-use attribute is a real mailbox: EXAMINE of each one
    listed works (unless it is \\Noselect)."""
    client = imap.login()
    _ensure_special_use_mailbox(client, imap_sandbox, imap_capabilities)
    for entry in listing(client, "", "*"):
        uses = _uses(entry)
        if uses and not entry.has("\\Noselect") and not entry.has("\\NonExistent"):
            expect_ok(
                run(client, "EXAMINE", Quoted(entry.name)), f"EXAMINE {entry.name} {sorted(uses)}"
            )


@pytest.mark.rfc(6154, "5.1", "MUST")
@pytest.mark.imap_capability("LIST-EXTENDED", state="authenticated")
def test_special_use_selection_lists_only_special_use_mailboxes(
    imap, imap_sandbox, imap_capabilities
):
    """LIST (SPECIAL-USE) returns only mailboxes that have a special-use attribute, and
    every one of them (servers with SPECIAL-USE and LIST-EXTENDED support the option)."""
    client = imap.login()
    known = _ensure_special_use_mailbox(client, imap_sandbox, imap_capabilities)
    result = expect_ok(
        run(client, "LIST", ["SPECIAL-USE"], Quoted(""), Quoted("*")), "LIST (SPECIAL-USE)"
    )
    names = [e.name for e in list_data(result)]
    plain = [e.name for e in list_data(result) if not _uses(e)]
    expect(not plain, "names without a special use", expected="none", actual=plain)
    expect(known in names, f"{known!r}, a special-use mailbox, among those selected",
           expected=known, actual=names)  # fmt: skip


@pytest.mark.rfc(6154, "5.1", "MUST")
@pytest.mark.imap_capability("LIST-EXTENDED", state="authenticated")
def test_return_special_use_matches_selection(imap, imap_sandbox, imap_capabilities):
    """The special-use mailboxes found with LIST ... RETURN (SPECIAL-USE) are those that
    LIST (SPECIAL-USE) selects."""
    client = imap.login()
    _ensure_special_use_mailbox(client, imap_sandbox, imap_capabilities)
    returned = expect_ok(
        run(client, "LIST", Quoted(""), Quoted("*"), "RETURN", ["SPECIAL-USE"]),
        "RETURN (SPECIAL-USE)",
    )
    selected = expect_ok(
        run(client, "LIST", ["SPECIAL-USE"], Quoted(""), Quoted("*")), "LIST (SPECIAL-USE)"
    )
    with_use = sorted(e.name for e in list_data(returned) if _uses(e))
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
    wrong = [e.name for e in entries if _uses(e)]
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
