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

import ssl
from collections.abc import Callable
from dataclasses import dataclass

from ..storage.interface import FolderStore
from ..transport.server import ServerConfig, SessionServer
from .protocol import Authenticator, ImapConfig, ImapSession

SessionFactory = Callable[[FolderStore, Authenticator, ImapConfig], ImapSession]

# RFC 3501 §7.1.5: BYE as the greeting means the server will not accept the connection.
REFUSAL = b"* BYE [UNAVAILABLE] too many connections, try again later\r\n"


@dataclass
class ImapTransportConfig(ServerConfig):
    # RFC 3501 §5.4: "at least 30 minutes" before an inactivity autologout.
    idle_timeout: float = 1800.0


class ImapServer(SessionServer):
    protocol = "imap"
    refusal = REFUSAL

    def __init__(
        self,
        store: FolderStore,
        authenticator: Authenticator,
        *,
        session_factory: SessionFactory | None = None,
        ssl_context: ssl.SSLContext | None = None,
        config: ImapTransportConfig | None = None,
    ) -> None:
        super().__init__(config or ImapTransportConfig(), ssl_context)
        self.store = store
        self.authenticator = authenticator
        self.session_factory: SessionFactory = session_factory or ImapSession

    def new_session(self, *, implicit_tls: bool) -> ImapSession:
        config = ImapConfig(
            hostname=self.config.hostname,
            tls_available=self.ssl_context is not None,
            tls_active=implicit_tls,
            plaintext_login=self.config.plaintext_login,
        )
        return self.session_factory(self.store, self.authenticator, config)
