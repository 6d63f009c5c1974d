"""A scripted IMAP server for the client's and the plugin's own tests.

Deliberately not the reference server: each test scripts exactly what the server
sends (including broken responses), and the server records what it received and when.
A handler gets each command line (CRLF stripped) and a :class:`Connection` to answer on.
"""

from __future__ import annotations

import select
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CAPABILITIES = b"IMAP4rev1 LITERAL+ IDLE NAMESPACE UNSELECT"


@dataclass
class Connection:
    """One client connection, read without hidden buffers so a test can tell exactly
    what the client had sent at a given moment."""

    sock: socket.socket
    received: list[tuple[float, bytes]] = field(default_factory=list)
    state: dict[str, object] = field(default_factory=dict)
    buffer: bytes = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def read_line(self) -> bytes:
        while b"\n" not in self.buffer:
            if not self._fill():
                line, self.buffer = self.buffer, b""
                return line
        end = self.buffer.index(b"\n") + 1
        line, self.buffer = self.buffer[:end], self.buffer[end:]
        self.received.append((time.monotonic(), line))
        return line

    def read_exact(self, n: int) -> bytes:
        while len(self.buffer) < n and self._fill():
            pass
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        self.received.append((time.monotonic(), data))
        return data

    def nothing_pending(self, wait: float = 0.2) -> bool:
        """True if the client sent nothing more within ``wait`` seconds."""
        if self.buffer:
            return False
        readable, _, _ = select.select([self.sock], [], [], wait)
        return not readable


Handler = Callable[[bytes, Connection], bool | None]  # return True to end the session


def standard(user: str = "alice", password: str = "wonderland") -> Handler:
    """Just enough IMAP for the fixtures: CAPABILITY, LOGIN, NOOP, LOGOUT, NAMESPACE."""

    def handle(line: bytes, conn: Connection) -> bool | None:
        tag, _, rest = line.partition(b" ")
        verb = rest.split(b" ", 1)[0].upper()
        if verb == b"CAPABILITY":
            conn.send(b"* CAPABILITY " + CAPABILITIES + b"\r\n" + tag + b" OK done\r\n")
        elif verb == b"LOGIN":
            words = rest.split(b" ")
            credentials = [w.strip(b'"') for w in words[1:3]]
            if credentials == [user.encode(), password.encode()]:
                conn.send(tag + b" OK logged in\r\n")
            else:
                conn.send(tag + b" NO [AUTHENTICATIONFAILED] bad\r\n")
        elif verb == b"NOOP":
            conn.send(tag + b" OK noop\r\n")
        elif verb == b"NAMESPACE":
            conn.send(b'* NAMESPACE (("" "/")) NIL NIL\r\n' + tag + b" OK ns\r\n")
        elif verb == b"LOGOUT":
            conn.send(b"* BYE bye\r\n" + tag + b" OK logout\r\n")
            return True
        else:
            conn.send(tag + b" BAD unknown command\r\n")
        return None

    return handle


@contextmanager
def fake_imap(
    handler: Handler, greeting: bytes = b"* OK [CAPABILITY " + CAPABILITIES + b"] fake ready\r\n"
) -> Iterator[tuple[int, list[Connection]]]:
    """Serve ``handler`` on 127.0.0.1; yields (port, the connections seen so far)."""
    connections: list[Connection] = []

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True

    class Request(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn = Connection(self.request)
            connections.append(conn)
            try:
                conn.send(greeting)
                while True:
                    line = conn.read_line()
                    if not line:
                        return
                    if handler(line.rstrip(b"\r\n"), conn):
                        return
            except (OSError, ValueError):
                return
            finally:
                conn.sock.close()  # after STARTTLS this is the TLS socket

    server = Server(("127.0.0.1", 0), Request)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], connections
    finally:
        server.shutdown()
        server.server_close()


def tls_contexts(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext, str]:
    """(server context, client context trusting it, CA file path) from trustme."""
    import trustme

    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca.cert_pem.bytes())
    return server, client, str(ca_file)


def logindisabled(server_context: ssl.SSLContext, *, inject: bytes = b"") -> Handler:
    """LOGIN only after STARTTLS (RFC 3501 §6.2.3); ``inject`` is sent right after the
    OK to STARTTLS, before the handshake (a violation the client must catch)."""
    base = standard()

    def handle(line: bytes, conn: Connection) -> bool | None:
        tag, _, rest = line.partition(b" ")
        verb = rest.split(b" ", 1)[0].upper()
        secure = bool(conn.state.get("tls"))
        if verb == b"CAPABILITY":
            caps = b"IMAP4rev1 AUTH=PLAIN" if secure else b"IMAP4rev1 STARTTLS LOGINDISABLED"
            conn.send(b"* CAPABILITY " + caps + b"\r\n" + tag + b" OK done\r\n")
        elif verb == b"STARTTLS" and not secure:
            conn.send(tag + b" OK begin TLS\r\n" + inject)
            conn.sock = server_context.wrap_socket(conn.sock, server_side=True)
            conn.state["tls"] = True
        elif verb == b"LOGIN" and not secure:
            conn.send(tag + b" NO [PRIVACYREQUIRED] LOGINDISABLED\r\n")
        elif verb == b"APPEND" and line.endswith(b"}"):
            size = int(line.rsplit(b"{", 1)[1].rstrip(b"+}"))
            if not line.endswith(b"+}"):
                conn.send(b"+ go ahead\r\n")
            conn.state.setdefault("appended", []).append(conn.read_exact(size))  # type: ignore[union-attr]
            conn.read_line()
            conn.send(tag + b" OK [APPENDUID 7 1] appended\r\n")
        else:
            return base(line, conn)
        return None

    return handle
