"""A listening socket with its own accept loop: connection limits, clean refusals,
and accept() failures (EMFILE and friends) that pause accepting instead of spinning.

asyncio's own accept loop logs a traceback for every failed accept() when the process
is out of file descriptors; under load that was 177,097 tracebacks in 40 s. Here a
failure pauses this listener (0.1 s, doubling up to 1 s) and is logged once per
episode (``limits.EpisodeLog``), and the connection limits keep the server below the
fd limit in the first place.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import ssl
from collections.abc import Callable

from .limits import Admission, ConnectionLimits, EpisodeLog

log = logging.getLogger("mailspec.reference_server.transport")

ACCEPT_BATCH = 64
_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
_PAUSE_FIRST, _PAUSE_MAX = 0.1, 1.0

# make_protocol(on_close) -> the protocol for one accepted connection. The protocol
# must call on_close() once when the connection is over; a Listener also calls it if
# the connection never got going (TLS handshake failed). Calling it twice is harmless.
ProtocolMaker = Callable[[Callable[[], None]], asyncio.Protocol]


class Listener:
    """One port. ``refusal`` is written (best effort, plaintext) to a connection over the
    limit before it is closed: ``-ERR [SYS/TEMP] ...`` for POP3, ``421 ...`` for SMTP,
    ``* BYE ...`` for IMAP. On an implicit-TLS port it is closed without a word (the
    client expects a TLS handshake, not a line)."""

    def __init__(
        self,
        name: str,
        make_protocol: ProtocolMaker,
        *,
        limits: ConnectionLimits,
        refusal: bytes | None = None,
        ssl_context: ssl.SSLContext | None = None,
        handshake_timeout: float = 30.0,
    ) -> None:
        self.name = name
        self.make_protocol = make_protocol
        self.admission = Admission(limits)
        self.refusal = refusal
        self.ssl_context = ssl_context
        self.handshake_timeout = handshake_timeout
        self.protocols: set[asyncio.Protocol] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pause = _PAUSE_FIRST
        self._resume_handle: asyncio.TimerHandle | None = None
        self._refusals = EpisodeLog(log, f"{name}: refusing connections")
        self._accept_failures = EpisodeLog(log, f"{name}: accept() failed")

    # -- asyncio.Server look-alike (what cli.py uses) --------------------------------
    @property
    def sockets(self) -> list[socket.socket]:
        return [] if self._sock is None else [self._sock]

    @property
    def port(self) -> int:
        assert self._sock is not None
        return int(self._sock.getsockname()[1])

    async def start(self, host: str, port: int, *, backlog: int = 128) -> Listener:
        self._loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(backlog)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self._loop.add_reader(sock.fileno(), self._on_readable)
        return self

    def close(self) -> None:
        """Stop accepting (open connections stay; see ``close_connections``)."""
        if self._resume_handle is not None:
            self._resume_handle.cancel()
        if self._sock is not None and self._loop is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None

    async def wait_closed(self) -> None:
        return None

    async def close_connections(self, timeout: float = 5.0) -> None:
        for connecting in list(self._tasks):  # TLS handshakes still in progress
            connecting.cancel()
        for protocol in list(self.protocols):
            task = getattr(protocol, "task", None)
            if isinstance(task, asyncio.Task):
                task.cancel()
            else:
                transport = getattr(protocol, "transport", None)
                if isinstance(transport, asyncio.BaseTransport):
                    transport.close()
        pending = [
            t for p in self.protocols if isinstance(t := getattr(p, "task", None), asyncio.Task)
        ]
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    # -- accepting ----------------------------------------------------------------------
    def _on_readable(self) -> None:
        assert self._sock is not None
        for _ in range(ACCEPT_BATCH):
            try:
                conn, address = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _OUT_OF_RESOURCES:
                    self._accept_failures.event(
                        f"{exc.strerror}; pausing accepts (fd limit reached?)"
                    )
                    self._pause_accepting()
                    return
                # ECONNABORTED and the like: that one client gave up; go on.
                log.debug("%s: accept() failed: %s", self.name, exc)
                continue
            self._pause = _PAUSE_FIRST
            self._accepted(conn, address)

    def _pause_accepting(self) -> None:
        assert self._loop is not None and self._sock is not None
        self._loop.remove_reader(self._sock.fileno())
        self._resume_handle = self._loop.call_later(self._pause, self._resume_accepting)
        self._pause = min(self._pause * 2, _PAUSE_MAX)

    def _resume_accepting(self) -> None:
        self._resume_handle = None
        if self._sock is not None and self._loop is not None:
            self._loop.add_reader(self._sock.fileno(), self._on_readable)

    def _accepted(self, conn: socket.socket, address: tuple[str, int] | str) -> None:
        conn.setblocking(False)
        ip = address[0] if isinstance(address, tuple) else str(address)
        reason = self.admission.refusal_reason(ip)
        if reason is not None:
            self._refusals.event(reason)
            if self.refusal is not None and self.ssl_context is None:
                with contextlib.suppress(OSError):
                    conn.send(self.refusal)
            conn.close()
            return
        self.admission.admit(ip)
        assert self._loop is not None
        task = self._loop.create_task(self._connect(conn, ip))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self, conn: socket.socket, ip: str) -> None:
        released = False
        protocol: asyncio.Protocol | None = None

        def on_close() -> None:
            nonlocal released
            if not released:
                released = True
                self.admission.release(ip)
                if protocol is not None:
                    self.protocols.discard(protocol)

        protocol = self.make_protocol(on_close)
        self.protocols.add(protocol)
        assert self._loop is not None
        try:
            await self._loop.connect_accepted_socket(
                lambda: protocol,
                conn,
                ssl=self.ssl_context,
                ssl_handshake_timeout=self.handshake_timeout if self.ssl_context else None,
            )
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError) as exc:
            log.info("%s %s: connection failed before it started (%s)", self.name, ip,
                     type(exc).__name__)  # fmt: skip
            conn.close()
            on_close()
        except asyncio.CancelledError:
            conn.close()
            on_close()
            raise
