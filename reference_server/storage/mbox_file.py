"""One folder's mbox file kept in line with its index rows (see storage/__init__.py).

Every change to a file happens under its file lock (locking.py), after ``_sync`` has
brought the index in line with the file: finishing or undoing what a crash
interrupted, and indexing what another mbox tool appended or rewrote.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import folder_names, mboxrd
from .crashpoints import armed, crashpoint
from .index_db import AccountDb, FolderRow, MessageRow
from .interface import FolderError, StorageError
from .locking import FileLock, acquire, clean_candidates, session_held


@dataclass(frozen=True)
class NewMessage:
    """One record to append, with what the index keeps about it."""

    record: bytes
    size: int  # wire octets with the final CRLF
    bare_end: bool
    idate: int
    tzoff: int
    flags: str


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def storage_error(exc: OSError, what: str) -> StorageError:
    permanent = exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR)
    return StorageError(f"{what}: {exc.strerror}", temporary=not permanent)


def _stamp(conn: sqlite3.Connection, fid: int, st: os.stat_result) -> None:
    conn.execute(
        "UPDATE folders SET size = ?, ino = ?, mtime_ns = ? WHERE id = ?",
        (st.st_size, st.st_ino, st.st_mtime_ns, fid),
    )


def _bump(conn: sqlite3.Connection, fid: int, *, removal: bool = False) -> int:
    """Next folder version (the modseq of the rows this transaction changes)."""
    (version,) = conn.execute("SELECT version + 1 FROM folders WHERE id = ?", (fid,)).fetchone()
    if removal:
        conn.execute(
            "UPDATE folders SET version = ?, expunge_version = ? WHERE id = ?",
            (version, version, fid),
        )
    else:
        conn.execute("UPDATE folders SET version = ? WHERE id = ?", (version, fid))
    return int(version)


def foreign_message(record: bytes) -> tuple[int, str]:
    """Internal date and flags of a record some other tool wrote."""
    when = mboxrd.from_line_time(record)
    return (int(time.time()) if when is None else when), " ".join(
        sorted(mboxrd.status_flags(record))
    )


class MboxFiles:
    """The mbox files of one account, with their rows in the account's index."""

    def __init__(self, db: AccountDb, root: Path, *, lock_timeout: float = 10.0) -> None:
        self.db = db
        self.root = root
        self.lock_timeout = lock_timeout
        self._cleaned: set[str] = set()
        # name -> mbox path: built once (a fresh Path per read cost as much as the stat).
        self._paths: dict[str, Path] = {}

    def path(self, row: FolderRow) -> Path:
        path = self._paths.get(row.name)
        if path is None:
            path = self._paths.setdefault(row.name, folder_names.mbox_path(self.root, row.name))
        return path

    def row(self, fid: int) -> FolderRow | None:
        return self.db.folder_row(fid)

    def _intent_pending(self) -> bool:
        with self.db.read() as conn:
            return conn.execute("SELECT 1 FROM intents LIMIT 1").fetchone() is not None

    # -- the lock ---------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self, fid: int) -> Iterator[tuple[FileLock, FolderRow]]:
        """The folder's file lock and its row, in line with the file."""
        deadline = time.monotonic() + self.lock_timeout
        while True:
            row = self.row(fid)
            if row is None:
                raise FolderError("mailbox does not exist", code="NONEXISTENT")
            try:
                lock = acquire(
                    self.path(row),
                    timeout=max(0.0, deadline - time.monotonic()),
                    create=folder_names.is_inbox(row.name),
                )
            except FileNotFoundError:
                # Renamed meanwhile (a RENAME in progress), or deleted.
                again = self.row(fid)
                moving = again is not None and (again.name != row.name or self._intent_pending())
                if not moving or time.monotonic() > deadline:
                    raise FolderError("mailbox does not exist", code="NONEXISTENT") from None
                time.sleep(0.01)
                continue
            except OSError as exc:
                raise storage_error(exc, "cannot lock mailbox") from exc
            try:
                again = self.row(fid)
                if again is None or again.name != row.name:
                    continue
                yield lock, self._sync(lock, again)
                return
            finally:
                lock.release()

    # -- bringing the index in line with the file ------------------------------------
    def _clean_leftovers(self, path: Path) -> None:
        """Once per process and file, under its lock: what a killed process left."""
        if str(path) in self._cleaned:
            return
        self._cleaned.add(str(path))
        clean_candidates(path)
        prefixes = (path.name + ".tmp.", path.name + ".index.tmp.")
        with contextlib.suppress(FileNotFoundError):
            for name in os.listdir(path.parent):
                if name.startswith(prefixes) or name == path.name + ".index":
                    # .index: the JSON index of the store before the SQLite one.
                    with contextlib.suppress(FileNotFoundError):
                        (path.parent / name).unlink()

    def _sync(self, lock: FileLock, row: FolderRow) -> FolderRow:
        self._clean_leftovers(lock.mbox)
        fd = lock.fd
        st = os.fstat(fd)
        if row.rewrite_ino is not None:
            if st.st_ino == row.rewrite_ino:
                self._finish_rewrite(row.id, st)  # the rename happened: finish the job
            else:
                with self.db.tx() as conn:  # it did not: the old file stands as it was
                    conn.execute("DELETE FROM removals WHERE folder = ?", (row.id,))
                    conn.execute("UPDATE folders SET rewrite_ino = NULL WHERE id = ?", (row.id,))
            row = self._reread(row.id)
        if row.pending is not None:
            # An append that never finished: it was never acknowledged either.
            if st.st_size > row.pending:
                os.ftruncate(fd, row.pending)
                os.fsync(fd)
            st = os.fstat(fd)
            with self.db.tx() as conn:
                conn.execute("UPDATE folders SET pending = NULL WHERE id = ?", (row.id,))
                if st.st_size == row.size and st.st_ino == row.ino:
                    _stamp(conn, row.id, st)
            row = self._reread(row.id)
        if (row.size, row.ino, row.mtime_ns) == (st.st_size, st.st_ino, st.st_mtime_ns):
            return row
        if st.st_ino == row.ino and st.st_size > row.size and self._appended_to(fd, row):
            self._index_tail(fd, row, st)
        else:
            self._rebuild(fd, row, st)
        return self._reread(row.id)

    def _reread(self, fid: int) -> FolderRow:
        row = self.row(fid)
        if row is None:
            raise FolderError("mailbox does not exist", code="NONEXISTENT")
        return row

    def _appended_to(self, fd: int, row: FolderRow) -> bool:
        """Whether the file is the indexed one with records added at the end."""
        head = os.pread(fd, 5, row.size)
        if head != b"From ":
            return False
        with self.db.read() as conn:
            last = conn.execute(
                # Records are kept in UID order in the file (appends, rewrites).
                "SELECT offset, length, sha1 FROM messages WHERE folder = ?"
                " ORDER BY uid DESC LIMIT 1",
                (row.id,),
            ).fetchone()
        if last is None:
            return True
        offset, length, sha1 = last
        return bool(hashlib.sha1(os.pread(fd, length, offset)).digest() == sha1)

    def _index_tail(self, fd: int, row: FolderRow, st: os.stat_result) -> None:
        data = os.pread(fd, st.st_size - row.size, row.size)
        with self.db.tx() as conn:
            version = _bump(conn, row.id)
            (uid,) = conn.execute("SELECT uidnext FROM folders WHERE id = ?", (row.id,)).fetchone()
            rows = []
            for offset, length in mboxrd.split_records(data):
                record = data[offset : offset + length]
                idate, flags = foreign_message(record)
                rows.append(
                    (row.id, uid, row.size + offset, length, hashlib.sha1(record).digest(),
                     mboxrd.record_wire_size(record), idate, flags, version)
                )  # fmt: skip
                uid += 1
            conn.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, ?, ?)", rows)
            conn.execute("UPDATE folders SET uidnext = ? WHERE id = ?", (uid, row.id))
            _stamp(conn, row.id, st)

    def _rebuild(self, fd: int, row: FolderRow, st: os.stat_result) -> None:
        """The file was rewritten by someone else: match records to rows by sha1, so
        UIDs, flags and dates survive; unknown records are new messages."""
        data = os.pread(fd, st.st_size, 0)
        with self.db.tx() as conn:
            old = self.db.messages(conn, row.id)
            known: dict[bytes, list[MessageRow]] = {}
            for m in old:
                known.setdefault(m.sha1, []).append(m)
            version = _bump(conn, row.id, removal=True)
            (uid,) = conn.execute("SELECT uidnext FROM folders WHERE id = ?", (row.id,)).fetchone()
            conn.execute("DELETE FROM messages WHERE folder = ?", (row.id,))
            rows = []
            for offset, length in mboxrd.split_records(data):
                record = data[offset : offset + length]
                sha1 = hashlib.sha1(record).digest()
                match = known.get(sha1)
                if match:
                    m = match.pop(0)
                    values = (m.uid, m.size, m.bare_end, m.idate, m.tzoff, m.flags, m.modseq)
                else:
                    idate, flags = foreign_message(record)
                    values = (uid, mboxrd.record_wire_size(record), 0, idate, 0, flags, version)
                    uid += 1
                rows.append((row.id, values[0], offset, length, sha1, *values[1:]))
            conn.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute("UPDATE folders SET uidnext = ? WHERE id = ?", (uid, row.id))
            _stamp(conn, row.id, st)

    # -- changes ------------------------------------------------------------------------
    def append(self, fid: int, items: Sequence[NewMessage]) -> tuple[FolderRow, list[int]]:
        """Append records durably; returns the folder's row before and the new UIDs."""
        try:
            with self.locked(fid) as (lock, row):
                fd = lock.fd
                start = row.size
                with self.db.tx() as conn:
                    conn.execute("UPDATE folders SET pending = ? WHERE id = ?", (start, fid))
                blob = b"".join(item.record for item in items)
                os.lseek(fd, start, os.SEEK_SET)
                half = len(blob) // 2
                _write_all(fd, blob[:half])
                if armed("append-mid"):
                    os.fsync(fd)
                    crashpoint("append-mid")
                _write_all(fd, blob[half:])
                os.fsync(fd)
                crashpoint("append-after-fsync")
                st = os.fstat(fd)
                uids = list(range(row.uidnext, row.uidnext + len(items)))
                offset = start
                with self.db.tx() as conn:
                    version = _bump(conn, fid)
                    conn.executemany(
                        "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            (fid, uid, (offset := offset + len(it.record)) - len(it.record),
                             len(it.record), hashlib.sha1(it.record).digest(), it.size,
                             int(it.bare_end), it.idate, it.tzoff, it.flags, version)
                            for uid, it in zip(uids, items, strict=True)
                        ],
                    )  # fmt: skip
                    conn.execute(
                        "UPDATE folders SET uidnext = ?, pending = NULL WHERE id = ?",
                        (row.uidnext + len(items), fid),
                    )
                    _stamp(conn, fid, st)
                return row, uids
        except OSError as exc:
            raise storage_error(exc, "append failed") from exc

    def remove(self, fid: int, uids: set[int], *, refuse_in_use: bool) -> list[int]:
        """Rewrite the file without these messages (temp file, fsync, rename); returns
        the UIDs removed. ``refuse_in_use``: FolderError INUSE while a POP3 session holds
        this maildrop (RFC 1939 §4) — the POP3 session's own commit passes False."""
        try:
            with self.locked(fid) as (lock, row):
                path = lock.mbox
                if refuse_in_use and folder_names.is_inbox(row.name) and session_held(path):
                    raise FolderError(
                        "a POP3 session holds this maildrop; nothing removed", code="INUSE"
                    )
                with self.db.read() as conn:
                    rows = self.db.messages(conn, fid)
                doomed = [m.uid for m in rows if m.uid in uids]
                if not doomed:
                    return []
                tmp = path.with_name(f"{path.name}.tmp.{os.getpid()}")
                try:
                    with open(tmp, "wb") as out:
                        for m in rows:
                            if m.uid not in uids:
                                out.write(os.pread(lock.fd, m.length, m.offset))
                        out.flush()
                        os.fsync(out.fileno())
                        os.fchmod(out.fileno(), os.fstat(lock.fd).st_mode & 0o7777)
                        tmp_ino = os.fstat(out.fileno()).st_ino
                    with self.db.tx() as conn:
                        conn.executemany(
                            "INSERT OR IGNORE INTO removals VALUES (?, ?)",
                            [(fid, uid) for uid in doomed],
                        )
                        conn.execute(
                            "UPDATE folders SET rewrite_ino = ? WHERE id = ?", (tmp_ino, fid)
                        )
                    crashpoint("rewrite-before-rename")
                    os.replace(tmp, path)
                except BaseException:
                    with contextlib.suppress(FileNotFoundError):
                        tmp.unlink()
                    raise
                fsync_dir(path.parent)
                crashpoint("rewrite-after-rename")
                self._finish_rewrite(fid, os.stat(path))
                return doomed
        except OSError as exc:
            raise storage_error(exc, "rewrite failed") from exc

    def _finish_rewrite(self, fid: int, st: os.stat_result) -> None:
        """The new file is in place: drop the removed rows, move the others' offsets
        (the rewrite wrote the kept records in UID order)."""
        with self.db.tx() as conn:
            conn.execute(
                "DELETE FROM messages WHERE folder = ? AND uid IN"
                " (SELECT uid FROM removals WHERE folder = ?)",
                (fid, fid),
            )
            moves = []
            pos = 0
            for uid, offset, length in conn.execute(
                "SELECT uid, offset, length FROM messages WHERE folder = ? ORDER BY uid", (fid,)
            ).fetchall():
                if offset != pos:
                    moves.append((pos, fid, uid))
                pos += length
            conn.executemany("UPDATE messages SET offset = ? WHERE folder = ? AND uid = ?", moves)
            conn.execute("DELETE FROM removals WHERE folder = ?", (fid,))
            conn.execute("UPDATE folders SET rewrite_ino = NULL WHERE id = ?", (fid,))
            _bump(conn, fid, removal=True)
            _stamp(conn, fid, st)
