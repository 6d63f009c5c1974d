"""MboxStore: every account under ``<data>/mail/<user>/``; one store for POP3, IMAP and
delivery (storage.interface MailStore and FolderStore). See storage/__init__.py."""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from . import folder_names, mboxrd
from .account import Account
from .folder import MboxFolder, local_offset_minutes
from .interface import FolderEntry, FolderError, MaildropInUse, MessageInfo, StorageError
from .locking import SessionLock
from .mbox_file import NewMessage, storage_error

log = logging.getLogger("mailspec.reference_server.storage")
_USER_NAME = re.compile(r"^[^/\x00\s:.][^/\x00\s:]{0,63}$")


class MboxMaildrop:
    """A POP3 session's snapshot of INBOX: fixed records read by offset from the inode
    it saw, under the maildrop lock."""

    def __init__(self, store: MboxStore, user: str, account: Account, lock: SessionLock) -> None:
        self._store = store
        self._user = user
        self._account = account
        self._lock = lock
        fid = account.folder_id("INBOX")
        assert fid is not None
        self._fid = fid
        with account.files.locked(fid) as (file_lock, row):
            with account.db.read() as conn:
                # (uid, offset, length, size): what a POP3 session reads, nothing more.
                self._rows: list[tuple[int, int, int, int]] = conn.execute(
                    "SELECT uid, offset, length, size FROM messages WHERE folder = ? ORDER BY uid",
                    (fid,),
                ).fetchall()
            self._fd = os.open(file_lock.mbox, os.O_RDONLY)
        prefix = f"{row.uidvalidity}."
        self._messages = [MessageInfo(prefix + str(uid), size) for uid, _, _, size in self._rows]
        self._released = False

    @property
    def messages(self) -> Sequence[MessageInfo]:
        return self._messages

    def read(self, index: int) -> bytes:
        _, offset, length, _ = self._rows[index]
        try:
            record = os.pread(self._fd, length, offset)
        except OSError as exc:
            raise storage_error(exc, "read failed") from exc
        if len(record) != length:
            raise StorageError("mailbox changed underneath the session")
        return mboxrd.decode_record(record)

    def commit(self, deleted: Collection[int]) -> None:
        uids = {self._rows[i][0] for i in deleted}
        if not uids:
            return
        try:
            removed = self._account.files.remove(self._fid, uids, refuse_in_use=False)
        except FolderError as exc:
            raise StorageError(str(exc)) from exc
        if removed:
            self._store.notify(self._user, self._fid)

    def release(self) -> None:
        if not self._released:
            self._released = True
            os.close(self._fd)
            self._lock.release()


class MboxStore:
    """All accounts under ``<root>/mail``."""

    delimiter = folder_names.DELIMITER

    def __init__(self, root: Path, *, lock_timeout: float = 10.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self._accounts: dict[str, Account] = {}
        self._accounts_lock = threading.Lock()
        self._watchers: dict[tuple[str, int], list[Callable[[], None]]] = {}
        self._watchers_lock = threading.Lock()

    # -- accounts -----------------------------------------------------------------------
    def mbox_path(self, user: str) -> Path:
        """The user's INBOX file (the maildrop)."""
        return self._account_root(user) / "INBOX.mbox"

    def _account_root(self, user: str) -> Path:
        if not _USER_NAME.match(user):
            raise StorageError(f"unusable user name {user!r}", temporary=False)
        return self.root / "mail" / user

    def account(self, user: str) -> Account:
        root = self._account_root(user)
        with self._accounts_lock:
            found = self._accounts.get(user)
            if found is None:
                found = Account(
                    root,
                    lock_timeout=self.lock_timeout,
                    notify=functools.partial(self.notify, user),
                )
                self._accounts[user] = found
        found.ensure()
        return found

    # -- watchers -----------------------------------------------------------------------
    def notify(self, user: str, fid: int) -> None:
        with self._watchers_lock:
            callbacks = list(self._watchers.get((user, fid), ()))
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a watcher's bug must not fail the change that was made
                log.exception("folder watcher failed")

    def watch(self, user: str, name: str, callback: Callable[[], None]) -> Callable[[], None]:
        fid = self._existing(user, name)
        key = (user, fid)
        with self._watchers_lock:
            self._watchers.setdefault(key, []).append(callback)

        def stop() -> None:
            with self._watchers_lock:
                found = self._watchers.get(key, [])
                if callback in found:
                    found.remove(callback)
                if not found:
                    self._watchers.pop(key, None)

        return stop

    # -- POP3 and delivery (MailStore) ----------------------------------------------------
    def open_maildrop(self, user: str) -> MboxMaildrop:
        account = self.account(user)
        lock = SessionLock(account.root / "INBOX.mbox")
        try:
            lock.acquire()
        except MaildropInUse:
            raise
        except OSError as exc:
            raise storage_error(exc, "cannot lock maildrop") from exc
        try:
            return MboxMaildrop(self, user, account, lock)
        except FolderError as exc:
            lock.release()
            raise StorageError(str(exc)) from exc
        except BaseException:
            lock.release()
            raise

    def deliver(self, user: str, message: bytes, *, envelope_from: str = "") -> None:
        account = self.account(user)
        fid = account.folder_id("INBOX")
        assert fid is not None
        wire = mboxrd.normalize_crlf(message)
        now = time.time()
        record = mboxrd.encode_record(wire, envelope_from, now)
        item = NewMessage(record, len(wire), False, int(now), local_offset_minutes(now), "")
        try:
            account.files.append(fid, [item])
        except FolderError as exc:
            raise StorageError(str(exc)) from exc
        self.notify(user, fid)

    # -- IMAP folders (FolderStore) -------------------------------------------------------
    def _existing(self, user: str, name: str) -> int:
        fid = self.account(user).folder_id(folder_names.check(name))
        if fid is None:
            raise FolderError("no such mailbox", code="NONEXISTENT")
        return fid

    def list_folders(self, user: str) -> list[FolderEntry]:
        return self.account(user).list_folders()

    def create_folder(self, user: str, name: str, special_use: Collection[str] = ()) -> None:
        self.account(user).create_folder(name, special_use)

    def special_uses(self, user: str) -> dict[str, frozenset[str]]:
        return self.account(user).special_uses()

    def delete_folder(self, user: str, name: str) -> None:
        self.account(user).delete_folder(name)

    def rename_folder(self, user: str, old: str, new: str) -> None:
        self.account(user).rename_folder(old, new)

    def subscriptions(self, user: str) -> set[str]:
        return self.account(user).subscriptions()

    def subscribe(self, user: str, name: str) -> None:
        self.account(user).subscribe(name)

    def unsubscribe(self, user: str, name: str) -> None:
        self.account(user).unsubscribe(name)

    def open_folder(self, user: str, name: str) -> MboxFolder:
        account = self.account(user)
        fid = self._existing(user, name)
        return MboxFolder(account, fid, lambda fid: self.notify(user, fid))
