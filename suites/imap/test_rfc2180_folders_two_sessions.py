"""Two sessions on one account (RFC 2180 §3; RFC 3501 §6.3): folder changes made in one
session are seen by the other; a mailbox deleted meanwhile cannot be selected."""

import pytest
from mailspec.fixtures.imap.client import ServerClosed
from mailspec.fixtures.requirements import ServerTimeout, expect, expect_equal

from ._imap_helpers import (
    Literal,
    Quoted,
    expect_no,
    expect_ok,
    listing,
    message_bytes,
    run,
    select,
    setup_ok,
    status,
)
from ._sandbox_api import new_area


def _names(client, area):
    return {e.name for e in listing(client, "", area.name("*"))}


@pytest.fixture
def pair(imap, imap_sandbox):
    first, second = imap.login(), imap.login()
    return first, second, new_area(imap_sandbox, first)


@pytest.mark.rfc(3501, "6.3.3", "MUST")
def test_create_is_seen_by_the_other_session(pair):
    """A mailbox created in one session exists for the other: its LIST shows it and its
    SELECT opens it."""
    first, second, area = pair
    name = area.name("made")
    expect_ok(run(first, "CREATE", Quoted(name)), "CREATE in session 1")
    expect(
        name in _names(second, area),
        "LIST in session 2",
        expected=name,
        actual=sorted(_names(second, area)),
    )
    expect_ok(select(second, name).result, "SELECT in session 2")


@pytest.mark.rfc(3501, "6.3.4", "MUST")
def test_delete_is_seen_by_the_other_session(pair):
    """A mailbox deleted in one session is gone for the other: not listed, and SELECT
    of it fails with NO."""
    first, second, area = pair
    name = area.name("doomed")
    setup_ok(run(first, "CREATE", Quoted(name)), "CREATE")
    expect(
        name in _names(second, area),
        "LIST in session 2 before the DELETE",
        expected=name,
        actual=None,
    )
    expect_ok(run(first, "DELETE", Quoted(name)), "DELETE in session 1")
    expect(
        name not in _names(second, area),
        "LIST in session 2 after the DELETE",
        expected=f"no {name}",
        actual=sorted(_names(second, area)),
    )
    expect_no(run(second, "SELECT", Quoted(name)), "SELECT in session 2 of the deleted mailbox")


@pytest.mark.rfc(3501, "6.3.5", "MUST")
def test_rename_is_seen_by_the_other_session(pair):
    """A rename in one session is seen by the other: the new name is listed, the old one
    is not, and the new name holds the messages."""
    first, second, area = pair
    old, new = area.name("before"), area.name("after")
    setup_ok(run(first, "CREATE", Quoted(old)), "CREATE")
    setup_ok(run(first, "APPEND", Quoted(old), Literal(message_bytes("two sessions"))), "APPEND")
    expect_ok(run(first, "RENAME", Quoted(old), Quoted(new)), "RENAME in session 1")
    names = _names(second, area)
    expect(
        new in names and old not in names,
        "LIST in session 2",
        expected=f"{new}, no {old}",
        actual=sorted(names),
    )
    expect_equal(status(second, new, ["MESSAGES"])["MESSAGES"], 1, "STATUS MESSAGES in session 2")
    expect_no(run(second, "SELECT", Quoted(old)), "SELECT of the old name in session 2")


@pytest.mark.rfc(3501, "6.3.6", "MUST")
def test_subscription_is_seen_by_the_other_session(pair):
    """SUBSCRIBE in one session, LSUB in the other returns the name; UNSUBSCRIBE there
    removes it for the first."""
    first, second, area = pair
    name = area.name("sub")
    setup_ok(run(first, "CREATE", Quoted(name)), "CREATE")
    expect_ok(run(first, "SUBSCRIBE", Quoted(name)), "SUBSCRIBE in session 1")
    subscribed = {e.name for e in listing(second, "", area.name("*"), command="LSUB")}
    expect(name in subscribed, "LSUB in session 2", expected=name, actual=sorted(subscribed))
    expect_ok(run(second, "UNSUBSCRIBE", Quoted(name)), "UNSUBSCRIBE in session 2")
    subscribed = {e.name for e in listing(first, "", area.name("*"), command="LSUB")}
    expect(
        name not in subscribed,
        "LSUB in session 1",
        expected=f"no {name}",
        actual=sorted(subscribed),
    )


@pytest.mark.rfc(3501, "6.3.10", "MUST")
def test_status_sees_the_other_sessions_append(pair):
    """STATUS in one session reflects a message the other appended."""
    first, second, area = pair
    name = area.name("box")
    setup_ok(run(first, "CREATE", Quoted(name)), "CREATE")
    before = status(second, name, ["MESSAGES", "UIDNEXT"])
    setup_ok(
        run(first, "APPEND", Quoted(name), Literal(message_bytes("two sessions"))),
        "APPEND in session 1",
    )
    after = status(second, name, ["MESSAGES", "UIDNEXT"])
    expect(
        after["MESSAGES"] == before["MESSAGES"] + 1 and after["UIDNEXT"] > before["UIDNEXT"],
        "STATUS in session 2",
        expected="one more message, higher UIDNEXT",
        actual=(before, after),
    )


