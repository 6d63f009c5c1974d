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

import ssl
from collections.abc import Callable
from dataclasses import dataclass

from ..storage.interface import MailStore
from ..transport.server import ServerConfig, SessionServer
from .protocol import Authenticator, Pop3Session, SessionConfig, line

SessionFactory = Callable[[MailStore, Authenticator, SessionConfig], Pop3Session]

# RFC 2449 §8 / RFC 3206 §4: a temporary condition, try again later.
REFUSAL = line("-ERR [SYS/TEMP] too many connections, try again later")


@dataclass
class TransportConfig(ServerConfig):
    # RFC 1939 §3: the autologout timer "MUST be of at least 10 minutes' duration".
    idle_timeout: float = 600.0


class Pop3Server(SessionServer):
    protocol = "pop3"
    refusal = REFUSAL

    def __init__(
        self,
        store: MailStore,
        authenticator: Authenticator,
        *,
        session_factory: SessionFactory | None = None,
        ssl_context: ssl.SSLContext | None = None,
        config: TransportConfig | None = None,
    ) -> None:
        super().__init__(config or TransportConfig(), ssl_context)
        self.store = store
        self.authenticator = authenticator
        self.session_factory: SessionFactory = session_factory or Pop3Session

    def new_session(self, *, implicit_tls: bool) -> Pop3Session:
        config = SessionConfig(
            hostname=self.config.hostname,
            tls_available=self.ssl_context is not None,
            tls_active=implicit_tls,
            plaintext_login=self.config.plaintext_login,
        )
        return self.session_factory(self.store, self.authenticator, config)
