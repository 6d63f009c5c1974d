"""A TEST DOUBLE: an in-memory FolderStore, for driving the sans-IO IMAP core without
files. It follows storage/interface.py's contract (names, codes, \\Recent claiming,
watch callbacks) closely enough for the protocol tests; the real store is
storage/mbox_store.py and has its own tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from mailspec.reference_server.storage.interface import (
    AppendItem,
    FolderEntry,
    FolderError,
    StoredMessage,
)

DELIM = "/"
_validity = itertools.count(1000)


@dataclass
class MemFolderData:
    name: str
    uidvalidity: int = field(default_factory=lambda: next(_validity))
    uidnext: int = 1
    messages: dict[int, tuple[StoredMessage, bytes]] = field(default_factory=dict)
    claimed: set[int] = field(default_factory=set)
    version: int = 0
    selectable: bool = True
    inuse: bool = False  # a POP3 session holds this maildrop
    special_use: frozenset[str] = frozenset()  # RFC 6154; moves with the data on RENAME


class MemFolder:
    def __init__(self, store: MemStore, user: str, data: MemFolderData) -> None:
        self.store = store
        self.user = user
        self.data = data
        self.closed = False

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def uidvalidity(self) -> int:
        return self.data.uidvalidity

    def uidnext(self) -> int:
        return self.data.uidnext

    def _live(self) -> MemFolderData:
        if self.store.folders[self.user].get(self.data.name) is not self.data:
            raise FolderError("folder deleted", code="NONEXISTENT")
        return self.data

    def messages(self) -> Sequence[StoredMessage]:
        data = self._live()
        return [data.messages[uid][0] for uid in sorted(data.messages)]

    def version(self) -> int:
        return self.data.version

    def read(self, uid: int) -> bytes:
        try:
            return self._live().messages[uid][1]
        except KeyError:
            raise FolderError("expunged", code="NONEXISTENT") from None

    def read_chunks(self, uid: int, chunk_size: int = 65536) -> Iterator[bytes]:
        data = self.read(uid)
        for i in range(0, len(data), chunk_size):
            yield data[i : i + chunk_size]

    def append(
        self,
        message: bytes,
        *,
        flags: frozenset[str] = frozenset(),
        internal_date: datetime | None = None,
    ) -> int:
        data = self._live()
        uid = data.uidnext
        data.uidnext += 1
        stored = StoredMessage(uid, len(message), internal_date or datetime.now(UTC), flags)
        data.messages[uid] = (stored, message)
        self.store.changed(self.user, data)
        return uid

    def append_batch(self, items: Sequence[AppendItem]) -> list[int]:
        # All or none: nothing here can fail after the first message is added.
        data = self._live()
        uids = []
        for item in items:
            uid = data.uidnext
            data.uidnext += 1
            when = item.internal_date or datetime.now(UTC)
            data.messages[uid] = (StoredMessage(uid, len(item.message), when, item.flags),
                                  item.message)  # fmt: skip
            uids.append(uid)
        if uids:
            self.store.changed(self.user, data)
        return uids

    def store_flags(self, changes: Mapping[int, frozenset[str]]) -> None:
        data = self._live()
        for uid, flags in changes.items():
            if uid in data.messages:
                stored, raw = data.messages[uid]
                data.messages[uid] = (replace(stored, flags=frozenset(flags)), raw)
        self.store.changed(self.user, data)

    def expunge(self, uids: Collection[int]) -> None:
        data = self._live()
        if data.inuse and uids:
            raise FolderError("POP3 session holds the maildrop", code="INUSE")
        for uid in uids:
            data.messages.pop(uid, None)
        self.store.changed(self.user, data)

    def copy_to(self, uids: Collection[int], destination: str) -> list[tuple[int, int]]:
        target = self.store.folders[self.user].get(destination)
        if target is None or not target.selectable:
            raise FolderError("no such mailbox", code="TRYCREATE")
        pairs = []
        for uid in sorted(uids):
            if uid not in self.data.messages:
                continue
            stored, raw = self.data.messages[uid]
            new = target.uidnext
            target.uidnext += 1
            target.messages[new] = (replace(stored, uid=new), raw)
            pairs.append((uid, new))
        self.store.changed(self.user, target)
        return pairs

    def move_to(self, uids: Collection[int], destination: str) -> list[tuple[int, int]]:
        if self.data.inuse and uids:
            raise FolderError("POP3 session holds the maildrop", code="INUSE")
        pairs = self.copy_to(uids, destination)
        self.expunge([source for source, _ in pairs])
        return pairs

    def claim_recent(self) -> frozenset[int]:
        data = self.data
        fresh = frozenset(uid for uid in data.messages if uid not in data.claimed)
        data.claimed |= fresh
        return fresh

    def recent_uids(self) -> frozenset[int]:
        return frozenset(uid for uid in self.data.messages if uid not in self.data.claimed)

    def close(self) -> None:
        self.closed = True


@dataclass
class MemStore:
    delimiter: str = DELIM
    folders: dict[str, dict[str, MemFolderData]] = field(default_factory=dict)
    subs: dict[str, set[str]] = field(default_factory=dict)
    watchers: dict[tuple[str, str], list[Callable[[], None]]] = field(default_factory=dict)

    def account(self, user: str) -> dict[str, MemFolderData]:
        return self.folders.setdefault(user, {"INBOX": MemFolderData("INBOX")})

    def changed(self, user: str, data: MemFolderData) -> None:
        data.version += 1
        for callback in list(self.watchers.get((user, data.name), [])):
            callback()

    def list_folders(self, user: str) -> list[FolderEntry]:
        return [FolderEntry(n, d.selectable) for n, d in sorted(self.account(user).items())]

    def _check_name(self, name: str) -> None:
        parts = name.split(DELIM)
        if not name or any(not p or p in (".", "..") for p in parts) or "\0" in name:
            raise FolderError("invalid name", code="CANNOT")

    def create_folder(self, user: str, name: str, special_use: Collection[str] = ()) -> None:
        self._check_name(name)
        folders = self.account(user)
        existing = folders.get(name)
        if existing is not None:
            if existing.selectable:
                raise FolderError("exists", code="ALREADYEXISTS")
            existing.selectable = True
            existing.special_use = frozenset(special_use)
            return
        parts = name.split(DELIM)
        for depth in range(1, len(parts)):
            folders.setdefault(DELIM.join(parts[:depth]), MemFolderData(DELIM.join(parts[:depth])))
        folders[name] = MemFolderData(name, special_use=frozenset(special_use))

    def special_uses(self, user: str) -> dict[str, frozenset[str]]:
        return {n: d.special_use for n, d in self.account(user).items() if d.special_use}

    def delete_folder(self, user: str, name: str) -> None:
        folders = self.account(user)
        if name == "INBOX":
            raise FolderError("cannot delete INBOX", code="CANNOT")
        data = folders.get(name)
        if data is None:
            raise FolderError("no such mailbox", code="NONEXISTENT")
        inferiors = [n for n in folders if n.startswith(name + DELIM)]
        if inferiors:
            if not data.selectable:
                raise FolderError("has inferiors", code="CANNOT")
            data.messages.clear()
            data.selectable = False
            data.special_use = frozenset()
            self.changed(user, data)
            return
        del folders[name]
        self.changed(user, data)

    def rename_folder(self, user: str, old: str, new: str) -> None:
        self._check_name(new)
        folders = self.account(user)
        if old not in folders or (not folders[old].selectable and old != "INBOX"):
            raise FolderError("no such mailbox", code="NONEXISTENT")
        if new in folders:
            raise FolderError("exists", code="ALREADYEXISTS")
        if old == "INBOX":
            self.create_folder(user, new)
            target, inbox = folders[new], folders["INBOX"]
            for stored, raw in (inbox.messages[u] for u in sorted(inbox.messages)):
                uid = target.uidnext
                target.uidnext += 1
                target.messages[uid] = (replace(stored, uid=uid), raw)
            inbox.messages.clear()
            self.changed(user, inbox)
            return
        moved = [n for n in folders if n == old or n.startswith(old + DELIM)]
        parts = new.split(DELIM)
        for depth in range(1, len(parts)):
            folders.setdefault(DELIM.join(parts[:depth]), MemFolderData(DELIM.join(parts[:depth])))
        for n in moved:
            data = folders.pop(n)
            data.name = new + n[len(old) :]
            folders[data.name] = data

    def subscriptions(self, user: str) -> set[str]:
        return set(self.subs.get(user, set()))

    def subscribe(self, user: str, name: str) -> None:
        self.subs.setdefault(user, set()).add(name)

    def unsubscribe(self, user: str, name: str) -> None:
        self.subs.setdefault(user, set()).discard(name)

    def open_folder(self, user: str, name: str) -> MemFolder:
        data = self.account(user).get(name)
        if data is None or not data.selectable:
            raise FolderError("no such mailbox", code="NONEXISTENT")
        return MemFolder(self, user, data)

    def watch(self, user: str, name: str, callback: Callable[[], None]) -> Callable[[], None]:
        self.watchers.setdefault((user, name), []).append(callback)

        def stop() -> None:
            callbacks = self.watchers.get((user, name), [])
            if callback in callbacks:
                callbacks.remove(callback)

        return stop

    # -- test conveniences -----------------------------------------------------------
    def put(self, user: str, name: str, raw: bytes, flags: Collection[str] = ()) -> int:
        return self.open_folder(user, name).append(raw, flags=frozenset(flags))
