"""The account's index: one SQLite database in WAL mode, ``<account>/.index.sqlite``.

It holds what the mbox text cannot: per folder the UIDVALIDITY, UIDNEXT, the \\Recent
floor, a change counter and the stamp (size, inode, mtime) of the file as last
indexed; per message its UID, byte range in the file, sha1, wire size, internal date
and flags; the subscriptions; the RFC 6154 special uses of folders (a table created
IF NOT EXISTS, so an older index file gains it when opened); and the intents of
operations that touch several files (a RENAME in progress). See ``storage/__init__.py`` for why SQLite and how it stays
consistent with the mbox files.

Connections are per thread (sqlite3 objects must not cross threads). Writes go through
``tx()`` (BEGIN IMMEDIATE: one writer at a time, across processes too); reads through
``read()`` (one consistent snapshot).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .interface import StorageError

DB_NAME = ".index.sqlite"
UIDVALIDITY_MARK = ".uidvalidity"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS folders (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    uidvalidity INTEGER NOT NULL,
    uidnext INTEGER NOT NULL,
    recent_floor INTEGER NOT NULL,      -- UIDs >= this are \\Recent for the next claimer
    version INTEGER NOT NULL,           -- bumped by every change (messages.modseq <= it)
    expunge_version INTEGER NOT NULL,   -- version of the last removal of messages
    size INTEGER NOT NULL,              -- stamp of the mbox as last indexed
    ino INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    pending INTEGER,                    -- an append in progress started at this offset
    rewrite_ino INTEGER                 -- a rewrite in progress: inode of the new file
);
CREATE TABLE IF NOT EXISTS messages (
    folder INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL,            -- record length in the file
    sha1 BLOB NOT NULL,                 -- of the record: matches records after a rewrite
    size INTEGER NOT NULL,              -- wire octets (CRLF), as POP3 counts them
    bare_end INTEGER NOT NULL,          -- 1: appended without a final CRLF (IMAP size - 2)
    idate INTEGER NOT NULL,             -- internal date, Unix seconds
    tzoff INTEGER NOT NULL,             -- its zone, minutes east of UTC
    flags TEXT NOT NULL,                -- space-separated, sorted
    modseq INTEGER NOT NULL,            -- folder version of the last change to this row
    PRIMARY KEY (folder, uid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_modseq ON messages (folder, modseq);
CREATE TABLE IF NOT EXISTS removals (   -- the UIDs a rewrite in progress removes
    folder INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    PRIMARY KEY (folder, uid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS subscriptions (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS special_use (  -- RFC 6154 attributes (CREATE ... (USE (...)))
    folder INTEGER PRIMARY KEY,           -- folders.id: follows RENAME, dropped with the folder
    uses TEXT NOT NULL                    -- space-separated, e.g. "\\Sent \\Archive"
);
CREATE TABLE IF NOT EXISTS intents (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    old TEXT NOT NULL,
    new TEXT NOT NULL
);
"""

FOLDER_COLUMNS = (
    "id, name, uidvalidity, uidnext, recent_floor, version, expunge_version,"
    " size, ino, mtime_ns, pending, rewrite_ino"
)
MESSAGE_COLUMNS = "uid, offset, length, sha1, size, bare_end, idate, tzoff, flags, modseq"
_N_FOLDER = len(FOLDER_COLUMNS.split(","))
_FOLDER_AND_MESSAGE = (
    "SELECT "
    + ", ".join(f"f.{c.strip()}" for c in FOLDER_COLUMNS.split(","))
    + ", "
    + ", ".join(f"m.{c.strip()}" for c in MESSAGE_COLUMNS.split(","))
    + " FROM folders f LEFT JOIN messages m ON m.folder = f.id AND m.uid = ? WHERE f.id = ?"
)


@dataclass(frozen=True, slots=True)
class FolderRow:
    id: int
    name: str
    uidvalidity: int
    uidnext: int
    recent_floor: int
    version: int
    expunge_version: int
    size: int
    ino: int
    mtime_ns: int
    pending: int | None
    rewrite_ino: int | None


@dataclass(frozen=True, slots=True)
class MessageRow:
    uid: int
    offset: int
    length: int
    sha1: bytes
    size: int
    bare_end: int
    idate: int
    tzoff: int
    flags: str
    modseq: int


