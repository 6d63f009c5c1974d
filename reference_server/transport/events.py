"""What a sans-IO session asks its transport to do: the events it returns.

The same four events serve POP3, IMAP and anything else the reference server speaks;
the transport never looks inside the bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Send:
    """Write these bytes, in order with every other event."""

    data: bytes


@dataclass(frozen=True, eq=False)
class SendStream:
    """Write a large reply chunk by chunk (a POP3 RETR, an IMAP FETCH BODY[]).

    The transport pulls the next chunk only once the previous one has drained below the
    write high-water mark, so a reply of any size costs one chunk of buffer, not its
    size. The iterator runs on the event loop: it must not block (slicing bytes already
    read, or a pread of a local file). An exception from it after the first chunk ends
    the connection, since the reply can no longer be completed truthfully.
    """

    chunks: Iterable[bytes]

    def join(self) -> bytes:
        """The whole reply (for sans-IO tests and other callers that want bytes)."""
        return b"".join(self.chunks)


@dataclass(frozen=True)
class StartTls:
    """Switch to TLS now (POP3 STLS, IMAP STARTTLS), then call ``tls_started()``.

    Every event before it has been written first. Bytes received after the command and
    before the handshake are discarded (RFC 2595 §4, RFC 9051 §6.2.1): no plaintext can
    be injected into the TLS session.
    """


@dataclass(frozen=True)
class Close:
    """Close the connection once the events before it are written."""


Event = Send | SendStream | StartTls | Close
