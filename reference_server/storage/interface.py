"""What the protocol cores need from storage, independent of the file format."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
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
