"""The running server under hostile clients (issue 8): bounded memory under pipelining,
connection limits below the fd limit, accept() failures that do not flood the log,
timeouts on whole commands, bad SMTP addresses, and cheap commands that never wait in
a thread queue behind deliveries.

Every server here is a subprocess on loopback; every count and wait is bounded.
``MAILSPEC_REFERENCE_LAUNCHER`` (the reference provider's variable) replaces the
command that starts the server, e.g. to run these tests against an older build.
"""

from __future__ import annotations

import contextlib
import os
import poplib
import shlex
import signal
import smtplib
import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from refsrv_helpers import READ_TIMEOUT, USERS, RunningServer, start_server

MiB = 1 << 20
# Runs the server under a given RLIMIT_NOFILE (soft and hard), like a container would.
RLIMIT_WRAPPER = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (n, n)); os.execvp(sys.argv[2], sys.argv[2:])"
)


def server_command(nofile: int | None = None) -> list[str]:
    custom = os.environ.get("MAILSPEC_REFERENCE_LAUNCHER", "").strip()
    base = shlex.split(custom) if custom else [sys.executable, "-m", "mailspec.reference_server"]
    if nofile is None:
        return base
    return [sys.executable, "-c", RLIMIT_WRAPPER, str(nofile), *base]


class Servers:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.started: list[RunningServer] = []

    def start(
        self, *extra: str, nofile: int | None = None, env: dict[str, str] | None = None
    ) -> RunningServer:
        server = start_server(
            self.root / f"srv{len(self.started)}", *extra, env=env, command=server_command(nofile)
        )
        self.started.append(server)
        return server


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    factory = Servers(tmp_path)
    yield factory
    for server in factory.started:
        server.stop(signal.SIGKILL)


def rss(pid: int) -> int:
    for text in Path(f"/proc/{pid}/status").read_text().splitlines():
        if text.startswith("VmRSS:"):
            return int(text.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def deliver(server: RunningServer, message: bytes, rcpt: str = "mailspec1@localhost") -> None:
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=30) as smtp:
        smtp.sendmail("s@example.org", [rcpt], message)


def connect(port: int, source: str = "127.0.0.1", timeout: float = READ_TIMEOUT) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout, source_address=(source, 0))


def read_line(sock: socket.socket) -> bytes:
    """One line (or whatever came before EOF), with the socket's timeout on each recv."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def closed_by_peer(sock: socket.socket, within: float) -> bool:
    """True once the server closes (EOF or reset) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if sock.recv(65536) == b"":
                return True
        except TimeoutError:
            return False
        except OSError:
            return True
    return False


def log_lines(server: RunningServer, needle: str) -> list[str]:
    return [x for x in server.log.read_text(errors="replace").splitlines() if needle in x]


