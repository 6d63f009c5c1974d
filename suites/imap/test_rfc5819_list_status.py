"""RFC 5819: LIST-STATUS — STATUS data returned by LIST ... RETURN (STATUS (...))."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import Quoted, expect_ok, message_bytes, run, setup_ok, status
from ._sandbox_api import new_area

pytestmark = pytest.mark.imap_capability("LIST-STATUS", state="authenticated")

ITEMS = ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN"]


def _tree(imap_sandbox, client):
    area = new_area(imap_sandbox, client)
    setup_ok(run(client, "CREATE", Quoted(area.name("lvl", "box"))), "CREATE lvl/box")
    setup_ok(run(client, "CREATE", Quoted(area.name("full"))), "CREATE full")
    imap_sandbox.append(area.name("full"), message_bytes())
    imap_sandbox.append(area.name("full"), message_bytes(), ["\\Seen"])
    return area


def _list_status(client, area, items=ITEMS):
    result = expect_ok(
        run(client, "LIST", Quoted(""), Quoted(area.name("*")), "RETURN", ["STATUS", items]),
        "LIST RETURN (STATUS)",
    )
    return result


@pytest.mark.rfc(5819, "2", "MUST")
def test_status_for_each_selectable_mailbox(imap, imap_sandbox):
    """A STATUS response is returned for every listed mailbox that is selectable."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    result = _list_status(client, area)
    selectable = {
        d.name
        for d in result.data_of("LIST")
        if not d.has("\\Noselect") and not d.has("\\NonExistent")
    }
    statused = {d.mailbox for d in result.data_of("STATUS")}
    expect_equal(statused, selectable, "mailboxes with STATUS data")


@pytest.mark.rfc(5819, "2", "MUST")
def test_no_status_for_noselect(imap, imap_sandbox):
    """No STATUS response is returned for a \\Noselect or \\NonExistent name."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    result = _list_status(client, area)
    unselectable = {
        d.name for d in result.data_of("LIST") if d.has("\\Noselect") or d.has("\\NonExistent")
    }
    wrong = unselectable & {d.mailbox for d in result.data_of("STATUS")}
    expect(not wrong, "STATUS for unselectable names", expected="none", actual=sorted(wrong))


@pytest.mark.rfc(5819, "2", "MUST")
@pytest.mark.parametrize("item", ITEMS)
def test_status_values_agree_with_status_command(imap, imap_sandbox, item):
    """The STATUS data LIST returns has the values STATUS itself answers."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    result = _list_status(client, area, [item])
    got = {d.mailbox: d.items.get(item) for d in result.data_of("STATUS")}
    full = area.name("full")
    expect_equal(got.get(full), status(client, full, [item])[item], f"{item} of {full}")


@pytest.mark.rfc(5819, "2", "MUST")
def test_status_follows_its_list_response(imap, imap_sandbox):
    """Each STATUS response comes after the LIST response for the same mailbox: "the
    server MUST return an untagged LIST response followed by an untagged STATUS
    response containing the information requested in the STATUS return option"."""
    client = imap.login()
    area = _tree(imap_sandbox, client)
    result = _list_status(client, area)
    listed: set[str] = set()
    early = []
    for response in result.untagged:
        if response.kind == "LIST":
            listed.add(response.data.name)
        elif response.kind == "STATUS" and response.data.mailbox not in listed:
            early.append(response.data.mailbox)
    expect(not early, "STATUS before its LIST", expected="none", actual=early)
