"""One connection: an asyncio Protocol that drives a ``SansIOSession`` with flow control.

See the package docstring (``transport/__init__.py``) for the design; this module is the
implementation of its "per connection" part.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from .events import Close, Event, Send, SendStream, StartTls
from .session import SansIOSession

log = logging.getLogger("mailspec.reference_server.transport")

T = TypeVar("T")
# Commands handled back to back (pipelined, all inline) before the driver yields.
YIELD_EVERY = 32


@dataclass
class ConnectionConfig:
    # Seconds without a complete command (RFC 1939 §3 autologout; IMAP's 30 minutes).
    idle_timeout: float = 600.0
    # Seconds a reply may wait for the client to read before the client is dropped.
    write_timeout: float = 30.0
    handshake_timeout: float = 30.0
    # The transport's write buffer: above ``write_high`` nothing more is produced; the
    # next chunk / command waits until it is below ``write_low``.
    write_high: int = 64 * 1024
    write_low: int = 16 * 1024
    # Received bytes not yet handed to the session: above this, reading pauses.
    read_high: int = 64 * 1024


class WriteTimeout(Exception):
    """The client did not read for ``write_timeout`` seconds."""


class _Lost(Exception):
    """The peer went away while we were writing."""


class SessionConnection(asyncio.Protocol):
    """Bytes in -> ``session.feed``; ``session.next_events()`` -> bytes out, one command
    at a time, the next one only once the previous reply has drained.

    ``on_close`` is called exactly once, when the connection is over (after the session
    was told ``connection_lost``).
    """

    def __init__(
        self,
        session: SansIOSession,
        config: ConnectionConfig,
        *,
        executor: Executor | None,
        ssl_context: ssl.SSLContext | None = None,
        on_close: Callable[[], None] | None = None,
        name: str = "conn",
    ) -> None:
        self.session = session
        self.config = config
        self.executor = executor
        self.ssl_context = ssl_context
        self.on_close = on_close
        self.name = name
        self.peer: Any = None
        self.task: asyncio.Task[None] | None = None
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._inbox = bytearray()
        self._reading_paused = False
        self._writing_paused = False
        self._eof = False
        self._lost = False
        self._woken = False
        self._waiter: asyncio.Future[None] | None = None
        # The fast path (see _serve_inline): the driver is parked waiting for input.
        self._parked = False
        self._handoff: list[Event] | None = None  # events the fast path left to the driver
        self._failure: BaseException | None = None  # an exception the fast path caught
        self._deadline = 0.0  # the idle deadline (loop time)
        self._closed_waiter: asyncio.Future[None] = self._loop.create_future()

    # -- asyncio.Protocol callbacks (the event loop calls these) --------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self.peer = transport.get_extra_info("peername")
        transport.set_write_buffer_limits(self.config.write_high, self.config.write_low)
        self.session.set_wakeup(self._wakeup_threadsafe)
        self.task = self._loop.create_task(self._run())

    def data_received(self, data: bytes) -> None:
        self._inbox += data
        if self._parked and self._serve_inline():
            return  # answered here; the driver stays parked
        if len(self._inbox) >= self.config.read_high and not self._reading_paused:
            assert self._transport is not None
            self._transport.pause_reading()
            self._reading_paused = True
        self._wake()

    def _serve_inline(self) -> bool:
        """The fast path: answer commands right here in the protocol callback while the
        driver is parked waiting for input, the command does not block and its reply
        is plain ``Send``s that do not fill the buffer. Saves the task switch per
        command (most of the per-command cost). Returns False to hand over to the
        driver (which then does exactly what it would have done anyway)."""
        session = self.session
        transport = self._transport
        if self._woken or self._handoff is not None or transport is None:
            return False
        try:
            while True:
                if self._inbox:
                    data = bytes(self._inbox)
                    self._inbox.clear()
                    session.feed(data)
                if session.next_blocks():
                    return False
                before = session.commands_received
                events = session.next_events()
                if any(type(event) is not Send for event in events):
                    self._handoff = events
                    return False
                for event in events:
                    transport.write(event.data)  # type: ignore[union-attr]
                if session.commands_received != before:
                    self._deadline = self._loop.time() + self.config.idle_timeout
                elif not events:
                    return True  # needs more input: stay parked
                if self._writing_paused:
                    return False  # the driver drains before the next command
        except Exception as exc:
            self._failure = exc
            return False

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False  # close our side too; nothing is sent after the peer's EOF

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._writing_paused = False
        if not self._closed_waiter.done():
            self._closed_waiter.set_result(None)
        self._wake()

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._wake()

    # -- wakeups ----------------------------------------------------------------------
    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _on_wakeup(self) -> None:
        self._woken = True
        self._wake()

    def _wakeup_threadsafe(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody to tell
            self._loop.call_soon_threadsafe(self._on_wakeup)

    async def _sleep_until(self, deadline: float | None) -> None:
        """Wait for any callback above (input, drain, close, wakeup) or the deadline."""
        waiter = self._loop.create_future()
        self._waiter = waiter
        timer = None
        if deadline is not None:
            timer = self._loop.call_at(deadline, self._wake)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    # -- the driver ---------------------------------------------------------------------
    async def _run(self) -> None:
        transport = self._transport
        assert transport is not None
        try:
            await self._drive()
        except WriteTimeout:
            log.info("%s %s: dropped, did not read for %.0f s", self.name, self.peer,
                     self.config.write_timeout)  # fmt: skip
            transport.abort()
        except (_Lost, ConnectionError, ssl.SSLError, OSError, TimeoutError) as exc:
            log.info("%s %s: connection dropped (%s)", self.name, self.peer, type(exc).__name__)
            transport.abort()
        except asyncio.CancelledError:
            transport.abort()
            raise
        except Exception:
            log.exception("%s %s: unexpected error; connection closed", self.name, self.peer)
            transport.abort()
        finally:
            self._finish()

    def _finish(self) -> None:
        try:
            self.session.connection_lost()
        except Exception:
            log.exception("%s %s: error while releasing the session", self.name, self.peer)
        finally:
            if self._transport is not None and not self._transport.is_closing():
                self._transport.abort()
            if self.on_close is not None:
                callback, self.on_close = self.on_close, None
                callback()

    async def _drive(self) -> None:
        session = self.session
        loop = self._loop
        if await self._write_events([Send(session.greeting())]):
            return
        self._deadline = loop.time() + self.config.idle_timeout
        turns = 0
        while True:
            if self._failure is not None:
                raise self._failure
            if self._writing_paused:
                await self._drain()
            if self._handoff is not None:
                events, self._handoff = self._handoff, None
                if await self._write_events(events):
                    return
                self._deadline = loop.time() + self.config.idle_timeout
                continue
            if self._woken:
                self._woken = False
                if await self._write_events(session.pending_output()):
                    return
            before = session.commands_received
            if session.next_blocks():
                events = await self._blocking(session.next_events)
            else:
                events = session.next_events()
            if events and await self._write_events(events):
                return
            turns += 1
            if turns % YIELD_EVERY == 0:
                # A long pipelined batch of cheap commands: let other connections run.
                await asyncio.sleep(0)
            if session.commands_received != before:
                # A complete command arrived and its reply is written (and drained
                # below the mark): only now does the idle timer start again.
                self._deadline = loop.time() + self.config.idle_timeout
            if events or session.commands_received != before:
                continue
            # The session needs more input.
            if self._inbox:
                data = bytes(self._inbox)
                self._inbox.clear()
                if self._reading_paused:
                    self._reading_paused = False
                    assert self._transport is not None
                    self._transport.resume_reading()
                session.feed(data)
                continue
            if self._eof or self._lost:
                return
            if loop.time() >= self._deadline:
                await self._timeout()
                return
            self._parked = True
            try:
                await self._sleep_until(self._deadline)
            finally:
                self._parked = False

    async def _timeout(self) -> None:
        log.info("%s %s: idle for %.0f s, closing", self.name, self.peer,
                 self.config.idle_timeout)  # fmt: skip
        events = [*self.session.timeout_events(), Close()]
        with contextlib.suppress(TimeoutError, WriteTimeout, _Lost, OSError):
            await asyncio.wait_for(self._write_events(events), 1.0)

    async def _blocking(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the worker pool; never leave it running behind our back."""
        future = self._loop.run_in_executor(self.executor, fn)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            # Shutdown: the session must not be released while the worker still uses it.
            with contextlib.suppress(BaseException):
                await future
            raise

    # -- writing --------------------------------------------------------------------------
    async def _write_events(self, events: list[Event]) -> bool:
        """Write events in order; True when the connection is to be closed."""
        for event in events:
            if isinstance(event, Send):
                await self._write(event.data)
            elif isinstance(event, SendStream):
                for chunk in event.chunks:
                    await self._write(chunk)
            elif isinstance(event, StartTls):
                await self._start_tls()
            elif isinstance(event, Close):
                await self._close()
                return True
            else:  # pragma: no cover - a core returned something that is not an event
                raise TypeError(f"not a transport event: {event!r}")
        return False

    async def _write(self, data: bytes) -> None:
        if self._lost:
            raise _Lost()
        assert self._transport is not None
        if data:
            self._transport.write(data)
        if self._writing_paused:
            await self._drain()

    async def _drain(self) -> None:
        """Wait until the write buffer is below the low-water mark."""
        deadline = self._loop.time() + self.config.write_timeout
        while self._writing_paused:
            if self._lost:
                raise _Lost()
            if self._loop.time() >= deadline:
                raise WriteTimeout()
            await self._sleep_until(deadline)
        if self._lost:
            raise _Lost()

    async def _start_tls(self) -> None:
        if self.ssl_context is None:
            raise RuntimeError("the session asked for TLS, but the listener has no context")
        assert self._transport is not None
        # No await between the reply before StartTls (already in the buffer) and this
        # call: start_tls pauses reading at once, so the ClientHello reaches TLS.
        self._inbox.clear()  # plaintext pipelined after the command: discarded
        transport = await self._loop.start_tls(
            self._transport,
            self,
            self.ssl_context,
            server_side=True,
            ssl_handshake_timeout=self.config.handshake_timeout,
        )
        if transport is None:
            raise _Lost()
        self._inbox.clear()
        self._reading_paused = False
        self._transport = transport
        transport.set_write_buffer_limits(self.config.write_high, self.config.write_low)
        self.session.tls_started()

    async def _close(self) -> None:
        """Close after the buffer is flushed, but never wait longer than the write timeout."""
        assert self._transport is not None
        self._transport.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._closed_waiter), self.config.write_timeout)
        except TimeoutError:
            self._transport.abort()
