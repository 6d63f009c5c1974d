"""The thin asyncio layer between sockets and ``Pop3Session``.

Per connection: write the greeting, then read with an idle timeout (RFC 1939 §3
autologout, 10 minutes by default), hand the bytes to the session and write its
replies in order. Every write is drained with a timeout, so a client that never reads
cannot make the server buffer without bound: it is dropped. The session's work (which
may wait for mbox locks and fsync) runs in a worker thread, one call at a time per
connection, so one slow mailbox never stalls other connections. Anything unexpected
ends that one connection, never the server; the maildrop lock is released without
committing whenever a connection ends other than by QUIT.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from ..storage.interface import MailStore
from . import replies as R
from .protocol import Authenticator, Close, Pop3Session, Send, SessionConfig, StartTls, line

log = logging.getLogger("mailspec.reference_server.pop3")

SessionFactory = Callable[[MailStore, Authenticator, SessionConfig], Pop3Session]


@dataclass
class TransportConfig:
    idle_timeout: float = 600.0
    write_timeout: float = 30.0
    handshake_timeout: float = 30.0
    read_size: int = 65536
    hostname: str = "localhost"
    plaintext_login: bool = True


class Pop3Server:
    def __init__(
        self,
        store: MailStore,
        authenticator: Authenticator,
        *,
        session_factory: SessionFactory | None = None,
        ssl_context: ssl.SSLContext | None = None,
        config: TransportConfig | None = None,
    ) -> None:
        self.store = store
        self.authenticator = authenticator
        self.session_factory: SessionFactory = session_factory or Pop3Session
        self.ssl_context = ssl_context
        self.config = config or TransportConfig()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int, *, implicit_tls: bool = False) -> asyncio.Server:
        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            try:
                await self.handle(reader, writer, implicit_tls=implicit_tls)
            except asyncio.CancelledError:
                pass  # shutdown: the connection is closed, nothing to report
            finally:
                self._tasks.discard(task)

        return await asyncio.start_server(
            on_connect,
            host,
            port,
            ssl=self.ssl_context if implicit_tls else None,
            ssl_handshake_timeout=self.config.handshake_timeout if implicit_tls else None,
            limit=self.config.read_size,
        )

    async def close_connections(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)

    def new_session(self, *, implicit_tls: bool) -> Pop3Session:
        config = SessionConfig(
            hostname=self.config.hostname,
            tls_available=self.ssl_context is not None,
            tls_active=implicit_tls,
            plaintext_login=self.config.plaintext_login,
        )
        return self.session_factory(self.store, self.authenticator, config)

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await asyncio.wait_for(writer.drain(), self.config.write_timeout)

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, implicit_tls: bool
    ) -> None:
        peer = writer.get_extra_info("peername")
        session = self.new_session(implicit_tls=implicit_tls)
        try:
            await self._write(writer, session.greeting())
            while True:
                try:
                    data = await asyncio.wait_for(
                        reader.read(self.config.read_size), self.config.idle_timeout
                    )
                except TimeoutError:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(self._send_now(writer, R.ERR_AUTOLOGOUT), 1)
                    return
                if not data:
                    return
                events = await asyncio.to_thread(session.receive_data, data)
                for i, event in enumerate(events):
                    if isinstance(event, Send):
                        if i + 1 < len(events) and isinstance(events[i + 1], StartTls):
                            # No await between "+OK" and the switch to TLS: the client's
                            # ClientHello must reach the TLS layer, not the StreamReader.
                            writer.write(event.data)
                        else:
                            await self._write(writer, event.data)
                    elif isinstance(event, StartTls):
                        assert self.ssl_context is not None
                        await asyncio.wait_for(
                            writer.start_tls(self.ssl_context), self.config.handshake_timeout
                        )
                        session.tls_started()
                    elif isinstance(event, Close):
                        return
        except (TimeoutError, ConnectionError, ssl.SSLError, OSError) as exc:
            log.info("pop3 %s: connection dropped (%s)", peer, type(exc).__name__)
            writer.transport.abort()
        except asyncio.CancelledError:
            writer.transport.abort()
            raise
        except Exception:
            log.exception("pop3 %s: unexpected error; connection closed", peer)
            writer.transport.abort()
        finally:
            session.connection_lost()
            with contextlib.suppress(Exception):
                writer.close()

    async def _send_now(self, writer: asyncio.StreamWriter, text: str) -> None:
        writer.write(line(text))
        await writer.drain()
