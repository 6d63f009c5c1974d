"""A scripted POP3 server for the plugin's own tests: just enough protocol to log in.

It is deliberately not the reference server: the plugin tests check how the plugin
reacts to a server (wrong greeting, bad credentials, no CAPA), not POP3 itself.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class FakeBehaviour:
    greeting: bytes = b"+OK fake POP3 ready\r\n"
    user: str = "alice"
    password: str = "wonderland"
    capa: list[bytes] | None = None  # None: CAPA answers -ERR
    pass_delay: float = 0.0  # seconds before answering PASS (servers slow logins down)


@contextmanager
def fake_pop3(behaviour: FakeBehaviour) -> Iterator[int]:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(behaviour.greeting)
            if not behaviour.greeting.startswith(b"+OK"):
                return
            user = None
            authenticated = False
            for raw in self.rfile:
                words = raw.decode("latin-1").strip().split(" ")
                verb = words[0].upper()
                if verb == "QUIT":
                    self.wfile.write(b"+OK bye\r\n")
                    return
                if verb == "USER" and not authenticated:
                    user = words[1] if len(words) > 1 else None
                    self.wfile.write(b"+OK\r\n")
                elif verb == "PASS" and user is not None and not authenticated:
                    time.sleep(behaviour.pass_delay)
                    if user == behaviour.user and " ".join(words[1:]) == behaviour.password:
                        authenticated = True
                        self.wfile.write(b"+OK logged in\r\n")
                    else:
                        self.wfile.write(b"-ERR [AUTH] invalid credentials\r\n")
                elif verb == "CAPA" and behaviour.capa is not None:
                    self.wfile.write(
                        b"+OK\r\n" + b"".join(c + b"\r\n" for c in behaviour.capa) + b".\r\n"
                    )
                elif verb in ("STAT",) and authenticated:
                    self.wfile.write(b"+OK 0 0\r\n")
                elif verb in ("LIST", "UIDL") and authenticated:
                    self.wfile.write(b"+OK\r\n.\r\n")
                elif verb == "NOOP" and authenticated:
                    self.wfile.write(b"+OK\r\n")
                else:
                    self.wfile.write(b"-ERR no\r\n")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
