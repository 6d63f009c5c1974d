"""An open IMAP folder (storage.interface.Folder) over one mbox file and its index rows.

Reads take no file lock: the index gives each message's byte range in the file whose
inode it names, and a read checks that its descriptor is on that inode (a rewrite
renames a new file into place; the old descriptor still reads the old bytes, which the
old rows describe). ``messages()`` is served from a per-object cache refreshed by the
rows whose ``modseq`` is above the cached version, so polling a 100,000-message folder
after one delivery reads one row, not 100,000.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import datetime

from . import folder_names, mboxrd
from .account import Account
from .crashpoints import crashpoint
from .index_db import FolderRow, MessageRow
from .interface import AppendItem, FolderError, StorageError, StoredMessage
from .mbox_file import NewMessage, storage_error

SYSTEM_FLAGS = {f.lower(): f for f in ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft")}


def flags_text(flags: Collection[str]) -> str:
    """Canonical stored form: system flags in their RFC spelling, never \\Recent."""
    out = set()
    for flag in flags:
        if flag.startswith("\\"):
            canonical = SYSTEM_FLAGS.get(flag.lower())
            if canonical is None:
                continue  # \Recent (session state) or an unknown system flag: not storable
            out.add(canonical)
        elif flag:
            out.add(flag)
    return " ".join(sorted(out))


def local_offset_minutes(when: float) -> int:
    return int(time.localtime(when).tm_gmtoff // 60)


def new_message(
    message: bytes, *, flags: str, internal_date: datetime | None, envelope_from: str = ""
) -> NewMessage:
    wire = mboxrd.normalize_crlf(message)
    # mbox needs a final line end; remember that the client's message had none, so the
    # bytes read back (and RFC822.SIZE) are exactly what was appended.
    bare_end = bool(message) and not message.endswith((b"\n", b"\r"))
    if internal_date is None:
        now = time.time()
        idate, tzoff = int(now), local_offset_minutes(now)
    else:
        offset = internal_date.utcoffset()
        idate = int(internal_date.timestamp())
        tzoff = 0 if offset is None else int(offset.total_seconds() // 60)
    record = mboxrd.encode_record(wire, envelope_from, idate)
    return NewMessage(record, len(wire), bare_end, idate, tzoff, flags)


class MboxFolder:
    def __init__(self, account: Account, fid: int, notify: Callable[[int], None]) -> None:
        self._account = account
        self._files = account.files
        self._fid = fid
        self._notify = notify
        self._lock = threading.Lock()  # the descriptor and the cache
        self._fd = -1
        self._fd_ino = -1
        # thread id -> (folder row, uid -> message row) while pinned() (one session
        # calls in from one thread at a time; keyed so that no other thread sees it).
        self._pins: dict[int, tuple[FolderRow, dict[int, MessageRow]]] = {}
        row = self._row()
        self._uidvalidity = row.uidvalidity
        self._cache = account.message_cache(fid)
        if account.first_open(fid):
            # Once per process: finish or undo what a killed process left in this file
            # and remove its temp files, before the first read trusts the index.
            with self._files.locked(fid):
                pass

    # -- state --------------------------------------------------------------------------
    def _row(self) -> FolderRow:
        row = self._files.row(self._fid)
        if row is None:
            raise FolderError("mailbox was deleted", code="NONEXISTENT")
        return row

    def _current(self) -> FolderRow:
        """The row, after indexing what another mbox tool changed in the file."""
        row = self._row()
        if row.pending is not None or row.rewrite_ino is not None:
            return row  # a change of ours is under way; its commit brings the stamp
        try:
            st = os.stat(self._files.path(row))
        except FileNotFoundError:
            return row
        if (st.st_size, st.st_ino, st.st_mtime_ns) != (row.size, row.ino, row.mtime_ns):
            with self._files.locked(self._fid) as (_, synced):
                row = synced
        return row

    @property
    def name(self) -> str:
        return self._row().name

    @property
    def uidvalidity(self) -> int:
        return self._uidvalidity

    def uidnext(self) -> int:
        return self._current().uidnext

    def version(self) -> int:
        return self._current().version

    def settled_version(self) -> int | None:
        """``version()`` if reading the folder now cannot wait for its file lock: no
        change of ours under way and the file as the index last saw it. None otherwise
        (the next read first indexes what another tool changed, under the lock). The
        IMAP core runs a read-only command inline on the event loop only while this
        answers, and answers the selection's version (see imap/inline.py)."""
        row = self._files.row(self._fid)
        if row is None or row.pending is not None or row.rewrite_ino is not None:
            return None
        try:
            st = os.stat(self._files.path(row))
        except FileNotFoundError:
            return row.version  # as _current(): nothing to index (an INBOX never written)
        except OSError:
            return None
        if (st.st_size, st.st_ino, st.st_mtime_ns) != (row.size, row.ino, row.mtime_ns):
            return None
        return row.version

    def messages(self) -> Sequence[StoredMessage]:
        self._current()
        return self._cache.get(self._account.db, self._fid)

    # -- reading ------------------------------------------------------------------------
    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """Reads inside (this thread's) see one snapshot of the index: the folder's row
        and every message's location, read once. A SEARCH that reads 10,000 messages
        asked the index 10,000 times (a third of its time). The descriptor must still
        be on the snapshot's inode; a message not in the snapshot, or a file rewritten
        and not yet opened, is read as outside (a fresh lookup)."""
        with self._account.db.read() as conn:
            row = self._account.db.folder_by_id(conn, self._fid)
            rows = {m.uid: m for m in self._account.db.messages(conn, self._fid)}
        if row is None:
            raise FolderError("mailbox was deleted", code="NONEXISTENT")
        self._pins[threading.get_ident()] = (row, rows)
        try:
            yield
        finally:
            self._pins.pop(threading.get_ident(), None)

    def _descriptor(self, row: FolderRow, *, reopen: bool) -> int | None:
        """A dup of the cached descriptor if it is on the inode ``row`` names (opened
        first if there is none; with ``reopen``, also when it is on another inode)."""
        with self._lock:
            if self._fd < 0 or (reopen and self._fd_ino != row.ino):
                if self._fd >= 0:
                    os.close(self._fd)
                    self._fd = -1
                try:
                    self._fd = os.open(self._files.path(row), os.O_RDONLY)
                except FileNotFoundError:
                    self._fd = -1
                else:
                    self._fd_ino = os.fstat(self._fd).st_ino
            if self._fd >= 0 and self._fd_ino == row.ino:
                return os.dup(self._fd)
        return None

    def _locate(self, uid: int) -> tuple[int, MessageRow]:
        """A private descriptor on the file the row describes, and the row."""
        pin = self._pins.get(threading.get_ident())
        if pin is not None:
            pinned_row, rows = pin
            m = rows.get(uid)
            if m is not None:
                fd = self._descriptor(pinned_row, reopen=False)
                if fd is not None:
                    return fd, m
        for _ in range(3):
            row, m = self._account.db.folder_and_message(self._fid, uid)
            if row is None or m is None:
                raise FolderError("no such message", code="NONEXISTENT")
            fd = self._descriptor(row, reopen=True)
            if fd is not None:
                return fd, m
            # The file was replaced and the index not yet told: wait for the change.
            with self._files.locked(self._fid):
                pass
        raise StorageError("mailbox keeps changing under the read")

    def read(self, uid: int) -> bytes:
        return b"".join(self.read_chunks(uid, 1 << 20))

    def read_chunks(self, uid: int, chunk_size: int = 65536) -> Iterator[bytes]:
        fd, m = self._locate(uid)
        try:
            yield from self._stream(fd, m, max(chunk_size, 1024))
        except OSError as exc:
            raise storage_error(exc, "read failed") from exc
        finally:
            os.close(fd)

    @staticmethod
    def _stream(fd: int, m: MessageRow, chunk_size: int) -> Iterator[bytes]:
        """The record's body decoded to wire form, whole lines at a time."""
        record_end = m.offset + m.length
        first = os.pread(fd, min(m.length, 4096), m.offset)
        while b"\n" not in first and len(first) < m.length:
            first = os.pread(fd, min(m.length, len(first) * 4), m.offset)
        nl = first.find(b"\n")
        pos = m.offset + (nl + 1 if nl >= 0 else m.length)  # after the From_ line
        end = record_end
        if end > pos and os.pread(fd, 1, end - 1) == b"\n":
            end -= 1  # the separator line
        carry = held = b""
        while pos < end:
            data = os.pread(fd, min(chunk_size, end - pos), pos)
            if not data:
                raise StorageError("mailbox file shorter than its index")
            pos += len(data)
            data = carry + data
            cut = data.rfind(b"\n") + 1 if pos < end else len(data)
            carry = data[cut:]
            out = held + mboxrd.decode_lines(data[:cut])
            if m.bare_end:  # hold back the CRLF that the client never sent
                held, out = out[-2:], out[:-2]
            if out:
                yield out

    # -- changes ------------------------------------------------------------------------
    def append(
        self,
        message: bytes,
        *,
        flags: frozenset[str] = frozenset(),
        internal_date: datetime | None = None,
    ) -> int:
        item = new_message(message, flags=flags_text(flags), internal_date=internal_date)
        _, uids = self._files.append(self._fid, [item])
        self._notify(self._fid)
        return uids[0]

    def append_batch(self, items: Sequence[AppendItem]) -> list[int]:
        # RFC 3502 MULTIAPPEND, all or none, with append's kill -9 guarantees: the
        # records go to the file in one MboxFiles.append, under one lock: ``pending =
        # <file size>`` is committed before the first byte is written, the rows of
        # every message, UIDNEXT and the cleared ``pending`` in one transaction after
        # the fsync. Killed before that commit, the next lock finds ``pending`` and
        # truncates the file back (none of the batch visible, no half message); after
        # it, all of them are there before the client is told OK. Nothing acknowledged
        # earlier is touched: the truncation stops at the batch's first byte.
        records = [
            new_message(i.message, flags=flags_text(i.flags), internal_date=i.internal_date)
            for i in items
        ]
        if not records:
            return []
        _, uids = self._files.append(self._fid, records)
        self._notify(self._fid)
        return uids

    def store_flags(self, changes: Mapping[int, frozenset[str]]) -> None:
        if not changes:
            return
        with self._account.db.tx() as conn:
            (version,) = conn.execute(
                "SELECT version + 1 FROM folders WHERE id = ?", (self._fid,)
            ).fetchone()
            before = conn.total_changes
            conn.executemany(
                "UPDATE messages SET flags = ?, modseq = ? WHERE folder = ? AND uid = ?"
                " AND flags != ?",
                [
                    (text, version, self._fid, uid, text)
                    for uid, flags in changes.items()
                    for text in (flags_text(flags),)
                ],
            )
            changed = conn.total_changes - before
            if changed:
                conn.execute("UPDATE folders SET version = ? WHERE id = ?", (version, self._fid))
            crashpoint("flags-before-commit")
        if changed:
            self._notify(self._fid)

    def expunge(self, uids: Collection[int]) -> None:
        if not uids:
            return
        removed = self._files.remove(self._fid, set(uids), refuse_in_use=True)
        if removed:
            self._notify(self._fid)

    def _copy(self, uids: Collection[int], destination: str) -> tuple[int, list[tuple[int, int]]]:
        name = folder_names.check(destination)
        target = self._account.folder_id(name)
        if target is None:
            raise FolderError("no such mailbox; create it first", code="TRYCREATE")
        items: list[NewMessage] = []
        sources: list[int] = []
        for uid in sorted(set(uids)):
            try:
                fd, m = self._locate(uid)
            except FolderError:
                continue  # expunged meanwhile: RFC 3501 copies what exists
            try:
                record = os.pread(fd, m.length, m.offset)
            finally:
                os.close(fd)
            items.append(NewMessage(record, m.size, bool(m.bare_end), m.idate, m.tzoff, m.flags))
            sources.append(uid)
        if not items:
            return target, []
        _, new_uids = self._files.append(target, items)
        self._notify(target)
        return target, list(zip(sources, new_uids, strict=True))

    def copy_to(self, uids: Collection[int], destination: str) -> list[tuple[int, int]]:
        return self._copy(uids, destination)[1]

    def move_to(self, uids: Collection[int], destination: str) -> list[tuple[int, int]]:
        if folder_names.is_inbox(self._row().name):
            from .locking import session_held

            if session_held(self._files.path(self._row())):
                raise FolderError("a POP3 session holds this maildrop; nothing moved", code="INUSE")
        target, pairs = self._copy(uids, destination)
        if not pairs:
            return pairs
        try:
            self._files.remove(self._fid, {s for s, _ in pairs}, refuse_in_use=True)
        except FolderError:
            # A POP3 session took the maildrop between the check and the removal: undo
            # the copy, so that nothing moved.
            self._files.remove(target, {n for _, n in pairs}, refuse_in_use=False)
            self._notify(target)
            raise
        self._notify(self._fid)
        return pairs

    def claim_recent(self) -> frozenset[int]:
        return self._uids_in(*self.claim_recent_range())

    def recent_uids(self) -> frozenset[int]:
        return self._uids_in(*self.recent_range())

    def _uids_in(self, low: int, high: int) -> frozenset[int]:
        """The folder's UIDs in [low, high) (messages appended since are above it)."""
        if low >= high:
            return frozenset()
        with self._account.db.read() as conn:
            return frozenset(
                uid
                for (uid,) in conn.execute(
                    "SELECT uid FROM messages WHERE folder = ? AND uid >= ? AND uid < ?",
                    (self._fid, low, high),
                )
            )

    def claim_recent_range(self) -> tuple[int, int]:
        """``claim_recent()`` as the UID range it covers, [floor, uidnext): every UID
        of the folder in it is claimed (UIDs below uidnext exist or were expunged), so
        the IMAP session keeps two numbers, not a set of every new UID."""
        self._current()
        with self._account.db.tx() as conn:
            floor, uidnext = conn.execute(
                "SELECT recent_floor, uidnext FROM folders WHERE id = ?", (self._fid,)
            ).fetchone()
            if floor >= uidnext:
                return (uidnext, uidnext)
            conn.execute("UPDATE folders SET recent_floor = ? WHERE id = ?", (uidnext, self._fid))
            return (floor, uidnext)

    def recent_range(self) -> tuple[int, int]:
        """``recent_uids()`` as the UID range [floor, uidnext) it covers (no claim)."""
        self._current()
        with self._account.db.read() as conn:
            floor, uidnext = conn.execute(
                "SELECT recent_floor, uidnext FROM folders WHERE id = ?", (self._fid,)
            ).fetchone()
            return (floor, max(floor, uidnext))

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
