"""What the protocol cores need from storage, independent of the file format."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class StorageError(Exception):
    """Storage failed. ``temporary`` picks RFC 3206 ``[SYS/TEMP]`` or ``[SYS/PERM]``."""

    def __init__(self, message: str, *, temporary: bool = True) -> None:
        super().__init__(message)
        self.temporary = temporary


class MaildropInUse(Exception):
    """Another session holds the maildrop (RFC 2449 ``[IN-USE]``)."""


@dataclass(frozen=True)
class MessageInfo:
    # The UIDL unique-id: 1-70 characters 0x21-0x7E, never reused in the maildrop.
    uid: str
    # Octets as transmitted: CRLF line endings, before byte-stuffing.
    size: int


class Maildrop(Protocol):
    """One session's fixed view of a maildrop, held under the maildrop lock."""

    @property
    def messages(self) -> Sequence[MessageInfo]: ...

    def read(self, index: int) -> bytes:
        """Message ``index`` (0-based) in wire form: CRLF lines, not byte-stuffed."""
        ...

    def commit(self, deleted: Collection[int]) -> None:
        """Remove the messages with these 0-based indices; keep everything else."""
        ...

    def release(self) -> None:
        """Drop the maildrop lock without changing anything. Idempotent."""
        ...


class MailStore(Protocol):
    def open_maildrop(self, user: str) -> Maildrop:
        """Lock and snapshot ``user``'s maildrop; raises MaildropInUse, StorageError."""
        ...

    def deliver(self, user: str, message: bytes, *, envelope_from: str = "") -> None:
        """Append ``message`` (any line endings) durably; returns only once it is safe."""
        ...


# -- IMAP folders (RFC 3501 §5.1, §6.3) ------------------------------------------------
# The contract between the store (reference_server/storage/) and the IMAP core
# (reference_server/imap/). Folder names are Unicode strings with "/" as the hierarchy
# delimiter; "INBOX" (any case) is the account's maildrop, the file SMTP/LMTP delivery
# appends to and POP3 reads. The IMAP core converts names from/to modified UTF-7.


class FolderError(Exception):
    """A folder operation was refused. ``code`` is an RFC 5530 / RFC 3501 response code
    the IMAP core puts in brackets: NONEXISTENT, ALREADYEXISTS, CANNOT, INUSE,
    TRYCREATE, LIMIT, SERVERBUG (or "" for none)."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FolderEntry:
    name: str  # Unicode, "/"-delimited, INBOX spelled "INBOX"
    # False for a name that exists only as a hierarchy level (\Noselect), e.g. after
    # DELETE of a folder that still has inferiors (RFC 3501 §6.3.4).
    selectable: bool = True


@dataclass(frozen=True, slots=True)
class StoredMessage:
    uid: int  # strictly ascending in the folder, never reused under one UIDVALIDITY
    size: int  # RFC822.SIZE: octets in wire form (CRLF line endings)
    internal_date: datetime  # timezone-aware; the zone given at APPEND is kept
    # \Seen \Answered \Flagged \Deleted \Draft and keywords, as stored (system flags in
    # their canonical spelling). Never \Recent: that is per session (claim_recent).
    flags: frozenset[str]


@dataclass(frozen=True, slots=True)
class AppendItem:
    """One message of ``Folder.append_batch`` (RFC 3502 MULTIAPPEND)."""

    message: bytes
    flags: frozenset[str] = frozenset()
    internal_date: datetime | None = None


class Folder(Protocol):
    """An open folder. Methods are safe to call from worker threads; each call sees the
    current state (another session's or a delivery's changes included)."""

    @property
    def name(self) -> str: ...

    @property
    def uidvalidity(self) -> int: ...

    def uidnext(self) -> int: ...

    def messages(self) -> Sequence[StoredMessage]:
        """Every message now in the folder, ascending UID. Cost must not be a reparse of
        the mbox: it comes from the index."""
        ...

    def version(self) -> int:
        """A number that changes whenever messages, flags or UIDNEXT change (cheap:
        the IMAP core polls it on NOOP/IDLE to find what to announce)."""
        ...

    def read(self, uid: int) -> bytes:
        """The whole message in wire form (CRLF). FolderError NONEXISTENT if expunged."""
        ...

    def read_chunks(self, uid: int, chunk_size: int = 65536) -> Iterator[bytes]:
        """The same bytes as ``read``, streamed from the file (large FETCH BODY[])."""
        ...

    def append(
        self,
        message: bytes,
        *,
        flags: frozenset[str] = frozenset(),
        internal_date: datetime | None = None,
    ) -> int:
        """Append durably (returns once safe, like ``deliver``); returns the new UID."""
        ...

    def append_batch(self, items: Sequence[AppendItem]) -> list[int]:
        """Append every item durably as one step (RFC 3502 MULTIAPPEND: all or none):
        after an error, or a crash at any point before it returns, none of them is in
        the folder; returns the new UIDs, ascending, in the items' order."""
        ...

    def store_flags(self, changes: Mapping[int, frozenset[str]]) -> None:
        """Replace the flags of these UIDs (unknown/expunged UIDs are ignored). Durable."""
        ...

    def expunge(self, uids: Collection[int]) -> None:
        """Remove these messages (safe rewrite). FolderError INUSE while a POP3 session
        holds this maildrop (RFC 1939 §4: its messages must not be removed under it)."""
        ...

    def copy_to(self, uids: Collection[int], destination: str) -> list[tuple[int, int]]:
        """Copy with flags and internal date; returns (source UID, new UID) pairs in
        source order. FolderError TRYCREATE if ``destination`` does not exist."""
        ...

    def move_to(self, uids: Collection[int], destination: str) -> list[tuple[int, int]]:
        """RFC 6851 MOVE: ``copy_to`` then remove the sources, as one step: FolderError
        INUSE (and nothing copied or removed) while a POP3 session holds this maildrop."""
        ...

    def claim_recent(self) -> frozenset[int]:
        """UIDs that no session has yet seen as \\Recent; they are \\Recent for the
        caller only (RFC 3501 §2.3.2). Persistent across restarts."""
        ...

    def recent_uids(self) -> frozenset[int]:
        """The UIDs ``claim_recent`` would return now, without claiming them (STATUS
        RECENT, RFC 3501 §6.3.10)."""
        ...

    def close(self) -> None: ...


