"""POP3 and IMAP on one account: one store seen through both protocols.

Neither RFC says a server must offer both on the same mail, but RFC 3501 §5.1 makes
INBOX "the primary mailbox for this user on this server" and RFC 1939 §1 the maildrop
the place the user's mail is kept; where one account speaks both, the tests hold the
server to one store (SHOULD). RFC 1939 §4 itself is a MUST: while a POP3 session holds
the maildrop, its messages may not be "modified or removed before the session enters
the UPDATE state" — whatever IMAP is asked to do meanwhile.

Safety: INBOX may hold mail that is not the suite's. Only messages the suite delivered
(this run's X-Mailspec-Seed marker) are ever flagged or expunged, with UID EXPUNGE
(RFC 4315) where offered, else EXPUNGE only after SEARCH DELETED shows nothing but the
suite's own messages.
"""

from __future__ import annotations

import time

import pytest
from mailspec.fixtures.requirements import SetupError, expect, expect_equal

from ._message_helpers import select, uid_map

# How long a SELECT of INBOX may wait for a maildrop lock a POP3 session holds before
# it answers (RFC 1939 §4 leaves the other agents' waiting to the server).
LOCK_WAIT_TIMEOUT = 30.0


def _inbox(imap, *, examine: bool):
    client = imap.login()
    select(client, "INBOX", examine=examine)
    return client


def _select_inbox_under_pop3(imap):
    """SELECT INBOX while a POP3 session holds the maildrop, waiting as long as a server
    may take to give up on the lock: (client, result)."""
    client = imap.login()
    previous, client.timeout = client.timeout, max(client.timeout, LOCK_WAIT_TIMEOUT)
    try:
        return client, client.command("SELECT", "INBOX")
    finally:
        client.timeout = previous


def _find(client, marker: str, attempts: int = 10) -> tuple[int, int] | None:
    """(sequence number, UID) of the message with ``marker`` in the selected mailbox,
    waiting a little for delivery to become visible."""
    for _ in range(attempts):
        found = uid_map(client).get(marker)
        if found is not None:
            return found
        client.command("NOOP")
        time.sleep(0.3)
    return None


def _expunge_own(client, uid: int, own_markers: set[str]) -> None:
    """Flag and expunge one of the suite's messages in INBOX, touching nothing else."""
    result = client.command("UID", "STORE", str(uid), "+FLAGS.SILENT", ["\\Deleted"])
    if not result.ok:
        raise SetupError(f"UID STORE {uid} +FLAGS (\\Deleted) in INBOX failed: {result}")
    if client.has_capability("UIDPLUS"):
        result = client.command("UID", "EXPUNGE", str(uid))
    else:
        deleted = client.command("UID", "SEARCH", "DELETED")
        uids = [n for d in deleted.data_of("SEARCH") for n in d.numbers]
        ours = {u for m, (_, u) in uid_map(client).items() if m in own_markers}
        if not set(uids) <= ours:
            client.command("UID", "STORE", str(uid), "-FLAGS.SILENT", ["\\Deleted"])
            pytest.skip("INBOX holds \\Deleted mail that is not the suite's: no EXPUNGE there")
        result = client.command("EXPUNGE")
    if not result.ok:
        raise SetupError(f"expunging the suite's message in INBOX failed: {result}")


@pytest.mark.rfc(3501, "5.1", "SHOULD")
def test_delivered_mail_appears_in_pop3_and_imap(imap, pop3, maildrop):
    """A message delivered to the account appears in the POP3 maildrop and in the IMAP
    INBOX, with the same octets."""
    [message] = maildrop.seed("multipart")
    client = _inbox(imap, examine=True)
    found = _find(client, message.marker)
    expect(found is not None, "the delivered message in the IMAP INBOX",
           expected=f"a message with X-Mailspec-Seed: {message.marker}", actual="not found")
    number, _ = found
    body = client.command("FETCH", str(number), "BODY.PEEK[TEXT]")
    got = next((d.get("BODY[TEXT]") for d in body.data_of("FETCH")), None)
    expect_equal(got, message.body, "BODY[TEXT] over IMAP vs the delivered body")
    session = pop3.login()
    retr = session.command(f"RETR {message.number}", multiline=True)
    expect(retr.ok and message.body in (retr.payload or b""), "the same message over POP3",
           expected="RETR with the delivered body", actual=retr)


@pytest.mark.rfc(3501, "5.1", "SHOULD")
def test_imap_expunge_is_gone_from_the_next_pop3_session(imap, pop3, maildrop):
    """A message expunged over IMAP is no longer in the maildrop of the next POP3
    session."""
    [message] = maildrop.seed("plain")
    client = _inbox(imap, examine=False)
    found = _find(client, message.marker)
    if found is None:
        raise SetupError("the delivered message is not visible in the IMAP INBOX")
    _expunge_own(client, found[1], {message.marker})
    client.logout()
    view = maildrop.scan()
    expect(message.marker not in view.markers.values(), "the message after the IMAP expunge",
           expected="not in the POP3 maildrop", actual=sorted(view.markers.values()))