@pytest.mark.rfc(3501, "5.2", "MUST")
def test_selected_session_learns_of_an_append(pair):
    """A session with the mailbox selected is told about a message the other session
    appended (an EXISTS by the next NOOP at the latest)."""
    first, second, area = pair
    name = area.name("box")
    setup_ok(run(first, "CREATE", Quoted(name)), "CREATE")
    expect_ok(select(second, name).result, "SELECT in session 2")
    setup_ok(
        run(first, "APPEND", Quoted(name), Literal(message_bytes("two sessions"))),
        "APPEND in session 1",
    )
    noop = expect_ok(run(second, "NOOP"), "NOOP in session 2")
    expect(
        1 in [u.number for u in noop.untagged_of("EXISTS")],
        "EXISTS in session 2",
        expected="* 1 EXISTS",
        actual=noop,
    )


@pytest.mark.rfc(2180, "3", "MUST")
def test_delete_of_a_mailbox_selected_elsewhere(imap, pair):
    """DELETE of a mailbox another session has selected: the server may refuse it
    (§3.1), or delete it while the other session keeps access (§3.2) or is disconnected;
    either way a third session no longer finds it, and the selecting session gets an
    answer (possibly BYE), never silence.

    MUST: every choice RFC 2180 §3 offers passes; what fails is a DELETE answered OK
    that left the mailbox in place (RFC 3501 §6.3.4: "The DELETE command permanently
    removes the mailbox with the given name") or a session left without an answer."""
    first, second, area = pair
    name = area.name("busy")
    setup_ok(run(first, "CREATE", Quoted(name)), "CREATE")
    expect_ok(select(second, name).result, "SELECT in session 2")
    result = run(first, "DELETE", Quoted(name))
    if result.status == "NO":
        return  # RFC 2180 §3.1: refusing is allowed
    expect_ok(result, "DELETE in session 1")
    third = imap.login()
    expect(
        name not in _names(third, area),
        "LIST in a third session",
        expected=f"no {name}",
        actual=sorted(_names(third, area)),
    )
    expect_no(run(third, "STATUS", Quoted(name), ["MESSAGES"]), "STATUS in a third session")
    try:
        noop = run(second, "NOOP")
    except ServerClosed:
        return  # disconnected: allowed
    except ServerTimeout as exc:
        raise AssertionError(
            f"the session that had the deleted mailbox selected got no answer: {exc}"
        ) from exc
    expect(
        noop.status in ("OK", "NO", "BAD") or noop.bye is not None,
        "NOOP in session 2",
        expected="an answer",
        actual=noop,
    )


@pytest.mark.rfc(2180, "3", "MUST")
def test_rename_of_a_mailbox_selected_elsewhere(imap, pair):
    """RENAME of a mailbox another session has selected: refused, or done; when done, a
    third session finds only the new name, with the messages.

    MUST: refusing and renaming both pass (RFC 2180 §3); what fails is a RENAME answered
    OK that did not rename (RFC 3501 §6.3.5: "The RENAME command changes the name of a
    mailbox")."""
    first, second, area = pair
    old, new = area.name("busy"), area.name("moved")
    setup_ok(run(first, "CREATE", Quoted(old)), "CREATE")
    setup_ok(run(first, "APPEND", Quoted(old), Literal(message_bytes("two sessions"))), "APPEND")
    expect_ok(select(second, old).result, "SELECT in session 2")
    result = run(first, "RENAME", Quoted(old), Quoted(new))
    if result.status == "NO":
        return
    expect_ok(result, "RENAME in session 1")
    third = imap.login()
    names = _names(third, area)
    expect(
        new in names and old not in names,
        "LIST in a third session",
        expected=f"{new}, no {old}",
        actual=sorted(names),
    )
    expect_equal(status(third, new, ["MESSAGES"])["MESSAGES"], 1, "MESSAGES of the renamed mailbox")


@pytest.mark.rfc(3501, "6.3.1", "MUST")
def test_select_of_mailbox_deleted_meanwhile(pair):
    """Session 2 listed a mailbox; session 1 deleted it; session 2's SELECT of it now
    fails with NO, and session 2 has no mailbox selected (CHECK is refused)."""
    first, second, area = pair
    name = area.name("vanishing")
    keep = area.name("keep")
    setup_ok(run(first, "CREATE", Quoted(name)), "CREATE")
    setup_ok(run(first, "CREATE", Quoted(keep)), "CREATE")
    expect_ok(select(second, keep).result, "SELECT keep in session 2")
    expect(name in _names(second, area), "LIST in session 2", expected=name, actual=None)
    expect_ok(run(first, "DELETE", Quoted(name)), "DELETE in session 1")
    expect_no(run(second, "SELECT", Quoted(name)), "SELECT of the deleted mailbox in session 2")
    chk = run(second, "CHECK")
    expect(
        chk.status in ("NO", "BAD"),
        "CHECK after the failed SELECT",
        expected="NO or BAD",
        actual=chk,
    )


@pytest.mark.rfc(3501, "6.3.3", "MUST")
def test_create_race_only_one_wins(pair):
    """Both sessions CREATE the same name: exactly one gets OK, the other NO."""
    first, second, area = pair
    name = area.name("contested")
    statuses = sorted(
        [run(first, "CREATE", Quoted(name)).status, run(second, "CREATE", Quoted(name)).status]
    )
    expect_equal(statuses, ["NO", "OK"], "the two CREATE results")