class FolderStore(Protocol):
    delimiter: str  # "/"

    def list_folders(self, user: str) -> list[FolderEntry]:
        """Every folder and \\Noselect hierarchy level of ``user``, INBOX included."""
        ...

    def create_folder(self, user: str, name: str, special_use: Collection[str] = ()) -> None:
        """Create ``name`` (with these RFC 6154 special-use attributes, stored in the same
        step, already validated by the caller); missing superiors become \\Noselect levels (RFC 3501 §6.3.3);
        one trailing delimiter is ignored; a \\Noselect level may be created as a folder.
        FolderError ALREADYEXISTS (INBOX, an existing folder), or CANNOT for a refused
        name. Every method taking a name raises CANNOT for a refused one: empty, an empty
        level (leading or doubled delimiter), a level starting with ``.`` (``.``, ``..``,
        hidden), NUL or other control characters, ``*`` ``%``, a level ending in ``.mbox``
        or containing ``.mbox.`` (the store's own files), too long (storage/folder_names.py).
        INBOX in any case, also as the first level (``inbox/x``), is spelled INBOX."""
        ...

    def delete_folder(self, user: str, name: str) -> None:
        """INBOX: CANNOT. With inferiors: the folder's messages go and the name stays as
        \\Noselect. A \\Noselect name with inferiors: CANNOT; without: it goes. Missing:
        NONEXISTENT. Subscriptions are not touched (RFC 3501 §6.3.6). Open Folder objects
        of a deleted folder raise NONEXISTENT."""
        ...

    def rename_folder(self, user: str, old: str, new: str) -> None:
        """Inferiors move with it; missing superiors of ``new`` are created (\\Noselect);
        UIDVALIDITY, UIDs and flags are kept, and open Folder objects follow the folder.
        RENAME INBOX moves its messages (UIDs and flags kept, new UIDVALIDITY) to ``new``
        and leaves INBOX empty with its UIDVALIDITY and UIDNEXT (RFC 3501 §6.3.5); INBOX's
        inferiors stay. FolderError NONEXISTENT (old), ALREADYEXISTS (new exists), CANNOT
        (into its own inferior), INUSE (RENAME INBOX while a POP3 session holds it)."""
        ...

    def special_uses(self, user: str) -> dict[str, frozenset[str]]:
        """Folder name -> its special-use attributes (RFC 6154), for folders with any.
        A use follows its folder through RENAME and goes with DELETE."""
        ...

    def subscriptions(self, user: str) -> set[str]: ...

    def subscribe(self, user: str, name: str) -> None: ...

    def unsubscribe(self, user: str, name: str) -> None: ...

    def open_folder(self, user: str, name: str) -> Folder:
        """FolderError NONEXISTENT for a missing or \\Noselect folder."""
        ...

    def watch(self, user: str, name: str, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` (from any thread) after any change to that folder made through
        this store (delivery, another session, POP3 QUIT); returns the function that
        stops watching. The IMAP core uses it to wake IDLE sessions."""
        ...