@pytest.mark.rfc(3501, "5.2", "SHOULD")
def test_pop3_delete_is_seen_by_imap_as_expunge(imap, pop3, maildrop):
    """POP3 DELE then QUIT removes the message (RFC 1939 §6); an IMAP session with INBOX
    selected is told with an untagged EXPUNGE at its next command (§5.2: size updates)."""
    [message] = maildrop.seed("dot-lines")
    client = _inbox(imap, examine=True)
    found = _find(client, message.marker)
    if found is None:
        raise SetupError("the delivered message is not visible in the IMAP INBOX")
    session = pop3.login()
    expect(session.command(f"DELE {message.number}").ok, "POP3 DELE of the seeded message",
           expected="+OK", actual=None)
    expect(session.command("QUIT").ok, "POP3 QUIT", expected="+OK", actual=None)
    numbers: list[int] = []
    for _ in range(10):
        numbers += [u.number for u in client.command("NOOP").untagged_of("EXPUNGE")]
        if numbers:
            break
        time.sleep(0.3)
    expect(found[0] in numbers, "an untagged EXPUNGE for the message POP3 deleted",
           expected=f"* {found[0]} EXPUNGE", actual=numbers)


@pytest.mark.rfc(1939, "4", "MUST")
def test_imap_cannot_remove_mail_while_pop3_holds_the_maildrop(imap, pop3, maildrop):
    """The POP3 server acquires an exclusive-access lock on the maildrop, as necessary to
    prevent messages from being modified or removed before the session enters the
    UPDATE state: an IMAP EXPUNGE meanwhile removes nothing the POP3 session can see
    (the reference server answers NO [INUSE], see docs/imap-architecture.md). Refusing
    SELECT INBOX meanwhile protects the maildrop as well, and a server may first wait
    for the lock (Mailutils' imap4d retries for about 9 s, then answers NO)."""
    [message] = maildrop.seed("plain")
    session = pop3.login()
    client, chosen = _select_inbox_under_pop3(imap)
    if chosen.ok:
        found = _find(client, message.marker)
        if found is None:
            raise SetupError("the delivered message is not visible in the IMAP INBOX")
        try:
            _expunge_own(client, found[1], {message.marker})
            refused = None
        except SetupError as exc:
            refused = str(exc)
    else:
        refused = f"SELECT INBOX refused: {chosen}"
    retr = session.command(f"RETR {message.number}", multiline=True)
    expect(retr.ok and message.body in (retr.payload or b""),
           "the POP3 session can still RETR its message after the IMAP expunge attempt",
           expected="+OK and the message", actual=f"{retr}\n(IMAP: {refused or 'expunge accepted'})")
    session.command("QUIT")


@pytest.mark.rfc(5530, "3", "SHOULD")
def test_a_refused_expunge_during_pop3_says_inuse(imap, pop3, maildrop):
    """A server that refuses an IMAP EXPUNGE because POP3 holds the maildrop says why:
    INUSE, "an operation has not been carried out because it involves sawing off a
    branch someone else is sitting on" (skips where the EXPUNGE is not refused). A
    server that refuses SELECT INBOX already, for the lock, says it there."""
    [message] = maildrop.seed("plain")
    session = pop3.login()
    client, chosen = _select_inbox_under_pop3(imap)
    if not chosen.ok:  # refused one step earlier, for the same reason
        session.command("QUIT")
        expect_equal(chosen.code_name, "INUSE", "the response code of the refused SELECT INBOX")
        return
    found = _find(client, message.marker)
    if found is None:
        raise SetupError("the delivered message is not visible in the IMAP INBOX")
    client.command("UID", "STORE", str(found[1]), "+FLAGS.SILENT", ["\\Deleted"])
    if not client.has_capability("UIDPLUS"):
        client.command("UID", "STORE", str(found[1]), "-FLAGS.SILENT", ["\\Deleted"])
        pytest.skip("no UIDPLUS: the suite does not EXPUNGE INBOX without UID EXPUNGE here")
    result = client.command("UID", "EXPUNGE", str(found[1]))
    client.command("UID", "STORE", str(found[1]), "-FLAGS.SILENT", ["\\Deleted"])
    session.command("QUIT")
    if result.ok:
        pytest.skip("the server carried out the EXPUNGE (judged by the RFC 1939 §4 test)")
    expect_equal(result.code_name, "INUSE", "the response code of the refused EXPUNGE")
