"""The interface between a sans-IO protocol core and the transport.

A core (``Pop3Session``, the IMAP session, ...) subclasses ``SansIOSession``; the
transport (``connection.SessionConnection``) drives it. Nothing here does I/O.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

from .events import Event

Wakeup = Callable[[], None]


class SansIOSession(abc.ABC):
    """One connection's protocol state, driven by the transport one command at a time.

    The contract, in the order the transport uses it:

    * ``greeting()`` -- the events written first (greeting line, or a refusal + Close).
    * ``feed(data)`` -- append received bytes to the session's input buffer. Cheap;
      never parses. The transport feeds only when ``next_events()`` asked for more
      (returned ``[]``), so the buffer holds at most one read plus one partial line.
    * ``next_events()`` -- handle *at most one* command unit from the buffer and return
      its events. ``[]`` means "nothing to do until more bytes arrive". A command unit
      is whatever the core answers as one step: a POP3 line, an IMAP command line, a
      line that ends in a literal announcement (the core returns the continuation
      request ``+ ...`` as a ``Send``; the transport knows nothing of literals).
    * ``commands_received`` -- a counter the core increments each time a complete
      command unit arrived. The idle timer restarts only when it changes (RFC 1939 §3:
      the timer is reset by a *command*, not by any byte), so a drip-fed or unfinished
      line times out.
    * ``next_blocks()`` -- True when the next ``next_events()`` may block (waiting for a
      mailbox lock, fsync, a rewrite). The transport then runs it on its bounded worker
      pool; everything else runs inline on the event loop, so a cheap command never
      waits behind another connection's lock in a thread queue.
    * ``pending_output()`` -- server-initiated output (IMAP IDLE's untagged EXISTS,
      an alert) to write now. The transport calls it after ``wakeup`` was called.
    * ``timeout_events()`` -- what to write when the idle timer fires (POP3
      ``-ERR autologout``, IMAP ``* BYE``); the transport closes afterwards.
    * ``tls_started()`` -- the TLS handshake requested by ``StartTls`` finished.
    * ``connection_lost()`` -- the connection ended (any reason); release locks, commit
      nothing that needs a clean end. Must be idempotent.

    ``set_wakeup(callback)`` is called by the transport before the greeting. The
    callback is thread-safe and cheap: the session (or a store listener acting for it,
    from any thread) calls it when it has output to push; the transport then calls
    ``pending_output()`` on the event loop at the next opportunity -- right away when it
    is waiting for input, after the current command's reply otherwise.
    """

    commands_received: int = 0
    _wakeup: Wakeup | None = None

    @abc.abstractmethod
    def greeting(self) -> bytes: ...

    @abc.abstractmethod
    def feed(self, data: bytes) -> None: ...

    @abc.abstractmethod
    def next_events(self) -> list[Event]: ...

    @abc.abstractmethod
    def connection_lost(self) -> None: ...

    def next_blocks(self) -> bool:
        return False

    def pending_output(self) -> list[Event]:
        return []

    def timeout_events(self) -> list[Event]:
        return []

    def tls_started(self) -> None:
        return None

    def set_wakeup(self, callback: Wakeup) -> None:
        self._wakeup = callback

    def wakeup(self) -> None:
        """Ask the transport to call ``pending_output()`` soon (any thread)."""
        if self._wakeup is not None:
            self._wakeup()
