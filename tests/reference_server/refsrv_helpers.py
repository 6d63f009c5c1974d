"""Helpers for the reference server's own tests (imported by conftest and tests): an in-memory store, a subprocess
launcher and a tiny line client with a timeout on every read."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mailspec.reference_server.storage.interface import MaildropInUse, MessageInfo, StorageError

USERS = {"mailspec1": "secret-1", "mailspec2": "secret-2", "mailspec3": "secret-3"}
READ_TIMEOUT = 5.0


# -- sans-IO side ------------------------------------------------------------------
@dataclass
class FakeMaildrop:
    store: FakeStore
    user: str
    snapshot: list[tuple[str, bytes]]
    released: bool = False

    @property
    def messages(self) -> Sequence[MessageInfo]:
        return [MessageInfo(uid, len(data)) for uid, data in self.snapshot]

    def read(self, index: int) -> bytes:
        if self.store.fail_reads:
            raise StorageError("disk on fire", temporary=False)
        return self.snapshot[index][1]

    def commit(self, deleted: Collection[int]) -> None:
        if self.store.fail_commit:
            raise StorageError("cannot rewrite")
        doomed = {self.snapshot[i][0] for i in deleted}
        self.store.boxes[self.user] = [m for m in self.store.boxes[self.user] if m[0] not in doomed]
        self.store.commits.append(sorted(deleted))

    def release(self) -> None:
        self.released = True
        self.store.locked.discard(self.user)


@dataclass
class FakeStore:
    boxes: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    locked: set[str] = field(default_factory=set)
    commits: list[list[int]] = field(default_factory=list)
    fail_open: StorageError | None = None
    fail_reads: bool = False
    fail_commit: bool = False
    next_uid: int = 1

    def deliver(self, user: str, message: bytes, *, envelope_from: str = "") -> None:
        self.boxes.setdefault(user, []).append((f"uid-{self.next_uid}", message))
        self.next_uid += 1

    def open_maildrop(self, user: str) -> FakeMaildrop:
        if self.fail_open is not None:
            raise self.fail_open
        if user in self.locked:
            raise MaildropInUse(user)
        self.locked.add(user)
        return FakeMaildrop(self, user, list(self.boxes.get(user, [])))


# -- subprocess side ---------------------------------------------------------------
@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    ports: dict[str, int | None]
    ca_file: str | None
    data: Path
    log: Path

    def port(self, name: str) -> int:
        value = self.ports[name]
        assert value is not None, name
        return value

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode


def start_server(
    workdir: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    command: Sequence[str] | None = None,
    data: Path | None = None,
) -> RunningServer:
    workdir.mkdir(parents=True, exist_ok=True)
    users = workdir / "users"
    users.write_text("# test users\n" + "".join(f"{u}:{p}\n" for u, p in USERS.items()))
    ready = workdir / f"ready-{time.monotonic_ns()}.json"
    log = workdir / "server.log"
    data = data or workdir / "data"
    argv = [
        *(command or [sys.executable, "-m", "mailspec.reference_server"]),
        "--data", str(data), "--users", str(users),
        "--pop3-port", "0", "--smtp-port", "0", "--lmtp-port", "0",
        "--ready-file", str(ready), "--log-level", "DEBUG", *extra,
    ]  # fmt: skip
    with open(log, "ab") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    deadline = time.monotonic() + 20
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError("server did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.02)
    info = json.loads(ready.read_text())
    ports = {k: info.get(k) for k in ("pop3", "pop3s", "smtp", "lmtp")}
    return RunningServer(process, ports, info.get("ca_file"), data, log)


class ServerFactory:
    """Starts servers in one test's folder; the fixture kills them all afterwards."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.started: list[RunningServer] = []

    def start(
        self, *extra: str, env: dict[str, str] | None = None, data: Path | None = None
    ) -> RunningServer:
        server = start_server(self.root / f"srv{len(self.started)}", *extra, env=env, data=data)
        self.started.append(server)
        return server


class LineClient:
    """A raw POP3 client: bytes on the wire, a timeout on every read."""

    def __init__(self, port: int, *, tls: ssl.SSLContext | None = None) -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT)
        self.sock: socket.socket = (
            tls.wrap_socket(sock, server_hostname="127.0.0.1") if tls else sock
        )
        self.buf = b""

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self) -> LineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def readline(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        text, _, self.buf = self.buf.partition(b"\r\n")
        return text

    def read_multiline(self) -> list[bytes]:
        lines = []
        while (text := self.readline()) != b".":
            lines.append(text)
        return lines

    def cmd(self, text: str | bytes) -> bytes:
        self.send((text.encode() if isinstance(text, str) else text) + b"\r\n")
        return self.readline()

    def login(self, user: str = "mailspec1", password: str | None = None) -> None:
        assert self.cmd(f"USER {user}").startswith(b"+OK")
        reply = self.cmd(f"PASS {password or USERS[user]}")
        assert reply.startswith(b"+OK"), reply

    def is_closed(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False
        except (ConnectionError, ssl.SSLError):
            return True