def big_message(size: int = MiB) -> bytes:
    line = b"y" * 998 + b"\r\n"
    return b"Subject: big\r\n\r\n" + line * (size // len(line))


# -- 1. flow control -------------------------------------------------------------------
def test_pipelined_retr_that_is_never_read_costs_bounded_memory(servers: Servers) -> None:
    """1,000 pipelined RETRs of a 1 MB message in one write, never read: the server's
    RSS grows by less than 50 MiB (it used to build every reply: +879 MiB), and the
    connection is dropped after the write timeout."""
    server = servers.start("--write-timeout", "3")
    deliver(server, big_message())
    with contextlib.closing(poplib.POP3("127.0.0.1", server.port("pop3"), timeout=30)) as warm:
        warm.user("mailspec1")
        warm.pass_(USERS["mailspec1"])
        assert warm.retr(1)[2] > MiB - 2048  # one whole RETR first: caches warm
        warm.quit()
    base = rss(server.process.pid)
    sock = connect(server.port("pop3"))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        sock.sendall(b"USER mailspec1\r\nPASS secret-1\r\n" + b"RETR 1\r\n" * 1000)
        started = time.monotonic()
        peak, dropped = base, None
        while time.monotonic() - started < 25:
            peak = max(peak, rss(server.process.pid))
            try:
                sock.sendall(b"NOOP\r\n")  # fails once the server has aborted
            except OSError:
                dropped = time.monotonic() - started
                break
            time.sleep(0.1)
    finally:
        sock.close()
    growth = (peak - base) / MiB
    assert growth < 50, f"server RSS grew by {growth:.0f} MiB"
    assert dropped is not None and dropped < 15, f"not dropped in time ({dropped})"
    assert server.alive()


def test_pipelined_large_retrs_arrive_whole_and_in_order(servers: Servers) -> None:
    """Streaming in chunks keeps the bytes exact: dot-lines at and around chunk
    boundaries, and a line longer than a chunk that starts with '.'."""
    lines = [b".dot at %d" % i if i % 7 == 0 else b"line %d" % i for i in range(9000)]
    lines.insert(4000, b"." + b"z" * 60000)
    message = b"Subject: chunks\r\n\r\n" + b"\r\n".join(lines) + b"\r\n"
    server = servers.start("--no-trace-headers")
    deliver(server, message)
    deliver(server, big_message(300_000))
    with connect(server.port("pop3"), timeout=30) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(b"USER mailspec1\r\nPASS secret-1\r\n" + b"RETR 1\r\nRETR 2\r\n" * 5)
        assert reader.readline().startswith(b"+OK")
        assert reader.readline().startswith(b"+OK")
        for i in range(10):
            assert reader.readline().startswith(b"+OK")
            body = []
            while (got := reader.readline()) != b".\r\n":
                body.append(got[1:] if got.startswith(b".") else got)
            expected = message if i % 2 == 0 else big_message(300_000)
            assert b"".join(body) == expected, f"reply {i} differs"


# -- 3. connection limits and accept() failures ------------------------------------------
def test_connection_limits_refuse_cleanly_with_one_log_line(servers: Servers) -> None:
    """Over the per-address or the per-listener limit: POP3 gets ``-ERR [SYS/TEMP]``,
    SMTP ``421``, then the connection closes; a freed slot is usable again; twenty
    refusals make one log line, not twenty."""
    server = servers.start("--max-connections", "4", "--max-connections-per-address", "2")
    pop3, smtp = server.port("pop3"), server.port("smtp")
    held = [connect(pop3, "127.0.0.1"), connect(pop3, "127.0.0.1")]
    held += [connect(pop3, "127.0.0.2"), connect(pop3, "127.0.0.2")]
    try:
        for sock in held:
            assert read_line(sock).startswith(b"+OK")
        for source in ["127.0.0.1"] * 10 + ["127.0.0.3"] * 10:  # per address, per listener
            with connect(pop3, source) as extra:
                assert read_line(extra).startswith(b"-ERR [SYS/TEMP]"), source
                assert closed_by_peer(extra, 5)
        held.pop(0).close()
        deadline = time.monotonic() + 5
        while True:
            with connect(pop3, "127.0.0.1") as again:
                if read_line(again).startswith(b"+OK"):
                    break
            assert time.monotonic() < deadline, "the freed slot was never given back"
            time.sleep(0.1)
        mail = [connect(smtp), connect(smtp)]
        for sock in mail:
            assert read_line(sock).startswith(b"220")
        with connect(smtp) as extra:
            assert read_line(extra).startswith(b"421 ")
            assert closed_by_peer(extra, 5)
        for sock in mail:
            sock.close()
    finally:
        for sock in held:
            sock.close()
    assert len(log_lines(server, "pop3: refusing connections")) == 1
    assert len(log_lines(server, "smtp: refusing connections")) == 1


def test_default_limits_keep_service_under_a_low_fd_limit(servers: Servers) -> None:
    """Under RLIMIT_NOFILE 256, 300 idle connections from one address do not lock out
    a POP3 session from another address, nor an SMTP delivery (they used to: the
    server ran out of descriptors and logged a traceback per failed accept)."""
    server = servers.start("--write-timeout", "5", nofile=256)
    hostile: list[socket.socket] = []
    try:
        for _ in range(300):
            hostile.append(connect(server.port("pop3")))
        time.sleep(0.5)
        deliver(server, b"Subject: still works\r\n\r\nx\r\n", "mailspec2@localhost")
        with connect(server.port("pop3"), "127.0.0.2") as sock:
            sock.settimeout(READ_TIMEOUT)
            reader = sock.makefile("rb")
            assert reader.readline().startswith(b"+OK")
            sock.sendall(b"USER mailspec2\r\nPASS secret-2\r\nSTAT\r\nQUIT\r\n")
            assert reader.readline().startswith(b"+OK")
            assert reader.readline().startswith(b"+OK")
            assert reader.readline().startswith(b"+OK 1 ")
        refused = sum(1 for s in hostile[-50:] if read_line(s).startswith(b"-ERR [SYS/TEMP]"))
        assert refused == 50
    finally:
        for sock in hostile:
            sock.close()
    text = server.log.read_text(errors="replace")
    assert "Traceback" not in text
    assert len(log_lines(server, "refusing connections")) <= 2


def test_accept_failures_for_lack_of_fds_are_logged_once(servers: Servers) -> None:
    """With limits set above the fd limit (RLIMIT_NOFILE 64), accept() fails with
    EMFILE: the listener pauses instead of spinning, one log line, no traceback, and
    it serves again once descriptors are free."""
    server = servers.start(
        "--max-connections", "1000", "--max-connections-per-address", "1000", nofile=64
    )
    hostile: list[socket.socket] = []
    try:
        for _ in range(120):
            hostile.append(connect(server.port("pop3")))
        time.sleep(3)
        assert server.alive()
    finally:
        for sock in hostile:
            sock.close()
    deadline = time.monotonic() + 10
    while True:
        try:
            client = poplib.POP3("127.0.0.1", server.port("pop3"), timeout=2)
            client.user("mailspec1")
            client.pass_(USERS["mailspec1"])
            client.quit()
            break
        except (OSError, poplib.error_proto):
            assert time.monotonic() < deadline, "the server did not recover"
            time.sleep(0.2)
    text = server.log.read_text(errors="replace")
    assert "Traceback" not in text
    assert "out of system resource" not in text
    failures = log_lines(server, "accept() failed")
    assert 1 <= len(failures) <= 2, failures


# -- 4. whole-command timeouts ------------------------------------------------------------
def drip(sock: socket.socket, data: bytes, gap: float, stop: threading.Event) -> None:
    for byte in data:
        if stop.wait(gap):
            return
        try:
            sock.send(bytes([byte]))
        except OSError:
            return


@pytest.mark.parametrize("payload", [b"NOOP\r\n", b"NOO"], ids=["drip-fed", "unfinished"])
def test_pop3_idle_timer_counts_whole_commands_only(servers: Servers, payload: bytes) -> None:
    """RFC 1939 §3: the autologout timer is reset by a command. With --idle-timeout 2,
    ``NOOP`` sent one byte every 0.7 s (a command per 4.2 s), or an unfinished line,
    is logged out after about 2 s; it used to stay open as long as bytes kept coming."""
    server = servers.start("--idle-timeout", "2")
    with connect(server.port("pop3"), timeout=10) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(b"USER mailspec1\r\nPASS secret-1\r\n")
        reader.readline(), reader.readline()
        stop = threading.Event()
        dripper = threading.Thread(target=drip, args=(sock, payload * 3, 0.7, stop))
        started = time.monotonic()
        dripper.start()
        try:
            reply = reader.readline()
            elapsed = time.monotonic() - started
        finally:
            stop.set()
            dripper.join()
        assert reply.startswith(b"-ERR autologout"), reply
        assert elapsed < 3.8, f"logged out after {elapsed:.1f} s"


def test_pop3_whole_commands_keep_the_session(servers: Servers) -> None:
    """The other side of the same rule: a command every second keeps a session with
    --idle-timeout 2 open for longer than the timeout."""
    server = servers.start("--idle-timeout", "2")
    with connect(server.port("pop3"), timeout=10) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(b"USER mailspec1\r\nPASS secret-1\r\n")
        reader.readline(), reader.readline()
        for _ in range(5):
            time.sleep(1.0)
            sock.sendall(b"NOOP\r\n")
            assert reader.readline() == b"+OK\r\n"


@pytest.mark.parametrize("payload", [b"NOOP\r\n", b"NOO"], ids=["drip-fed", "unfinished"])
def test_smtp_timeout_counts_whole_commands_and_says_421(servers: Servers, payload: bytes) -> None:
    """The same for SMTP (--smtp-timeout 2): a drip-fed or unfinished command line gets
    ``421`` (RFC 5321 §4.5.3.2) and the connection closes."""
    server = servers.start("--smtp-timeout", "2")
    with connect(server.port("smtp"), timeout=10) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"220")
        sock.sendall(b"HELO test\r\n")
        assert reader.readline().startswith(b"250")
        stop = threading.Event()
        dripper = threading.Thread(target=drip, args=(sock, payload * 3, 0.7, stop))
        started = time.monotonic()
        dripper.start()
        try:
            reply = reader.readline()
            elapsed = time.monotonic() - started
        finally:
            stop.set()
            dripper.join()
        assert reply.startswith(b"421 "), reply
        assert elapsed < 3.8, f"timed out after {elapsed:.1f} s"


