"""messages() of a folder, built from its index rows and shared by every open Folder
object of that folder (one tuple in memory however many sessions select it)."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone

from .index_db import AccountDb
from .interface import FolderError, StoredMessage

_zones: dict[int, timezone] = {}
_flag_sets: dict[str, frozenset[str]] = {}


def _flag_set(text: str) -> frozenset[str]:
    found = _flag_sets.get(text)
    if found is None:
        found = _flag_sets.setdefault(text, frozenset(text.split()))
    return found


def _zone(minutes: int) -> timezone:
    found = _zones.get(minutes)
    if found is None:
        found = _zones.setdefault(
            minutes, UTC if minutes == 0 else timezone(timedelta(minutes=minutes))
        )
    return found


# What messages() reads per row: the IMAP view only (no offsets, no sha1).
STORED_COLUMNS = "uid, size - 2 * bare_end, idate, tzoff, flags"


def stored_rows(rows: Iterable[tuple[int, int, int, int, str]]) -> list[StoredMessage]:
    """Index rows (STORED_COLUMNS) -> StoredMessage; the hot loop of a 100,000-message
    SELECT, so zones, flag sets and the constructor are looked up once."""
    fromtimestamp, zone, flag_set, make = datetime.fromtimestamp, _zone, _flag_set, StoredMessage
    return [
        make(uid, size, fromtimestamp(idate, zone(tzoff)), flag_set(flags))
        for uid, size, idate, tzoff, flags in rows
    ]


class MessageCache:
    """One folder's messages() as of a version, shared by every open Folder object of
    that folder (one tuple in memory however many sessions select it), refreshed from
    the rows changed since (``modseq``), or reloaded after a removal."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = -1
        # Folder ids are SQLite rowids and are reused after a DELETE; a cache that
        # outlived its folder must not answer for the next folder with that id (a new
        # folder always gets a new UIDVALIDITY).
        self._uidvalidity = -1
        self._items: tuple[StoredMessage, ...] = ()

    def get(self, db: AccountDb, fid: int) -> tuple[StoredMessage, ...]:
        with self._lock, db.read() as conn:
            row = db.folder_by_id(conn, fid)
            if row is None:
                raise FolderError("mailbox was deleted", code="NONEXISTENT")
            if row.uidvalidity != self._uidvalidity:
                self._version = -1
                self._uidvalidity = row.uidvalidity
            if row.version == self._version:
                return self._items
            if self._version < 0 or row.expunge_version > self._version:
                # Row by row from the cursor, not fetchall(): a list of 100,000 row
                # tuples (~25 MB) beside the messages built from it left that much
                # more resident after the SELECT (freed, but in arenas the kept
                # objects pin).
                self._items = tuple(
                    stored_rows(
                        conn.execute(
                            f"SELECT {STORED_COLUMNS} FROM messages WHERE folder = ? ORDER BY uid",
                            (fid,),
                        )
                    )
                )
            else:
                # Sorted here: with ORDER BY uid SQLite walks the primary key (every row
                # of the folder) instead of the modseq index (the few changed ones).
                changed = sorted(
                    conn.execute(
                        f"SELECT {STORED_COLUMNS} FROM messages INDEXED BY messages_modseq"
                        " WHERE folder = ? AND modseq > ?",
                        (fid, self._version),
                    )
                )
                # A changed row's place by bisection on the ascending UIDs (a uid ->
                # position dict cost ~100 bytes per message: 10 MB at 100,000).
                items = list(self._items)
                uids = [m.uid for m in items] if changed else []
                for m in stored_rows(changed):
                    at = bisect.bisect_left(uids, m.uid)
                    if at < len(uids) and uids[at] == m.uid:
                        items[at] = m
                    else:  # new UIDs are above every cached one
                        uids.append(m.uid)
                        items.append(m)
                self._items = tuple(items)
            self._version = row.version
            return self._items
