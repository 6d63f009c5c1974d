"""RFC 2177: IDLE — a continuation request, updates while idling, DONE ends it."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import Quoted, expect_ok, expect_refused, message_bytes, run, select
from ._sessions import selected_area

pytestmark = pytest.mark.imap_capability("IDLE", state="authenticated")

# Seconds a server gets to announce a change made by another session while idling.
PUSH_WAIT = 10.0


def _idle(client):
    tag, result = client.idle_start()
    expect(
        bool(result.continuations),
        "IDLE answers a continuation request",
        expected="+ ...",
        actual=result,
    )
    return tag


@pytest.mark.rfc(2177, "3", "MUST")
@pytest.mark.parametrize("state", ["authenticated", "selected"])
def test_idle_continuation_and_done(imap, imap_sandbox, state):
    """IDLE is answered with a continuation request; DONE ends it with the tagged OK
    of the IDLE command."""
    client = imap.login()
    if state == "selected":
        selected_area(imap_sandbox, client)
    tag = _idle(client)
    result = client.idle_done(tag)
    expect_ok(result, "the IDLE completion after DONE")
    expect_equal(result.tagged.tag, tag, "the tag of the completion")


@pytest.mark.rfc(2177, "3", "MUST")
def test_idle_reports_new_mail(imap, imap_sandbox):
    """While idling in a selected mailbox, a message another session appends is
    announced with an untagged EXISTS (RFC 3501 §5.2: size updates MUST be sent)."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    tag = _idle(client)
    imap_sandbox.append(folder, message_bytes("while idling"))
    pushed = client.idle_read(PUSH_WAIT)
    result = client.idle_done(tag)
    counts = [u.number for u in pushed + result.untagged if u.kind == "EXISTS"]
    expect(
        1 in counts,
        f"EXISTS while idling (within {PUSH_WAIT:g} s, or at DONE)",
        expected="* 1 EXISTS",
        actual=[u.raw for u in pushed],
    )


@pytest.mark.rfc(2177, "3", "SHOULD")
def test_idle_reports_new_mail_before_done(imap, imap_sandbox):
    """The point of IDLE is real-time updates: the EXISTS comes while idling, without
    waiting for DONE."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    tag = _idle(client)
    imap_sandbox.append(folder, message_bytes("while idling"))
    pushed = client.idle_read(PUSH_WAIT)
    client.idle_done(tag)
    expect(
        any(u.kind == "EXISTS" for u in pushed),
        f"EXISTS pushed within {PUSH_WAIT:g} s",
        expected="* n EXISTS",
        actual=[u.raw for u in pushed],
    )


@pytest.mark.rfc(2177, "3", "SHOULD")
def test_idle_reports_flag_changes(imap, imap_sandbox):
    """Flag changes by another session are announced while idling (RFC 3501 §5.2: a
    server SHOULD send flag updates automatically)."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    imap_sandbox.append(folder, message_bytes())
    run(client, "NOOP")
    tag = _idle(client)
    other = imap.login()
    expect_ok(select(other, folder).result, "SELECT in the other session")
    expect_ok(run(other, "STORE", "1", "+FLAGS", ["\\Flagged"]), "STORE in the other session")
    pushed = client.idle_read(PUSH_WAIT)
    result = client.idle_done(tag)
    fetches = [u for u in pushed + result.untagged if u.kind == "FETCH"]
    expect(
        bool(fetches),
        "FETCH (FLAGS ...) while idling",
        expected="* 1 FETCH (FLAGS (... \\Flagged))",
        actual=[u.raw for u in pushed],
    )


@pytest.mark.rfc(2177, "3", "MUST")
def test_idle_does_not_end_by_itself(imap, imap_sandbox):
    """IDLE lasts until DONE: without activity the server sends no tagged completion."""
    client = imap.login()
    selected_area(imap_sandbox, client)
    tag = _idle(client)
    pushed = client.idle_read(1.5)  # raises on a tagged response
    result = client.idle_done(tag)
    expect_ok(result, "IDLE completion after DONE")
    del pushed


@pytest.mark.rfc(2177, "3", "MUST")
@pytest.mark.parametrize("word", ["DONE", "done", "Done"])
def test_done_is_case_insensitive(imap, word):
    """DONE, like all of the grammar, is case-insensitive."""
    client = imap.login()
    tag = _idle(client)
    client.send_line(word)
    expect_ok(client.read_until_tagged(tag), f"IDLE ended with {word!r}")


@pytest.mark.rfc(2177, "3", "MUST")
def test_commands_work_after_idle(imap, imap_sandbox):
    """After DONE the session is where it was: commands of the selected state work."""
    client = imap.login()
    selected_area(imap_sandbox, client)
    tag = _idle(client)
    expect_ok(client.idle_done(tag), "IDLE")
    expect_ok(run(client, "CHECK"), "CHECK after IDLE")
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), "LIST after IDLE")


@pytest.mark.rfc(2177, "3", "MUST")
def test_idle_before_login_is_refused(imap):
    """IDLE is valid in the authenticated and selected states only: before login it is
    refused, without a continuation request."""
    client = imap.open()
    tag, result = client.idle_start()
    expect(not result.continuations, "IDLE before login", expected="no continuation", actual=result)
    expect_refused(result, "IDLE before login")
    del tag


@pytest.mark.rfc(2177, "3", "MUST")
def test_new_mail_seen_after_idle(imap, imap_sandbox):
    """Whatever was announced while idling, the mailbox size is right after DONE: a
    NOOP reports no fewer messages than were appended."""
    client = imap.login()
    _, folder = selected_area(imap_sandbox, client)
    tag = _idle(client)
    imap_sandbox.append(folder, message_bytes())
    imap_sandbox.append(folder, message_bytes())
    pushed = client.idle_read(PUSH_WAIT)
    result = client.idle_done(tag)
    noop = run(client, "NOOP")
    counts = [u.number for u in pushed + result.untagged + noop.untagged if u.kind == "EXISTS"]
    expect(
        counts and max(counts) == 2, "EXISTS announced by IDLE / NOOP", expected="2", actual=counts
    )