# -- 6. bad addresses ---------------------------------------------------------------------
BAD_RECIPIENTS: Sequence[bytes] = (
    b"<\xff@localhost>",
    b"<mailspec1\xff@localhost>",
    b"<mailspec1@\xfflocalhost>",
    b"<\xc3\xa9@localhost>",
    b"<\x01@localhost>",
    b"<a@b@c>",
    b"<@localhost>",
    b"<>",
    b"<" + b"x" * 400 + b"@localhost>",
    b"<\xed\xa0\x80@localhost>",  # an encoded surrogate: not UTF-8 either
)


def test_bad_recipient_addresses_get_5xx_and_no_traceback(servers: Servers) -> None:
    """``RCPT TO:<\\xff@localhost>`` used to answer ``500 Error: (UnicodeEncodeError)``
    with a traceback in the log; every bad address gets a proper 5xx, and the
    connection goes on working."""
    server = servers.start()
    with connect(server.port("smtp"), timeout=10) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"220")
        sock.sendall(b"HELO test\r\nMAIL FROM:<s@example.org>\r\n")
        assert reader.readline().startswith(b"250")
        assert reader.readline().startswith(b"250")
        for address in BAD_RECIPIENTS:
            sock.sendall(b"RCPT TO:" + address + b"\r\n")
            reply = reader.readline()
            assert reply[:1] == b"5" and not reply.startswith(b"500 Error"), (address, reply)
            assert reply.isascii(), reply
        sock.sendall(b"RCPT TO:<mailspec1@localhost>\r\n")
        assert reader.readline().startswith(b"250")
    with connect(server.port("smtp"), timeout=10) as sock:  # an 8-bit envelope sender
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(b"HELO t\r\nMAIL FROM:<\xff@example.org>\r\nRCPT TO:<mailspec1@localhost>\r\n")
        replies = [reader.readline() for _ in range(3)]
        assert all(r[:1] in b"25" for r in replies), replies
        sock.sendall(b"DATA\r\n")
        if reader.readline().startswith(b"354"):
            sock.sendall(b"Subject: x\r\n\r\nx\r\n.\r\n")
            assert reader.readline()[:1] in b"25"
    text = server.log.read_text(errors="replace")
    assert "Traceback" not in text
    assert "UnicodeEncodeError" not in text


