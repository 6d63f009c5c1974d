"""The selection's \\Recent as UID ranges (imap/selection.py) on the real store: the
counts a client is told match the set the store's claim_recent()/recent_uids() give."""

from __future__ import annotations

from pathlib import Path

from mailspec.reference_server.imap.selection import Recent, Selection
from mailspec.reference_server.storage import MboxStore

MESSAGE = b"Subject: x\r\n\r\nhello\r\n"


def test_overlapping_ranges_count_each_message_once() -> None:
    recent = Recent()
    for taken in [(1, 10), (1, 12), (12, 15), (20, 20), (3, 5)]:
        recent.add(taken)
    assert recent.ranges == [(1, 15)]
    assert 14 in recent and 15 not in recent and 0 not in recent


def test_examine_counts_new_mail_once_after_a_refresh(tmp_path: Path) -> None:
    # EXAMINE peeks (no claim): each refresh peeks again from the same floor, and a
    # message must not be counted once per peek.
    store = MboxStore(tmp_path)
    store.create_folder("u1", "a")
    folder = store.open_folder("u1", "a")
    for _ in range(3):
        folder.append(MESSAGE)
    selection = Selection(folder, read_only=True)
    assert selection.recent_count() == 3
    folder.append(MESSAGE)
    lines = selection.refresh(allow_expunge=True)
    assert b"* 4 EXISTS" in lines and b"* 4 RECENT" in lines
    assert selection.recent_count() == 4 == len(folder.recent_uids())
    assert all("\\Recent" in selection.flags_of(m.uid, m.flags) for m in folder.messages())
    folder.close()


def test_select_claims_recent_for_one_session_only(tmp_path: Path) -> None:
    store = MboxStore(tmp_path)
    store.create_folder("u1", "a")
    folder = store.open_folder("u1", "a")
    folder.append(MESSAGE)
    first = Selection(folder, read_only=False)
    second = Selection(store.open_folder("u1", "a"), read_only=False)
    assert (first.recent_count(), second.recent_count()) == (1, 0)
    uid = folder.append(MESSAGE)
    assert b"* 1 RECENT" in second.refresh(allow_expunge=True)  # the new one, claimed here
    assert b"* 1 RECENT" in first.refresh(allow_expunge=True)  # still only the first one
    assert "\\Recent" in second.flags_of(uid, frozenset())
    assert "\\Recent" not in first.flags_of(uid, frozenset())
    folder.close()
