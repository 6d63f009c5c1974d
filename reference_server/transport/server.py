"""What a protocol server (POP3, IMAP) is on the generic transport: its listeners (plain
and implicit TLS), one worker pool for the commands that may block, and a session per
connection. A protocol supplies its name, its over-the-limit refusal line and
``new_session``; everything else is shared."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .connection import ConnectionConfig, SessionConnection
from .limits import ConnectionLimits
from .listener import Listener
from .session import SansIOSession


@dataclass
class ServerConfig:
    idle_timeout: float = 600.0
    write_timeout: float = 30.0
    handshake_timeout: float = 30.0
    hostname: str = "localhost"
    plaintext_login: bool = True
    limits: ConnectionLimits = field(default_factory=lambda: ConnectionLimits.default(4))
    # Threads for the commands that may block (logins, mailbox locks, fsync); the
    # others run inline on the event loop.
    workers: int = 8


class SessionServer:
    """Subclasses set ``protocol`` ("pop3", "imap"), ``refusal`` and ``new_session``."""

    protocol = ""
    refusal = b""

    def __init__(self, config: ServerConfig, ssl_context: ssl.SSLContext | None) -> None:
        self.config = config
        self.ssl_context = ssl_context
        self.executor = ThreadPoolExecutor(config.workers, thread_name_prefix=self.protocol)
        self.listeners: list[Listener] = []
        self.connection_config = ConnectionConfig(
            idle_timeout=config.idle_timeout,
            write_timeout=config.write_timeout,
            handshake_timeout=config.handshake_timeout,
        )

    def new_session(self, *, implicit_tls: bool) -> SansIOSession:
        raise NotImplementedError

    async def start(self, host: str, port: int, *, implicit_tls: bool = False) -> Listener:
        name = self.protocol + ("s" if implicit_tls else "")

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
            refusal=self.refusal,
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
