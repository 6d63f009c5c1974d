"""RETR throughput of the reference POP3 server (a printed figure, not a test).

Starts the server through the ``reference`` provider (so ``MAILSPEC_REFERENCE_LAUNCHER``
works here too), delivers N messages to one account over SMTP, then RETRs them all over
one POP3 session and prints messages/s and MB/s::

    python benchmarks/pop3_retr_throughput.py [--messages 1000] [--size 10000] [--pipeline 1]
"""

from __future__ import annotations

import argparse
import smtplib
import socket
import tempfile
import time
from pathlib import Path

from mailspec.fixtures.providers.base import ProviderSettings
from mailspec.fixtures.providers.reference import provide


def make_message(n: int, size: int) -> bytes:
    line = b"The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnop\r\n"
    body = (line * (size // len(line) + 1))[:size]
    body = body[: body.rfind(b"\r\n") + 2] if b"\r\n" in body else body + b"\r\n"
    return b"Subject: benchmark %d\r\nFrom: bench@example.org\r\n\r\n" % n + body


class Reader:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise EOFError("server closed the connection")
        self.buf += chunk

    def line(self) -> bytes:
        while (i := self.buf.find(b"\r\n")) < 0:
            self._fill()
        out = bytes(self.buf[:i])
        del self.buf[: i + 2]
        return out

    def multiline(self) -> int:
        """Read one multi-line response; returns the octets of its body (stuffed)."""
        status = self.line()
        if not status.startswith(b"+OK"):
            raise RuntimeError(status)
        start = 0
        while True:
            if self.buf.startswith(b".\r\n"):
                del self.buf[:3]
                return 0
            i = self.buf.find(b"\r\n.\r\n", start)
            if i >= 0:
                del self.buf[: i + 5]
                return i + 2
            start = max(0, len(self.buf) - 4)
            self._fill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--size", type=int, default=10_000, help="approximate octets each")
    parser.add_argument("--pipeline", type=int, default=1, help="RETRs in flight at once")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as tmp,
        provide(ProviderSettings(workdir=Path(tmp), accounts=1, tls=False)) as target,
    ):
        assert target.pop3 and target.seed
        account = target.accounts[0]
        started = time.perf_counter()
        with smtplib.SMTP(target.seed.host, target.seed.port, timeout=30) as smtp:
            for n in range(args.messages):
                smtp.sendmail("bench@example.org", [account.address], make_message(n, args.size))
        delivered = time.perf_counter() - started
        print(
            f"delivered {args.messages} messages over SMTP in {delivered:.2f} s "
            f"({args.messages / delivered:.0f} msg/s)"
        )

        with socket.create_connection((target.pop3.host, target.pop3.port), timeout=30) as sock:
            reader = Reader(sock)
            reader.line()
            sock.sendall(f"USER {account.user}\r\nPASS {account.password}\r\n".encode())
            reader.line()
            if not reader.line().startswith(b"+OK"):
                raise SystemExit("login failed")
            sock.sendall(b"STAT\r\n")
            count = int(reader.line().split()[1])
            assert count == args.messages, count
            total = 0
            started = time.perf_counter()
            n = 1
            while n <= count:
                batch = range(n, min(count, n + args.pipeline - 1) + 1)
                sock.sendall(b"".join(b"RETR %d\r\n" % i for i in batch))
                for _ in batch:
                    total += reader.multiline()
                n = batch[-1] + 1
            elapsed = time.perf_counter() - started
            sock.sendall(b"QUIT\r\n")
            reader.line()
        print(
            f"RETR x{count} over one session (pipeline {args.pipeline}): {elapsed:.2f} s, "
            f"{count / elapsed:.0f} messages/s, {total / elapsed / 1e6:.1f} MB/s"
        )


if __name__ == "__main__":
    main()
