"""RFC 3691: UNSELECT — leave the selected state without expunging."""

import pytest
from mailspec.fixtures.requirements import expect_equal

from ._imap_helpers import (
    Quoted,
    expect_malformed,
    expect_ok,
    expect_refused,
    message_bytes,
    run,
    select,
    status,
    strictness,
)
from ._sessions import selected_area

pytestmark = pytest.mark.imap_capability("UNSELECT", state="authenticated")


@pytest.mark.rfc(3691, "2", "MUST")
@pytest.mark.parametrize("command", ["SELECT", "EXAMINE"])
def test_unselect_returns_to_authenticated_state(imap, imap_sandbox, command):
    """UNSELECT answers OK and the session is in the authenticated state: CHECK is
    refused, LIST works."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    if command == "EXAMINE":
        expect_ok(select(client, folder, examine=True).result, "EXAMINE")
    expect_ok(run(client, "UNSELECT"), f"UNSELECT after {command}")
    expect_refused(run(client, "CHECK"), "CHECK after UNSELECT")
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), "LIST after UNSELECT")


@pytest.mark.rfc(3691, "2", "MUST")
def test_unselect_does_not_expunge(imap, imap_sandbox):
    """Unlike CLOSE, UNSELECT removes no message, not even those marked \\Deleted."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    imap_sandbox.append(folder, message_bytes(), ["\\Deleted"])
    run(client, "NOOP")
    result = expect_ok(run(client, "UNSELECT"), "UNSELECT")
    expect_equal(result.untagged_of("EXPUNGE"), [], "EXPUNGE responses to UNSELECT")
    expect_equal(status(client, folder, ["MESSAGES"])["MESSAGES"], 1, "MESSAGES after UNSELECT")


@pytest.mark.parametrize("how", strictness(3691, "2"))
def test_unselect_without_selected_mailbox_is_bad(imap, how):
    """UNSELECT with no mailbox selected is refused (MUST: never OK) with BAD (SHOULD:
    RFC 3691 lists "BAD - no mailbox selected" as the result, not with a MUST)."""
    client = imap.login()
    expect_malformed(run(client, "UNSELECT"), how, "UNSELECT in the authenticated state")


@pytest.mark.parametrize("how", strictness(3691, "2"))
def test_second_unselect_is_bad(imap, imap_sandbox, how):
    """After UNSELECT nothing is selected: a second UNSELECT is refused (MUST) with BAD
    (SHOULD: "BAD - no mailbox selected" is RFC 3691's result, not a MUST)."""
    client = imap.login()
    selected_area(imap_sandbox, client)
    expect_ok(run(client, "UNSELECT"), "UNSELECT")
    expect_malformed(run(client, "UNSELECT"), how, "a second UNSELECT")


@pytest.mark.rfc(3691, "2", "MUST")
def test_select_after_unselect(imap, imap_sandbox):
    """After UNSELECT a mailbox can be selected again."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    expect_ok(run(client, "UNSELECT"), "UNSELECT")
    expect_ok(select(client, folder).result, "SELECT after UNSELECT")
