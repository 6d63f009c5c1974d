"""POP3 on the generic transport (``reference_server.transport``).

Per connection a ``Pop3Session`` is driven by a ``SessionConnection``: greeting, then
one command at a time, each reply drained before the next command is parsed, large
RETRs streamed in chunks; the idle timer (RFC 1939 §3 autologout, 10 minutes by
default) restarts only on a complete command; a client that does not read for the
write timeout is dropped. Logins and QUIT (mailbox locks, fsync) run on a small worker
pool of the POP3 listeners' own; everything else runs inline. Connections over the
limit get ``-ERR [SYS/TEMP]`` and are closed. The maildrop lock is released without
committing whenever a connection ends other than by QUIT.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..storage.interface import MailStore
from ..transport import ConnectionConfig, ConnectionLimits, Listener, SessionConnection
from .protocol import Authenticator, Pop3Session, SessionConfig, line

SessionFactory = Callable[[MailStore, Authenticator, SessionConfig], Pop3Session]

# RFC 2449 §8 / RFC 3206 §4: a temporary condition, try again later.
REFUSAL = line("-ERR [SYS/TEMP] too many connections, try again later")


@dataclass
class TransportConfig:
    idle_timeout: float = 600.0
    write_timeout: float = 30.0
    handshake_timeout: float = 30.0
    hostname: str = "localhost"
    plaintext_login: bool = True
    # None: derived from the fd limit (see transport.limits).
    limits: ConnectionLimits = field(default_factory=lambda: ConnectionLimits.default(4))
    # Threads for the commands that may block (logins, QUIT); others run inline.
    workers: int = 8


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
        self.executor = ThreadPoolExecutor(self.config.workers, thread_name_prefix="pop3")
        self.listeners: list[Listener] = []
        self.connection_config = ConnectionConfig(
            idle_timeout=self.config.idle_timeout,
            write_timeout=self.config.write_timeout,
            handshake_timeout=self.config.handshake_timeout,
        )

    async def start(self, host: str, port: int, *, implicit_tls: bool = False) -> Listener:
        def make(on_close: Callable[[], None]) -> asyncio.Protocol:
            return SessionConnection(
                self.new_session(implicit_tls=implicit_tls),
                self.connection_config,
                executor=self.executor,
                ssl_context=self.ssl_context,
                on_close=on_close,
                name="pop3s" if implicit_tls else "pop3",
            )

        listener = Listener(
            "pop3s" if implicit_tls else "pop3",
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

    def new_session(self, *, implicit_tls: bool) -> Pop3Session:
        config = SessionConfig(
            hostname=self.config.hostname,
            tls_available=self.ssl_context is not None,
            tls_active=implicit_tls,
            plaintext_login=self.config.plaintext_login,
        )
        return self.session_factory(self.store, self.authenticator, config)
