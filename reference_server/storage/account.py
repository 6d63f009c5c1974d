"""One account: its folder tree on disk, its index database, and the folder namespace
operations (CREATE, DELETE, RENAME, LIST, subscriptions) of RFC 3501 §6.3.

Namespace changes are serialised by the account lock (flock on ``.account.lock``) and
take the file locks of the mboxes they touch, so an append never lands in a file that
is being renamed or deleted. RENAME touches several paths; it writes an *intent* to the
index first (the rows are renamed in the same transaction), then moves the files, then
drops the intent. A kill in between leaves the intent, and the next process to open
the account rolls the move forward before anything else (``recover``).
"""

from __future__ import annotations

import collections
import contextlib
import errno
import fcntl
import os
import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from . import folder_names as names
from .crashpoints import crashpoint
from .folder_cache import MessageCache
from .index_db import UIDVALIDITY_MARK, AccountDb
from .interface import FolderEntry, FolderError, StorageError
from .locking import FileLock, acquire, clean_orphans, pid_alive, session_held
from .mbox_file import MboxFiles, fsync_dir, storage_error

ACCOUNT_LOCK = ".account.lock"
RECENT_CACHES = 4  # folders per account whose messages() stay cached with no session open


class Account:
    def __init__(self, root: Path, *, lock_timeout: float, notify: Callable[[int], None]) -> None:
        self.root = root
        self.lock_timeout = lock_timeout
        self.notify = notify
        self.db = AccountDb(root, busy_timeout=lock_timeout)
        self.files = MboxFiles(self.db, root, lock_timeout=lock_timeout)
        self._ready = False
        self._ready_lock = threading.Lock()
        # Held by the open Folder objects: a folder nobody has open costs no memory.
        self._caches: weakref.WeakValueDictionary[int, MessageCache] = weakref.WeakValueDictionary()
        self._opened: set[int] = set()
        self._recent_caches: collections.OrderedDict[int, MessageCache] = collections.OrderedDict()

    def first_open(self, fid: int) -> bool:
        """True the first time this process opens folder ``fid``."""
        with self._ready_lock:
            if fid in self._opened:
                return False
            self._opened.add(fid)
            return True

    def message_cache(self, fid: int) -> MessageCache:
        with self._ready_lock:
            found = self._caches.get(fid)
            if found is None:
                found = MessageCache()
                self._caches[fid] = found
            # The last few folders opened stay cached after their sessions close: a
            # client that reconnects and SELECTs its big folder again is not served by
            # a rebuild from the index (0.3 s and more at 100,000 messages).
            self._recent_caches.pop(fid, None)
            self._recent_caches[fid] = found
            while len(self._recent_caches) > RECENT_CACHES:
                self._recent_caches.popitem(last=False)
            return found

    # -- opening ------------------------------------------------------------------------
    def ensure(self) -> None:
        """Create the account folder; once per process, finish interrupted operations."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise storage_error(exc, "cannot create mail folder") from exc
            with self.account_lock():
                self.recover()
                self._clean_leftovers()
            self._ready = True

    def _clean_leftovers(self) -> None:
        """Temp files of the UIDVALIDITY mark left by a killed process, and dot-locks
        left beside mboxes that a killed DELETE or RENAME took away."""
        for folder, dirs, _ in os.walk(self.root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            clean_orphans(Path(folder))
        prefix = UIDVALIDITY_MARK + ".tmp."
        for name in os.listdir(self.root):
            if name.startswith(prefix):
                pid = name[len(prefix) :].split(".")[0]
                if pid.isdigit() and (int(pid) == os.getpid() or not pid_alive(int(pid))):
                    with contextlib.suppress(FileNotFoundError):
                        (self.root / name).unlink()

    @contextlib.contextmanager
    def account_lock(self) -> Iterator[None]:
        try:
            fd = os.open(self.root / ACCOUNT_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise storage_error(exc, "cannot lock account") from exc
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                        raise storage_error(exc, "cannot lock account") from exc
                    if time.monotonic() > deadline:
                        raise StorageError("account is busy (folder operation)") from None
                    time.sleep(0.005)
            yield
        finally:
            os.close(fd)

    def recover(self) -> None:
        """Roll interrupted RENAMEs forward (caller holds the account lock)."""
        with self.db.read() as conn:
            intents = conn.execute("SELECT id, kind, old, new FROM intents ORDER BY id").fetchall()
        for iid, kind, old, new in intents:
            if kind == "rename-inbox":
                self._move_path(names.mbox_path(self.root, old), names.mbox_path(self.root, new))
                inbox = names.mbox_path(self.root, "INBOX")
                with contextlib.suppress(FileExistsError):
                    os.close(os.open(inbox, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            else:
                self._move_path(names.mbox_path(self.root, old), names.mbox_path(self.root, new))
                self._move_path(names.level_path(self.root, old), names.level_path(self.root, new))
            with self.db.tx() as conn:
                conn.execute("DELETE FROM intents WHERE id = ?", (iid,))

    def _retry_recover(self) -> None:
        """A RENAME failed half way (not a crash): its rows are renamed, so finish moving
        the files now rather than at the next start (caller holds the account lock)."""
        with contextlib.suppress(OSError, StorageError):
            self.recover()

    def _move_path(self, old: Path, new: Path) -> None:
        if old.exists() and not new.exists():
            self._make_levels(new.parent)
            os.rename(old, new)
            fsync_dir(old.parent)
            fsync_dir(new.parent)

    def _make_levels(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for level in reversed(missing):
            level.mkdir()
            fsync_dir(level.parent)

    # -- names --------------------------------------------------------------------------
    def folder_id(self, name: str) -> int | None:
        """The index row of an existing folder (made for an mbox file found on disk)."""
        self.ensure()
        path = names.mbox_path(self.root, name)
        exists = names.is_inbox(name) or path.is_file()
        with self.db.read() as conn:
            row = self.db.folder_by_name(conn, name)
        if row is not None:
            return row.id if exists else None
        if not exists:
            return None
        with self.db.tx() as conn:
            row = self.db.folder_by_name(conn, name) or self.db.insert_folder(conn, name)
        return row.id

    def list_folders(self) -> list[FolderEntry]:
        self.ensure()
        tree = names.walk(self.root)
        return [FolderEntry(n, tree[n].selectable) for n in sorted(tree)]

    def create_folder(self, name: str, special_use: Collection[str] = ()) -> None:
        if name.endswith(names.DELIMITER) and not name.endswith(names.DELIMITER * 2):
            name = name[:-1]  # RFC 3501 §6.3.3: a trailing delimiter only declares intent
        name = names.check(name)
        if names.is_inbox(name):
            raise FolderError("INBOX always exists", code="ALREADYEXISTS")
        self.ensure()
        with self.account_lock():
            path = names.mbox_path(self.root, name)
            if path.exists():
                raise FolderError("mailbox already exists", code="ALREADYEXISTS")
            try:
                self._make_levels(path.parent)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                fsync_dir(path.parent)
            except FileExistsError:
                raise FolderError("mailbox already exists", code="ALREADYEXISTS") from None
            except NotADirectoryError:
                raise FolderError("a superior is not a hierarchy level", code="CANNOT") from None
            except OSError as exc:
                raise storage_error(exc, "cannot create mailbox") from exc
            crashpoint("create-before-index")
            with self.db.tx() as conn:
                row = self.db.insert_folder(conn, name)
                if special_use:
                    # RFC 6154 §3: the folder and its special use in one commit.
                    conn.execute(
                        "INSERT INTO special_use VALUES (?, ?)",
                        (row.id, " ".join(sorted(set(special_use)))),
                    )

    def delete_folder(self, name: str) -> None:
        name = names.check(name)
        if names.is_inbox(name):
            raise FolderError("INBOX cannot be deleted", code="CANNOT")
        self.ensure()
        with self.account_lock():
            tree = names.walk(self.root)
            entry = tree.get(name)
            if entry is None:
                raise FolderError("mailbox does not exist", code="NONEXISTENT")
            level = names.level_path(self.root, name)
            if not entry.selectable:
                if entry.has_children:
                    # RFC 3501 §6.3.4: a \Noselect name with inferiors cannot be deleted.
                    raise FolderError("mailbox has inferior hierarchical names", code="CANNOT")
                self._remove_level(level)
                return
            fid = self.folder_id(name)
            if fid is not None:
                with self.files.locked(fid) as (lock, _):
                    # The file goes first: a kill before the index change leaves a stale
                    # row for a folder that no longer exists, which nothing uses.
                    try:
                        os.unlink(lock.mbox)
                        fsync_dir(lock.mbox.parent)
                    except OSError as exc:
                        raise storage_error(exc, "cannot delete mailbox") from exc
                    crashpoint("delete-before-index")
                    with self.db.tx() as conn:
                        self.db.drop_folder(conn, name)
                self.notify(fid)
            if not entry.has_children and level.is_dir():
                self._remove_level(level)

    def _remove_level(self, level: Path) -> None:
        try:
            level.rmdir()
            fsync_dir(level.parent)
        except FileNotFoundError:
            pass
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise FolderError(
                    "hierarchy level holds files that are not mailboxes", code="CANNOT"
                ) from None
            raise storage_error(exc, "cannot delete hierarchy level") from exc

    def rename_folder(self, old: str, new: str) -> None:
        old, new = names.check(old), names.check(new)
        if names.is_inbox(new) or old == new:
            raise FolderError("target mailbox already exists", code="ALREADYEXISTS")
        if new.startswith(old + names.DELIMITER):
            raise FolderError("cannot rename a mailbox into its own hierarchy", code="CANNOT")
        self.ensure()
        with self.account_lock():
            tree = names.walk(self.root)
            if old not in tree:
                raise FolderError("mailbox does not exist", code="NONEXISTENT")
            if new in tree or names.mbox_path(self.root, new).exists():
                raise FolderError("target mailbox already exists", code="ALREADYEXISTS")
            if names.is_inbox(old):
                self._rename_inbox(new)
                return
            self._rename_tree(old, new, tree)

    def _rename_tree(self, old: str, new: str, tree: dict[str, names.TreeEntry]) -> None:
        moving = [
            n
            for n in sorted(tree)
            if tree[n].selectable and (n == old or n.startswith(old + names.DELIMITER))
        ]
        fids = [fid for n in moving if (fid := self.folder_id(n)) is not None]
        locks: list[FileLock] = []
        try:
            for fid in fids:
                row = self.files.row(fid)
                assert row is not None
                locks.append(acquire(self.files.path(row), timeout=self.lock_timeout, create=False))
            with self.db.tx() as conn:
                # Rows of folders deleted by a crash at the destination go first.
                conn.execute(
                    "DELETE FROM messages WHERE folder IN (SELECT id FROM folders"
                    " WHERE name = ? OR substr(name, 1, ?) = ?)",
                    (new, len(new) + 1, new + names.DELIMITER),
                )
                conn.execute(
                    "DELETE FROM folders WHERE name = ? OR substr(name, 1, ?) = ?",
                    (new, len(new) + 1, new + names.DELIMITER),
                )
                conn.execute(
                    "INSERT INTO intents (kind, old, new) VALUES ('rename', ?, ?)", (old, new)
                )
                conn.execute(
                    "UPDATE folders SET name = ? || substr(name, ?)"
                    " WHERE name = ? OR substr(name, 1, ?) = ?",
                    (new, len(old) + 1, old, len(old) + 1, old + names.DELIMITER),
                )
            old_level, new_level = (names.level_path(self.root, n) for n in (old, new))
            for lock in locks:
                # Inferiors move with the directory, dot-lock and all; the folder's own
                # mbox is renamed alone and its dot-lock stays (released at the old path).
                if lock.mbox.is_relative_to(old_level):
                    lock.prepare_move(new_level / lock.mbox.relative_to(old_level))
            crashpoint("rename-before-move")
            self._make_levels(names.mbox_path(self.root, new).parent)
            self._move_path(names.mbox_path(self.root, old), names.mbox_path(self.root, new))
            crashpoint("rename-mid")
            self._move_path(names.level_path(self.root, old), names.level_path(self.root, new))
            for lock in locks:
                lock.finish_move()
            with self.db.tx() as conn:
                conn.execute(
                    "DELETE FROM intents WHERE kind = 'rename' AND old = ? AND new = ?", (old, new)
                )
        except OSError as exc:
            self._retry_recover()
            raise storage_error(exc, "rename failed") from exc
        finally:
            for lock in locks:
                lock.release()
        for fid in fids:
            self.notify(fid)

    def _rename_inbox(self, new: str) -> None:
        """RFC 3501 §6.3.5: INBOX's messages move to a new folder; INBOX stays, empty
        (its UIDVALIDITY and UIDNEXT go on, so no POP3 UIDL is ever reused)."""
        fid = self.folder_id("INBOX")
        assert fid is not None
        target = names.mbox_path(self.root, new)
        with self.files.locked(fid) as (lock, row):
            if session_held(lock.mbox):
                raise FolderError("a POP3 session holds INBOX; nothing moved", code="INUSE")
            with self.db.tx() as conn:
                self.db.drop_folder(conn, new)
                conn.execute(
                    "INSERT INTO intents (kind, old, new) VALUES ('rename-inbox', 'INBOX', ?)",
                    (new,),
                )
                version = row.version + 1
                conn.execute(
                    "INSERT INTO folders (id, name, uidvalidity, uidnext, recent_floor, version,"
                    " expunge_version, size, ino, mtime_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (self.db.new_folder_id(conn), new, self.db.new_uidvalidity(conn), row.uidnext,
                     row.recent_floor, version, version, row.size, row.ino, row.mtime_ns),
                )  # fmt: skip
                moved = self.db.folder_by_name(conn, new)
                assert moved is not None
                conn.execute("UPDATE messages SET folder = ? WHERE folder = ?", (moved.id, fid))
                conn.execute(
                    "UPDATE folders SET version = ?, expunge_version = ?, size = 0, ino = 0,"
                    " mtime_ns = 0 WHERE id = ?",
                    (version, version, fid),
                )
            crashpoint("rename-before-move")
            try:
                self._make_levels(target.parent)
                os.rename(lock.mbox, target)
                with contextlib.suppress(FileExistsError):
                    os.close(os.open(lock.mbox, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                fsync_dir(lock.mbox.parent)
                fsync_dir(target.parent)
            except OSError as exc:
                self._retry_recover()
                raise storage_error(exc, "rename failed") from exc
            with self.db.tx() as conn:
                conn.execute("DELETE FROM intents WHERE kind = 'rename-inbox' AND new = ?", (new,))
        self.notify(fid)
        self.notify(moved.id)

    # -- special uses (RFC 6154) ----------------------------------------------------------
    def special_uses(self) -> dict[str, frozenset[str]]:
        """Folder name -> its special-use attributes, for folders that have any. Keyed
        by folder id in the index, so a use follows RENAME and goes with DELETE."""
        self.ensure()
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT f.name, s.uses FROM special_use s JOIN folders f ON f.id = s.folder"
            ).fetchall()
        return {name: frozenset(uses.split()) for name, uses in rows if uses}

    # -- subscriptions ------------------------------------------------------------------
    def subscriptions(self) -> set[str]:
        self.ensure()
        with self.db.read() as conn:
            return {n for (n,) in conn.execute("SELECT name FROM subscriptions")}

    def subscribe(self, name: str) -> None:
        name = names.check(name)
        self.ensure()
        with self.db.tx() as conn:
            conn.execute("INSERT OR IGNORE INTO subscriptions VALUES (?)", (name,))

    def unsubscribe(self, name: str) -> None:
        name = names.check(name)
        self.ensure()
        with self.db.tx() as conn:
            conn.execute("DELETE FROM subscriptions WHERE name = ?", (name,))
