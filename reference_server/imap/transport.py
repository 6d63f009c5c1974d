"""IMAP on the generic transport (``reference_server.transport``, docs/transport.md).

Per connection an ``ImapSession`` is driven by a ``SessionConnection``: greeting, then
one command unit at a time (a command line, a literal continuation, a SASL response,
IDLE's DONE), each reply drained before the next unit is parsed; large FETCH bodies go
out as ``SendStream`` chunks. The idle timer restarts only on a complete unit; RFC 3501
§5.4 asks for at least 30 minutes of inactivity before an autologout, which is the
default here. While a session IDLEs, the store's ``watch`` callback wakes the
connection and the transport writes what ``pending_output()`` returns. Everything after
login (folder locks, fsync) runs on a worker pool of the IMAP listeners' own.
Connections over the limit get ``* BYE`` (RFC 3501 §7.1.5) and are closed.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..storage.interface import FolderStore
from ..transport import ConnectionConfig, ConnectionLimits, Listener, SessionConnection
from .protocol import Authenticator, ImapConfig, ImapSession

SessionFactory = Callable[[FolderStore, Authenticator, ImapConfig], ImapSession]

# RFC 3501 §7.1.5: BYE as the greeting means the server will not accept the connection.
REFUSAL = b"* BYE [UNAVAILABLE] too many connections, try again later\r\n"


@dataclass
class ImapTransportConfig:
    # RFC 3501 §5.4: "at least 30 minutes" before an inactivity autologout.
    idle_timeout: float = 1800.0
    write_timeout: float = 30.0
    handshake_timeout: float = 30.0
    hostname: str = "localhost"
    plaintext_login: bool = True
    limits: ConnectionLimits = field(default_factory=lambda: ConnectionLimits.default(4))
    workers: int = 8


class ImapServer:
    def __init__(
        self,
        store: FolderStore,
        authenticator: Authenticator,
        *,
        session_factory: SessionFactory | None = None,
        ssl_context: ssl.SSLContext | None = None,
        config: ImapTransportConfig | None = None,
    ) -> None:
        self.store = store
        self.authenticator = authenticator
        self.session_factory: SessionFactory = session_factory or ImapSession
        self.ssl_context = ssl_context
        self.config = config or ImapTransportConfig()
        self.executor = ThreadPoolExecutor(self.config.workers, thread_name_prefix="imap")
        self.listeners: list[Listener] = []
        self.connection_config = ConnectionConfig(
            idle_timeout=self.config.idle_timeout,
            write_timeout=self.config.write_timeout,
            handshake_timeout=self.config.handshake_timeout,
        )

    async def start(self, host: str, port: int, *, implicit_tls: bool = False) -> Listener:
        name = "imaps" if implicit_tls else "imap"

        def make(on_close: Callable[[], None]) -> asyncio.Protocol:
            return SessionConnection(
                self.new_session(implicit_tls=implicit_tls),
                self.connection_config,
                executor=self.executor,
                ssl_context=self.ssl_context,
                on_close=on_close,
                name=name,
            )

        listener = Listener(
            name,
            make,
            limits=self.config.limits,
            refusal=REFUSAL,
            ssl_context=self.ssl_context if implicit_tls else None,
            handshake_timeout=self.config.handshake_timeout,
        )
        await listener.start(host, port)
        self.listeners.append(listener)
        return listener

    async def close_connections(self) -> None:
        for listener in self.listeners:
            await listener.close_connections()
        self.executor.shutdown(wait=False, cancel_futures=True)

    def new_session(self, *, implicit_tls: bool) -> ImapSession:
        config = ImapConfig(
            hostname=self.config.hostname,
            tls_available=self.ssl_context is not None,
            tls_active=implicit_tls,
            plaintext_login=self.config.plaintext_login,
        )
        return self.session_factory(self.store, self.authenticator, config)