class AccountDb:
    """One connection per account, shared by the threads of this process under a lock
    (a connection per thread and account cost three descriptors each: 1,000 accounts
    times the thread pool would exhaust the fd limit). Transactions are short: a
    thread holds the lock for one transaction, never while waiting for an mbox lock."""

    def __init__(self, folder: Path, *, busy_timeout: float = 10.0) -> None:
        self.path = folder / DB_NAME
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    def conn(self) -> sqlite3.Connection:
        """The account's connection (callers hold ``_lock``: use tx() or read())."""
        conn = self._conn
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path,
                    timeout=self.busy_timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
                conn.execute("PRAGMA journal_mode=WAL")
                # FULL: every commit is on disk before we acknowledge (an fsync of the WAL).
                conn.execute("PRAGMA synchronous=FULL")
                self._ensure_schema(conn)
            except sqlite3.Error as exc:
                raise StorageError(f"index database: {exc}") from exc
            self._conn = conn
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        with self._schema_lock:
            if self._schema_ready:
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema', ?), ('last_uidvalidity', 0)",
                    (SCHEMA_VERSION,),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._schema_ready = True

    @contextlib.contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed (durably) on normal exit."""
        with self._lock:
            conn = self.conn()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(f"index database busy: {exc}") from exc
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise StorageError(f"index commit failed: {exc}") from exc

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot. Callers fetch their rows inside: a cursor still
        alive after COMMIT would keep the snapshot open (SQLite ends a read
        transaction only when its last statement is reset)."""
        with self._lock:
            conn = self.conn()
            try:
                conn.execute("BEGIN")
            except sqlite3.Error as exc:
                raise StorageError(f"index database: {exc}") from exc
            try:
                yield conn
            finally:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("COMMIT")

    def query(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple]:  # type: ignore[type-arg]
        """One SELECT on its own: a single statement is one consistent snapshot in
        autocommit mode, so the BEGIN/COMMIT of read() (two more round trips into
        SQLite, a third of a FETCH's index cost) are not needed. fetchall() runs the
        statement to its end, which resets it and so ends its read transaction."""
        with self._lock:
            conn = self.conn()
            try:
                return conn.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StorageError(f"index database: {exc}") from exc

    def folder_row(self, fid: int) -> FolderRow | None:
        rows = self.query(f"SELECT {FOLDER_COLUMNS} FROM folders WHERE id = ?", (fid,))
        return FolderRow(*rows[0]) if rows else None

    def folder_and_message(self, fid: int, uid: int) -> tuple[FolderRow | None, MessageRow | None]:
        """A folder's row and one message's, from one snapshot (one statement)."""
        rows = self.query(_FOLDER_AND_MESSAGE, (uid, fid))
        if not rows:
            return None, None
        row = rows[0]
        folder = FolderRow(*row[:_N_FOLDER])
        return folder, (MessageRow(*row[_N_FOLDER:]) if row[_N_FOLDER] is not None else None)

    # -- folders --------------------------------------------------------------------
    @staticmethod
    def folder_by_name(conn: sqlite3.Connection, name: str) -> FolderRow | None:
        row = conn.execute(
            f"SELECT {FOLDER_COLUMNS} FROM folders WHERE name = ?", (name,)
        ).fetchone()
        return FolderRow(*row) if row else None

    @staticmethod
    def folder_by_id(conn: sqlite3.Connection, fid: int) -> FolderRow | None:
        row = conn.execute(f"SELECT {FOLDER_COLUMNS} FROM folders WHERE id = ?", (fid,)).fetchone()
        return FolderRow(*row) if row else None

    def new_uidvalidity(self, conn: sqlite3.Connection) -> int:
        """Seconds since 1970, but always above every value handed out before — also
        before a lost index: the last value is kept in a small file beside it too."""
        (last,) = conn.execute("SELECT value FROM meta WHERE key = 'last_uidvalidity'").fetchone()
        mark = self.path.with_name(UIDVALIDITY_MARK)
        with contextlib.suppress(OSError, ValueError):
            last = max(int(last), int(mark.read_text().split()[0]))
        value = max(int(time.time()), int(last) + 1)
        if value >= 2**32:
            raise StorageError("UIDVALIDITY space exhausted", temporary=False)
        tmp = mark.with_name(f"{mark.name}.tmp.{os.getpid()}.{threading.get_ident()}")
        with open(tmp, "w") as f:
            f.write(f"{value}\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, mark)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'last_uidvalidity'", (value,))
        return value

    @staticmethod
    def new_folder_id(conn: sqlite3.Connection) -> int:
        """A folder id never used before in this account. SQLite would hand a deleted
        folder's rowid to the next new folder, and open Folder objects, watchers and
        caches of the deleted one (keyed by id) would then act on the new one."""
        (last,) = conn.execute(
            "SELECT max((SELECT coalesce(max(id), 0) FROM folders),"
            " coalesce((SELECT value FROM meta WHERE key = 'last_folder_id'), 0))"
        ).fetchone()
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('last_folder_id', ?)", (int(last) + 1,))
        return int(last) + 1

    def insert_folder(self, conn: sqlite3.Connection, name: str) -> FolderRow:
        """A fresh row for ``name`` (a stale row of a deleted folder goes first)."""
        self.drop_folder(conn, name)
        conn.execute(
            "INSERT INTO folders (id, name, uidvalidity, uidnext, recent_floor, version,"
            " expunge_version, size, ino, mtime_ns) VALUES (?, ?, ?, 1, 1, 1, 1, 0, 0, 0)",
            (self.new_folder_id(conn), name, self.new_uidvalidity(conn)),
        )
        row = self.folder_by_name(conn, name)
        assert row is not None
        return row

    def drop_folder(self, conn: sqlite3.Connection, name: str) -> None:
        old = self.folder_by_name(conn, name)
        if old is not None:
            conn.execute("DELETE FROM messages WHERE folder = ?", (old.id,))
            conn.execute("DELETE FROM removals WHERE folder = ?", (old.id,))
            conn.execute("DELETE FROM special_use WHERE folder = ?", (old.id,))
            conn.execute("DELETE FROM folders WHERE id = ?", (old.id,))

    @staticmethod
    def messages(conn: sqlite3.Connection, fid: int) -> list[MessageRow]:
        return [
            MessageRow(*r)
            for r in conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE folder = ? ORDER BY uid", (fid,)
            )
        ]

    @staticmethod
    def message(conn: sqlite3.Connection, fid: int, uid: int) -> MessageRow | None:
        row = conn.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE folder = ? AND uid = ?", (fid, uid)
        ).fetchone()
        return MessageRow(*row) if row else None
