"""The reference server under hostile clients and crashes (printed figures, not a test).

Starts the reference server as a subprocess on loopback (``MAILSPEC_REFERENCE_LAUNCHER``
replaces the command, as for the ``reference`` provider, e.g. to measure an older
build) and prints, for this machine:

* crash trials: kill -9 during SMTP delivery, restart on the same data; trials run,
  acknowledged messages, lost / duplicated / corrupted, restart-to-ready time;
* pipelined RETR memory: server RSS growth for 1,000 pipelined RETRs of a 1 MB
  message on a connection that never reads, and how long until it is dropped;
* idle connections: how many the server holds, and its memory per connection;
* fuzz: random POP3 and SMTP lines per second, crashes / hangs, mail intact;
* STAT latency, alone and under mixed load (POP3 sessions + SMTP senders);
* accept() under a low fd limit: log lines and tracebacks.

Every part is bounded in count and time::

    python benchmarks/hostile_clients.py [--trials 20] [--idle 500] [--fuzz-lines 20000]
        [--load-seconds 10] [--skip crash,fuzz,...]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import poplib
import random
import shlex
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

USERS = {f"user{n}": f"pw{n}" for n in range(1, 25)}
MiB = 1 << 20
RLIMIT_WRAPPER = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (n, n)); os.execvp(sys.argv[2], sys.argv[2:])"
)
PARTS = ("crash", "memory", "idle", "fuzz", "latency", "fdlimit")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    pid: int
    ports: dict[str, int]
    data: Path
    log: Path
    ready_seconds: float

    def rss(self) -> int:
        for text in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if text.startswith("VmRSS:"):
                return int(text.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def alive(self) -> bool:
        return self.process.poll() is None


def command(nofile: int | None = None) -> list[str]:
    custom = os.environ.get("MAILSPEC_REFERENCE_LAUNCHER", "").strip()
    base = shlex.split(custom) if custom else [sys.executable, "-m", "mailspec.reference_server"]
    return base if nofile is None else [sys.executable, "-c", RLIMIT_WRAPPER, str(nofile), *base]


def start(
    workdir: Path, *extra: str, data: Path | None = None, nofile: int | None = None
) -> Server:
    workdir.mkdir(parents=True, exist_ok=True)
    users = workdir / "users"
    users.write_text("".join(f"{u}:{p}\n" for u, p in USERS.items()))
    ready = workdir / f"ready-{time.monotonic_ns()}.json"
    data = data or workdir / "data"
    log = workdir / "server.log"
    argv = [
        *command(nofile), "--data", str(data), "--users", str(users),
        "--pop3-port", "0", "--smtp-port", "0", "--ready-file", str(ready), *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    with open(log, "ab") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    while not ready.exists():
        if process.poll() is not None or time.perf_counter() - started > 30:
            process.kill()
            raise SystemExit("the server did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.005)
    info = json.loads(ready.read_text())
    ports = {k: int(info[k]) for k in ("pop3", "smtp") if info.get(k)}
    return Server(process, info["pid"], ports, data, log, time.perf_counter() - started)


@contextlib.contextmanager
def running(workdir: Path, *extra: str, nofile: int | None = None) -> Iterator[Server]:
    server = start(workdir, *extra, nofile=nofile)
    try:
        yield server
    finally:
        server.stop(signal.SIGKILL)


def pop(server: Server, user: str, timeout: float = 30) -> poplib.POP3:
    client = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=timeout)
    client.user(user)
    client.pass_(USERS[user])
    return client


def signed(tag: str, size: int) -> bytes:
    body = (b"%s " % tag.encode() * (size // (len(tag) + 1) + 1))[:size]
    lines = b"\r\n".join(body[i : i + 76] for i in range(0, len(body), 76))
    digest = hashlib.sha256(lines).hexdigest().encode()
    return b"Subject: %s\r\nX-Digest: %s\r\n\r\n%s\r\n" % (tag.encode(), digest, lines)


def check(message: bytes) -> str | None:
    """The tag of an intact signed message, None if it is damaged."""
    try:
        head, body = message.split(b"\r\n\r\n", 1)
        fields = dict(x.split(b": ", 1) for x in head.split(b"\r\n") if b": " in x)
        intact = hashlib.sha256(body[:-2]).hexdigest().encode() == fields[b"X-Digest"]
        return fields[b"Subject"].decode() if intact else None
    except (ValueError, KeyError):
        return None


def all_messages(server: Server, user: str) -> list[bytes]:
    client = pop(server, user)
    try:
        count = client.stat()[0]
        return [b"\r\n".join(client.retr(n)[1]) + b"\r\n" for n in range(1, count + 1)]
    finally:
        client.quit()


# -- parts ---------------------------------------------------------------------------------
def crash_trials(root: Path, trials: int, rng: random.Random) -> None:
    acknowledged: set[str] = set()
    data: Path | None = None
    ready: list[float] = []
    for trial in range(trials):
        server = start(root / "crash", "--no-trace-headers", data=data)
        ready.append(server.ready_seconds)
        data = server.data
        stop = threading.Event()

        def sender(
            wid: int, server: Server = server, trial: int = trial, stop: threading.Event = stop
        ) -> None:
            n = 0
            while not stop.is_set():
                try:
                    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
                        for _ in range(rng.randint(1, 8)):
                            tag = f"t{trial}w{wid}n{n}"
                            smtp.sendmail("b@example.org", ["user1@localhost"],
                                          signed(tag, rng.randint(200, 400_000)))  # fmt: skip
                            acknowledged.add(tag)
                            n += 1
                except (smtplib.SMTPException, OSError):
                    return

        threads = [threading.Thread(target=sender, args=(w,)) for w in range(3)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 0.8))
        server.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(15)
    assert data is not None
    final = start(root / "crash", data=data)
    try:
        messages = all_messages(final, "user1")
    finally:
        final.stop()
    tags = [check(m) for m in messages]
    found = [t for t in tags if t is not None]
    lost = acknowledged - set(found)
    duplicated = len(found) - len(set(found))
    print(f"crash trials: {trials} kill -9 during SMTP delivery, {len(acknowledged)} "
          f"acknowledged messages: {len(lost)} lost, {duplicated} duplicated, "
          f"{tags.count(None)} corrupted; restart to ready median "
          f"{statistics.median(ready):.2f} s")  # fmt: skip


def pipelined_memory(root: Path) -> None:
    with running(root / "memory", "--write-timeout", "5") as server:
        line = b"y" * 998 + b"\r\n"
        with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as smtp:
            smtp.sendmail("b@example.org", ["user2@localhost"],
                          b"Subject: big\r\n\r\n" + line * 1048)  # fmt: skip
        base = server.rss()
        sock = socket.create_connection(("127.0.0.1", server.ports["pop3"]), 10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"USER user2\r\nPASS pw2\r\n" + b"RETR 1\r\n" * 1000)
        started, peak, dropped = time.monotonic(), base, None
        while time.monotonic() - started < 60:
            peak = max(peak, server.rss())
            try:
                sock.sendall(b"NOOP\r\n")
            except OSError:
                dropped = time.monotonic() - started
                break
            time.sleep(0.1)
        sock.close()
        after = server.rss()
    when = f"dropped after {dropped:.1f} s" if dropped else "not dropped within 60 s"
    print(f"pipelined RETR memory: 1,000 x RETR of 1 MB, never read: RSS {(peak - base) / MiB:+.1f}"
          f" MiB at peak (target < 50), {(after - base) / MiB:+.1f} MiB after; {when}")  # fmt: skip


def idle_connections(root: Path, count: int) -> None:
    with running(root / "idle") as server:
        time.sleep(0.3)
        base = server.rss()
        socks, greeted, refused = [], 0, 0
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", server.ports["pop3"]), 10)
            socks.append(sock)
        for sock in socks:
            first = sock.recv(200)
            greeted += first.startswith(b"+OK")
            refused += first.startswith(b"-ERR")
        time.sleep(0.3)
        grown = server.rss() - base
        for sock in socks:
            sock.close()
    per = grown / max(1, greeted)
    print(f"idle connections: {count} opened, {greeted} held, {refused} refused; "
          f"{per / 1024:.1f} KiB per held connection")  # fmt: skip


FUZZ_WORDS = [b"USER", b"PASS", b"APOP", b"AUTH", b"STAT", b"LIST", b"RETR", b"TOP", b"DELE",
              b"UIDL", b"RSET", b"NOOP", b"CAPA", b"UTF8", b"LANG", b"STLS", b"user", b"XYZ"]  # fmt: skip
SMTP_WORDS = [b"HELO", b"EHLO", b"MAIL FROM:", b"RCPT TO:", b"DATA", b"RSET", b"NOOP", b"VRFY",
              b"EXPN", b"HELP", b"STARTTLS", b"AUTH"]  # fmt: skip


def fuzz_line(rng: random.Random, words: Sequence[bytes]) -> bytes:
    word = rng.choice(words)
    arg = rng.choice([b"", b"1", b"user1", b"pw1", b"<user1@localhost>", b"<\xff@x>", b"=",
                      bytes(rng.randrange(256) for _ in range(rng.randrange(40))),
                      b"A" * rng.choice([10, 300, 3000]), b"1 2 3", b"-1", b"99999999999"])  # fmt: skip
    text = word + (b" " + arg if arg else b"")
    if rng.random() < 0.2:
        pos = rng.randrange(len(text) + 1)
        text = text[:pos] + bytes([rng.randrange(256)]) + text[pos:]
    return text + rng.choice([b"\r\n", b"\n", b"\r\n", b"\r\r\n"])


def fuzz(root: Path, lines: int, rng: random.Random) -> None:
    with running(root / "fuzz", "--idle-timeout", "20") as server:
        with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
            for n in range(3):
                smtp.sendmail("b@example.org", ["user3@localhost"], signed(f"keep{n}", 2000))
        before = all_messages(server, "user3")
        sent = hangs = 0
        started = time.perf_counter()
        while sent < lines and server.alive():
            smtp_turn = rng.random() < 0.3
            batch = [fuzz_line(rng, SMTP_WORDS if smtp_turn else FUZZ_WORDS) for _ in range(100)]
            if not smtp_turn and rng.random() < 0.5:
                batch.insert(0, b"USER user3\r\nPASS pw3\r\n")
            port = server.ports["smtp" if smtp_turn else "pop3"]
            with socket.create_connection(("127.0.0.1", port), 10) as sock:
                with contextlib.suppress(OSError):
                    sock.sendall(b"".join(batch))
                    sock.shutdown(socket.SHUT_WR)
                deadline = time.monotonic() + 10
                try:
                    while sock.recv(1 << 16):
                        if time.monotonic() > deadline:
                            hangs += 1
                            break
                except TimeoutError:
                    hangs += 1
                except OSError:
                    pass
            sent += len(batch)
        elapsed = time.perf_counter() - started
        crashed = not server.alive()
        intact = not crashed and all_messages(server, "user3") == before
        traces = server.log.read_text(errors="replace").count("Traceback")
    print(f"fuzz: {sent:,} lines in {elapsed:.1f} s ({sent / elapsed:,.0f} lines/s): "
          f"{int(crashed)} crashes, {hangs} hangs, {traces} tracebacks in the log, "
          f"mail {'intact' if intact else 'CHANGED'}")  # fmt: skip


def stat_latency(server: Server, user: str, count: int) -> list[float]:
    client = pop(server, user)
    out = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            client.stat()
            out.append(time.perf_counter() - started)
    finally:
        client.quit()
    return out


def latency(root: Path, seconds: float) -> None:
    with running(root / "latency") as server:
        with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as smtp:
            for n in range(1, 25):
                smtp.sendmail("b@example.org", [f"user{n}@localhost"], signed(f"l{n}", 5000))
        alone = stat_latency(server, "user24", 200)
        stop = threading.Event()
        stats: list[float] = []
        counts = {"sessions": 0, "deliveries": 0, "errors": 0}

        def pop_client(user: str) -> None:
            while not stop.is_set():
                try:
                    client = pop(server, user)
                    started = time.perf_counter()
                    client.stat()
                    stats.append(time.perf_counter() - started)
                    client.retr(1)
                    client.quit()
                    counts["sessions"] += 1
                except (poplib.error_proto, OSError) as exc:
                    counts["errors"] += not str(exc).startswith("b'-ERR [IN-USE]")

        def sender(wid: int) -> None:
            n = 0
            while not stop.is_set():
                try:
                    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as smtp:
                        smtp.sendmail("b@example.org", [f"user{1 + n % 20}@localhost"],
                                      signed(f"s{wid}.{n}", 4000))  # fmt: skip
                        counts["deliveries"] += 1
                except (smtplib.SMTPException, OSError):
                    counts["errors"] += 1
                n += 1

        threads = [
            threading.Thread(target=pop_client, args=(f"user{1 + i % 20}",)) for i in range(24)
        ]
        threads += [threading.Thread(target=sender, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join(30)
    ms = [x * 1000 for x in stats]
    print(f"STAT latency: alone median {statistics.median(alone) * 1000:.2f} ms; under mixed "
          f"load (24 POP3 clients, 8 SMTP senders, {seconds:.0f} s) median "
          f"{statistics.median(ms):.1f} ms, p90 {statistics.quantiles(ms, n=10)[-1]:.1f} ms; "
          f"{counts['sessions'] / seconds:.0f} sessions/s, "
          f"{counts['deliveries'] / seconds:.0f} deliveries/s, {counts['errors']} errors")  # fmt: skip


def fd_limit(root: Path) -> None:
    with running(root / "fdlimit", nofile=256) as server:
        socks = [
            socket.create_connection(("127.0.0.1", server.ports["pop3"]), 10) for _ in range(349)
        ]
        time.sleep(1.0)
        try:  # another client address: the per-address limit leaves room for it
            with socket.create_connection(
                ("127.0.0.1", server.ports["pop3"]), 5, source_address=("127.0.0.2", 0)
            ) as sock:
                ok = sock.recv(200).startswith(b"+OK")
        except OSError:
            ok = False
        try:
            with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
                smtp.sendmail("b@example.org", ["user5@localhost"], b"Subject: x\r\n\r\nx\r\n")
            delivered = True
        except (smtplib.SMTPException, OSError):
            delivered = False
        for sock in socks:
            sock.close()
        time.sleep(0.5)
        text = server.log.read_text(errors="replace")
    lines = sum("refusing" in x or "accept" in x for x in text.splitlines())
    print(f"fd limit 256, 349 POP3 connections: SMTP delivery {'ok' if delivered else 'FAILED'}, "
          f"a POP3 client from another address {'served' if ok else 'NOT SERVED'}; "
          f"{lines} log lines about refusals/accept, {text.count('Traceback')} tracebacks, "
          f"{len(text) / 1024:.0f} KiB of log")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--fuzz-lines", type=int, default=20_000)
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--skip", default="", help="comma-separated: " + ",".join(PARTS))
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if "crash" not in skip:
            crash_trials(root, args.trials, rng)
        if "memory" not in skip:
            pipelined_memory(root)
        if "idle" not in skip:
            idle_connections(root, args.idle)
        if "fuzz" not in skip:
            fuzz(root, args.fuzz_lines, rng)
        if "latency" not in skip:
            latency(root, args.load_seconds)
        if "fdlimit" not in skip:
            fd_limit(root)


if __name__ == "__main__":
    main()
