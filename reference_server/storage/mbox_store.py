"""One mbox file per account, with a sidecar index for UIDs and crash recovery.

Theory of operation
-------------------
Layout, per user::

    <data>/mail/<user>/INBOX.mbox          the mailbox (mboxrd, see mboxrd.py)
    <data>/mail/<user>/INBOX.mbox.index    JSON sidecar: uids, offsets, sizes, hashes
    <data>/mail/<user>/INBOX.mbox.lock     dot-lock, only while a change is made
    <data>/mail/<user>/INBOX.mbox.session  flock'd by the POP3 session owning the drop

The message bytes are never touched to carry a UID: the index maps each record
(offset, length, sha1) to a number, and the UIDL id is ``<epoch>.<number>``. ``epoch``
is chosen when an index is created; numbers only grow. If the index is lost, a new
index gets a new epoch, so an id is never reused even then. If the mbox was changed
behind our back (another mbox tool), records are matched to the old index by sha1 and
keep their ids; unknown records get new numbers.

Durability (a kill -9 at any point loses no accepted message, shows no half message):

* Append: under the file lock, write the index with ``pending = <current size>``,
  append the record and fsync, then write the index with the new record and no
  ``pending``. Finding ``pending`` set on the next open means an append never
  finished (and was never acknowledged): the file is truncated back to ``pending``.
  Bytes beyond the indexed size *without* ``pending`` were appended by another tool:
  they are parsed and indexed.
* Rewrite (POP3 deletions on QUIT): under the file lock, copy the records to keep
  into ``INBOX.mbox.tmp.<pid>``, fsync, rename over the mbox, fsync the folder, then
  write the index. A crash before the rename leaves the old file (the temp file is
  removed on the next open); a crash after it leaves an index that no longer fits the
  file, which is rebuilt by sha1 matching with the ids preserved.
* The index itself is always replaced by temp file + fsync + rename.

For tests only, ``MAILSPEC_REF_CRASHPOINTS=name,...`` with ``MAILSPEC_REF_CRASHPOINT_DIR``
makes the code stop at named points (``append-mid``, ``rewrite-before-rename``,
``rewrite-after-rename``): it creates ``<dir>/<name>`` and sleeps, so a test can
SIGKILL the server exactly there.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import mboxrd
from .interface import MaildropInUse, MessageInfo, StorageError
from .locking import SessionLock, file_lock, pid_alive

INDEX_VERSION = 1
_USER_NAME = re.compile(r"^[^/\x00\s:.][^/\x00\s:]{0,63}$")


def _crashpoints() -> list[str]:
    return os.environ.get("MAILSPEC_REF_CRASHPOINTS", "").split(",")


def _crashpoint(name: str) -> None:
    folder = os.environ.get("MAILSPEC_REF_CRASHPOINT_DIR")
    if folder and name in _crashpoints():
        Path(folder, name).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("MAILSPEC_REF_CRASHPOINT_SLEEP", "30")))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _storage_error(exc: OSError, what: str) -> StorageError:
    permanent = exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR)
    return StorageError(f"{what}: {exc.strerror}", temporary=not permanent)


@dataclass
class _Entry:
    offset: int
    length: int
    uid: int
    sha1: str
    size: int  # wire octets

    def to_json(self) -> list[Any]:
        return [self.offset, self.length, self.uid, self.sha1, self.size]


@dataclass
class _Index:
    epoch: int
    next_uid: int = 1
    size: int = 0
    ino: int = 0
    mtime_ns: int = 0
    pending: int | None = None
    entries: list[_Entry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": INDEX_VERSION,
            "epoch": self.epoch,
            "next_uid": self.next_uid,
            "size": self.size,
            "ino": self.ino,
            "mtime_ns": self.mtime_ns,
            "pending": self.pending,
            "messages": [e.to_json() for e in self.entries],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Index:
        if data.get("version") != INDEX_VERSION:
            raise ValueError("unknown index version")
        return cls(
            epoch=int(data["epoch"]),
            next_uid=int(data["next_uid"]),
            size=int(data["size"]),
            ino=int(data["ino"]),
            mtime_ns=int(data["mtime_ns"]),
            pending=None if data["pending"] is None else int(data["pending"]),
            entries=[
                _Entry(int(o), int(n), int(u), str(h), int(z)) for o, n, u, h, z in data["messages"]
            ],
        )

    def uidl(self, entry: _Entry) -> str:
        return f"{self.epoch}.{entry.uid}"


class Mailbox:
    """One mbox file plus its index. Every method takes the file lock itself."""

    def __init__(self, path: Path, *, lock_timeout: float = 10.0) -> None:
        self.path = path
        self.index_path = path.with_name(path.name + ".index")
        self.lock_timeout = lock_timeout

    # -- index ----------------------------------------------------------------------
    def _read_index(self) -> _Index | None:
        try:
            return _Index.from_json(json.loads(self.index_path.read_bytes()))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            return None  # damaged: rebuilt from the mbox with a fresh epoch

    def _write_index(self, index: _Index) -> None:
        tmp = self.index_path.with_name(f"{self.index_path.name}.tmp.{os.getpid()}")
        with open(tmp, "wb") as f:
            f.write(json.dumps(index.to_json(), separators=(",", ":")).encode())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.index_path)
        _fsync_dir(self.path.parent)

    def _new_epoch(self, old: _Index | None) -> int:
        # Microseconds: a rebuilt index (old one lost) must not repeat an old epoch.
        epoch = time.time_ns() // 1000
        if old is not None and epoch <= old.epoch:
            epoch = old.epoch + 1
        return epoch

    def _sync(self, fd: int) -> _Index:
        """Bring the index in line with the file (caller holds the file lock)."""
        for stale in self.path.parent.glob(self.path.name + ".tmp.*"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        for stale in self.path.parent.glob(self.path.name + ".lock.*.*"):
            # A dot-lock candidate left by a killed process (see locking._try_dotlock).
            pid = stale.name.rsplit(".", 2)[-2]
            if pid.isdigit() and not pid_alive(int(pid)):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
        index = self._read_index()
        st = os.fstat(fd)
        dirty = False
        if index is not None and index.pending is not None:
            if st.st_size > index.pending:
                # An append that never finished: it was never acknowledged either.
                os.ftruncate(fd, index.pending)
                os.fsync(fd)
            index.pending = None
            dirty = True
            st = os.fstat(fd)
        if (
            index is not None
            and index.size == st.st_size
            and index.ino == st.st_ino
            and index.mtime_ns == st.st_mtime_ns
        ):
            if dirty:
                self._write_index(index)
            return index
        index = self._rebuild(fd, index)
        self._write_index(index)
        return index

    def _rebuild(self, fd: int, old: _Index | None) -> _Index:
        data = os.pread(fd, os.fstat(fd).st_size, 0)
        known: dict[str, list[int]] = {}
        if old is not None:
            for e in old.entries:
                known.setdefault(e.sha1, []).append(e.uid)
            index = _Index(epoch=old.epoch, next_uid=old.next_uid)
        else:
            index = _Index(epoch=self._new_epoch(old))
        for offset, length in mboxrd.split_records(data):
            record = data[offset : offset + length]
            sha1 = hashlib.sha1(record).hexdigest()
            uids = known.get(sha1)
            if uids:
                uid = uids.pop(0)
            else:
                uid = index.next_uid
                index.next_uid += 1
            index.entries.append(_Entry(offset, length, uid, sha1, mboxrd.record_wire_size(record)))
        self._stamp(index, fd)
        return index

    @staticmethod
    def _stamp(index: _Index, fd: int) -> None:
        st = os.fstat(fd)
        index.size, index.ino, index.mtime_ns = st.st_size, st.st_ino, st.st_mtime_ns

    # -- operations -----------------------------------------------------------------
    def append(self, message: bytes, envelope_from: str = "") -> str:
        wire = mboxrd.normalize_crlf(message)
        record = mboxrd.encode_record(wire, envelope_from)
        try:
            with file_lock(self.path, timeout=self.lock_timeout) as fd:
                index = self._sync(fd)
                start = index.size
                index.pending = start
                self._write_index(index)
                os.lseek(fd, start, os.SEEK_SET)
                half = len(record) // 2
                _write_all(fd, record[:half])
                if "append-mid" in _crashpoints():
                    os.fsync(fd)
                    _crashpoint("append-mid")
                _write_all(fd, record[half:])
                os.fsync(fd)
                entry = _Entry(
                    start,
                    len(record),
                    index.next_uid,
                    hashlib.sha1(record).hexdigest(),
                    len(wire),
                )
                index.next_uid += 1
                index.entries.append(entry)
                index.pending = None
                self._stamp(index, fd)
                self._write_index(index)
                return index.uidl(entry)
        except OSError as exc:
            raise _storage_error(exc, "append failed") from exc

    def snapshot(self) -> tuple[_Index, int]:
        """The current index and a read-only fd on the live file (caller closes it)."""
        try:
            with file_lock(self.path, timeout=self.lock_timeout) as fd:
                index = self._sync(fd)
                return index, os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise _storage_error(exc, "cannot open mailbox") from exc

    def remove(self, uids: Collection[int]) -> None:
        """Rewrite the file without the records numbered ``uids``."""
        if not uids:
            return
        doomed = set(uids)
        try:
            with file_lock(self.path, timeout=self.lock_timeout) as fd:
                index = self._sync(fd)
                keep = [e for e in index.entries if e.uid not in doomed]
                if len(keep) == len(index.entries):
                    return
                tmp = self.path.with_name(f"{self.path.name}.tmp.{os.getpid()}")
                new_entries: list[_Entry] = []
                with open(tmp, "wb") as out:
                    pos = 0
                    for e in keep:
                        record = os.pread(fd, e.length, e.offset)
                        out.write(record)
                        new_entries.append(_Entry(pos, e.length, e.uid, e.sha1, e.size))
                        pos += e.length
                    out.flush()
                    os.fsync(out.fileno())
                    os.fchmod(out.fileno(), os.fstat(fd).st_mode & 0o7777)
                _crashpoint("rewrite-before-rename")
                os.replace(tmp, self.path)
                _fsync_dir(self.path.parent)
                _crashpoint("rewrite-after-rename")
                index.entries = new_entries
                new_fd = os.open(self.path, os.O_RDONLY)
                try:
                    self._stamp(index, new_fd)
                finally:
                    os.close(new_fd)
                self._write_index(index)
        except OSError as exc:
            raise _storage_error(exc, "rewrite failed") from exc


class MboxMaildrop:
    """A POP3 session's snapshot: fixed records read by offset from the inode it saw."""

    def __init__(self, mailbox: Mailbox, lock: SessionLock) -> None:
        self._mailbox = mailbox
        self._lock = lock
        index, self._fd = mailbox.snapshot()
        self._entries = list(index.entries)
        self._messages = [MessageInfo(index.uidl(e), e.size) for e in self._entries]
        self._released = False

    @property
    def messages(self) -> Sequence[MessageInfo]:
        return self._messages

    def read(self, index: int) -> bytes:
        e = self._entries[index]
        try:
            record = os.pread(self._fd, e.length, e.offset)
        except OSError as exc:
            raise _storage_error(exc, "read failed") from exc
        if len(record) != e.length:
            raise StorageError("mailbox changed underneath the session")
        return mboxrd.decode_record(record)

    def commit(self, deleted: Collection[int]) -> None:
        self._mailbox.remove([self._entries[i].uid for i in deleted])

    def release(self) -> None:
        if not self._released:
            self._released = True
            os.close(self._fd)
            self._lock.release()


class MboxStore:
    """All accounts under ``<data>/mail``; implements storage.interface.MailStore."""

    def __init__(self, root: Path, *, lock_timeout: float = 10.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout

    def mbox_path(self, user: str) -> Path:
        if not _USER_NAME.match(user):
            raise StorageError(f"unusable user name {user!r}", temporary=False)
        return self.root / "mail" / user / "INBOX.mbox"

    def mailbox(self, user: str) -> Mailbox:
        path = self.mbox_path(user)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _storage_error(exc, "cannot create mail folder") from exc
        return Mailbox(path, lock_timeout=self.lock_timeout)

    def open_maildrop(self, user: str) -> MboxMaildrop:
        mailbox = self.mailbox(user)
        lock = SessionLock(mailbox.path)
        try:
            lock.acquire()
        except MaildropInUse:
            raise
        except OSError as exc:
            raise _storage_error(exc, "cannot lock maildrop") from exc
        try:
            return MboxMaildrop(mailbox, lock)
        except BaseException:
            lock.release()
            raise

    def deliver(self, user: str, message: bytes, *, envelope_from: str = "") -> None:
        self.mailbox(user).append(message, envelope_from)
