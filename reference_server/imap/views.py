"""What FETCH and SEARCH need to know about one message: the ``MessageView`` protocol.

The protocol core (protocol.py) supplies views; the message library never touches
storage.  A view has::

    seq: int                 message sequence number in this session
    uid: int
    flags: frozenset[str]    stored flags plus "\\Recent" when recent for this session
    internal_date: datetime  timezone-aware (the zone given at APPEND is kept)
    size: int                RFC822.SIZE, octets of raw()
    raw() -> bytes           the whole message, CRLF line ends

and optionally ``parsed() -> Entity`` (parsed_message.Entity): when present, FETCH and
SEARCH use it instead of parsing ``raw()`` themselves, which is how the protocol core's
cache (parsed_message.ParsedCache) reaches them -- unless ``raw()`` was read already in
that call (SEARCH TEXT/BODY look at the octets first), then those octets are parsed.
``raw()`` and ``parsed()`` are called only when an item or search key needs the
content, and at most once per message per call of the library.

``SimpleMessageView`` is a ready-made view over bytes held in memory (tests; small use).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from .parsed_message import Entity, parse_message


@runtime_checkable
class MessageView(Protocol):
    @property
    def seq(self) -> int: ...

    @property
    def uid(self) -> int: ...

    @property
    def flags(self) -> frozenset[str]: ...

    @property
    def internal_date(self) -> datetime: ...

    @property
    def size(self) -> int: ...

    def raw(self) -> bytes: ...


class LazyMessage:
    """One view's content, fetched and parsed at most once (per library call)."""

    __slots__ = ("_entity", "_raw", "view")

    def __init__(self, view: MessageView) -> None:
        self.view = view
        self._raw: bytes | None = None
        self._entity: Entity | None = None

    def raw(self) -> bytes:
        if self._raw is None:
            self._raw = self._entity.data if self._entity is not None else self.view.raw()
        return self._raw

    def entity(self) -> Entity:
        if self._entity is None:
            parsed: Callable[[], Entity] | None = getattr(self.view, "parsed", None)
            if self._raw is not None:
                # Already read (SEARCH looks at the octets first): parse those, so that
                # raw() is still read at most once (the view's parsed() may read again).
                self._entity = parse_message(self._raw)
            elif callable(parsed):
                self._entity = parsed()
            else:
                self._entity = parse_message(self.raw())
        return self._entity


@dataclass
class SimpleMessageView:
    seq: int
    uid: int
    data: bytes
    internal_date: datetime
    flags: frozenset[str] = frozenset()
    _parsed: Entity | None = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.data)

    def raw(self) -> bytes:
        return self.data

    def parsed(self) -> Entity:
        if self._parsed is None:
            self._parsed = parse_message(self.data)
        return self._parsed
