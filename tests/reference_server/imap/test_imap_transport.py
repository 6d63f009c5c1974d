"""The IMAP core on the real transport, over sockets on 127.0.0.1 (the store is the
in-memory test double; the subprocess tests run the real mbox store)."""

from __future__ import annotations

import asyncio
import imaplib
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mailspec.reference_server.imap.transport import ImapServer, ImapTransportConfig
from mailspec.reference_server.tls import auto_certificate, server_context
from mailspec.reference_server.users import UserDb

from .imap_harness import PASSWORD, USER, USERS
from .memory_store import MemStore

TIMEOUT = 10.0


@dataclass
class Running:
    port: int
    tls_port: int
    ca: Path
    store: MemStore

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    data = tmp_path_factory.mktemp("imap-transport")
    cert, key, ca = auto_certificate(data)
    store = MemStore()
    store.account(USER)
    loop = asyncio.new_event_loop()
    imap = ImapServer(store, UserDb(USERS), ssl_context=server_context(cert, key),
                      config=ImapTransportConfig(idle_timeout=30))  # fmt: skip
    ready = threading.Event()
    ports: list[int] = []

    async def start() -> None:
        plain = await imap.start("127.0.0.1", 0)
        tls = await imap.start("127.0.0.1", 0, implicit_tls=True)
        ports.extend([plain.port, tls.port])
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(TIMEOUT)
    assert ready.wait(TIMEOUT)
    yield Running(ports[0], ports[1], ca, store)

    async def stop() -> None:
        for listener in imap.listeners:
            listener.close()
        await imap.close_connections()
        for listener in imap.listeners:
            await listener.wait_closed()

    asyncio.run_coroutine_threadsafe(stop(), loop).result(TIMEOUT)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(TIMEOUT)
    loop.close()


class Raw:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        text, _, self.buf = self.buf.partition(b"\r\n")
        return text

    def until_tagged(self, tag: bytes) -> list[bytes]:
        lines = []
        while True:
            text = self.line()
            lines.append(text)
            if text.startswith(tag + b" "):
                return lines

    def close(self) -> None:
        self.sock.close()


def test_imaplib_folders(server: Running) -> None:
    client = imaplib.IMAP4("127.0.0.1", server.port, timeout=TIMEOUT)
    assert "IMAP4REV1" in client.capabilities and "STARTTLS" in client.capabilities
    assert client.login(USER, PASSWORD)[0] == "OK"
    assert client.create("t-one/two")[0] == "OK"
    assert client.rename("t-one", "t-uno")[0] == "OK"
    assert client.subscribe("t-uno/two")[0] == "OK"
    _typ, names = client.list('""', "t-*")
    assert names == [b'(\\HasChildren) "/" "t-uno"', b'(\\HasNoChildren) "/" "t-uno/two"']
    assert client.lsub('""', "t-*")[1] == [b'() "/" "t-uno/two"']
    assert client.append("t-uno", "(\\Seen)", None, b"Subject: x\r\n\r\nhi\r\n")[0] == "OK"
    assert client.select("t-uno") == ("OK", [b"1"])
    assert client.delete("t-uno/two")[0] == "OK"
    assert client.logout()[0] == "BYE"


def test_synchronising_literal_over_the_wire(server: Running) -> None:
    raw = Raw(server.port)
    assert raw.line().startswith(b"* OK ")
    raw.sock.sendall(b"a LOGIN {%d}\r\n" % len(USER))
    assert raw.line().startswith(b"+ ")
    raw.sock.sendall(USER.encode() + b" " + PASSWORD.encode() + b"\r\n")
    assert raw.until_tagged(b"a")[-1].startswith(b"a OK ")
    raw.sock.sendall(b"z LOGOUT\r\n")
    assert raw.until_tagged(b"z") == [b"* BYE mailspec reference IMAP4rev1 server logging out",
                                      b"z OK LOGOUT completed"]  # fmt: skip
    assert raw.sock.recv(10) == b""  # the server closed the connection
    raw.close()


def test_starttls_discards_pipelined_command(server: Running) -> None:
    raw = Raw(server.port)
    raw.line()
    raw.sock.sendall(b"a STARTTLS\r\nb LOGIN " + USER.encode() + b" " + PASSWORD.encode() + b"\r\n")
    assert raw.line() == b"a OK Begin TLS negotiation now"
    tls = server.client_context().wrap_socket(raw.sock, server_hostname="localhost")
    tls.sendall(b"c CAPABILITY\r\n")
    data = b""
    while b"c OK" not in data:
        data += tls.recv(65536)
    assert b"b OK" not in data and b"b " not in data.split(b"\r\n")[0]
    assert b"STARTTLS" not in data
    tls.sendall(b"d NOOP\r\n")
    data = tls.recv(65536)
    assert data == b"d OK NOOP completed\r\n"
    tls.close()


def test_implicit_tls(server: Running) -> None:
    client = imaplib.IMAP4_SSL("127.0.0.1", server.tls_port, ssl_context=server.client_context(),
                               timeout=TIMEOUT)  # fmt: skip
    assert "STARTTLS" not in client.capabilities
    assert client.login(USER, PASSWORD)[0] == "OK"
    client.logout()


def test_idle_push_from_another_connection(server: Running) -> None:
    server.store.folders[USER].pop("t-idle", None)
    other = imaplib.IMAP4("127.0.0.1", server.port, timeout=TIMEOUT)
    other.login(USER, PASSWORD)
    other.create("t-idle")
    raw = Raw(server.port)
    raw.line()
    raw.sock.sendall(b"a LOGIN " + USER.encode() + b" " + PASSWORD.encode() + b"\r\n")
    raw.until_tagged(b"a")
    raw.sock.sendall(b"s SELECT t-idle\r\n")
    assert b"* 0 EXISTS" in raw.until_tagged(b"s")
    raw.sock.sendall(b"i IDLE\r\n")
    assert raw.line() == b"+ idling"
    other.append("t-idle", None, None, b"Subject: pushed\r\n\r\nx\r\n")
    assert raw.line() == b"* 1 EXISTS"
    assert raw.line() == b"* 1 RECENT"
    raw.sock.sendall(b"DONE\r\n")
    assert raw.line() == b"i OK IDLE terminated"
    raw.close()
    other.logout()