# -- thread pool: a cheap command never queues behind deliveries ---------------------------
def test_stat_is_not_stuck_behind_blocked_deliveries(servers: Servers, tmp_path: Path) -> None:
    """Eight deliveries stuck in storage (one paused inside its append holding the
    mailbox lock, seven waiting for the lock) used to fill asyncio's default thread
    pool, which every POP3 command went through: another user's login and STAT
    waited for them. Now it answers at once."""
    points = tmp_path / "points"
    points.mkdir()
    env = {
        "MAILSPEC_REF_CRASHPOINTS": "append-mid",
        "MAILSPEC_REF_CRASHPOINT_DIR": str(points),
        "MAILSPEC_REF_CRASHPOINT_SLEEP": "20",
    }
    server = servers.start("--lock-timeout", "15", env=env)

    def send() -> None:
        with contextlib.suppress(Exception):
            deliver(server, b"Subject: stuck\r\n\r\nx\r\n")

    senders = [threading.Thread(target=send, daemon=True) for _ in range(8)]
    for sender in senders:
        sender.start()
    deadline = time.monotonic() + 10
    while not (points / "append-mid").exists():
        assert time.monotonic() < deadline, "no delivery reached the pause point"
        time.sleep(0.05)
    time.sleep(1.0)  # the other seven are now waiting for the lock, in threads
    started = time.monotonic()
    client = poplib.POP3("127.0.0.1", server.port("pop3"), timeout=15)
    client.user("mailspec2")
    client.pass_(USERS["mailspec2"])
    client.stat()
    elapsed = time.monotonic() - started
    client.quit()
    assert elapsed < 3.0, f"login + STAT took {elapsed:.1f} s behind stuck deliveries"
