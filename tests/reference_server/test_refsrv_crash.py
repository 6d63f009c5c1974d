"""kill -9 at the critical points loses no accepted message and shows no half message."""

from __future__ import annotations

import hashlib
import poplib
import random
import signal
import smtplib
import threading
import time
from pathlib import Path

import pytest
from refsrv_helpers import READ_TIMEOUT, USERS, LineClient, RunningServer, ServerFactory


def deliver(server: RunningServer, message: bytes, rcpt: str = "mailspec1@localhost") -> None:
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=READ_TIMEOUT) as smtp:
        smtp.sendmail("s@example.org", [rcpt], message)


def snapshot(server: RunningServer, user: str = "mailspec1") -> list[tuple[bytes, bytes]]:
    """(uid, message) for every message, checked against LIST sizes."""
    client = poplib.POP3("127.0.0.1", server.port("pop3"), timeout=READ_TIMEOUT)
    try:
        client.user(user)
        client.pass_(USERS[user])
        sizes = [int(x.split()[1]) for x in client.list()[1]]
        uids = [x.split()[1] for x in client.uidl()[1]]
        out = []
        for n, uid in enumerate(uids, 1):
            _, lines, octets = client.retr(n)
            assert octets == sizes[n - 1]
            out.append((uid, b"\r\n".join(lines) + b"\r\n"))
        return out
    finally:
        client.quit()


def signed(tag: str, size: int = 200) -> bytes:
    text = (f"{tag} " * (size // (len(tag) + 1) + 1)).encode()[:size]
    body = b"\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    digest = hashlib.sha256(body).hexdigest()
    return f"Subject: {tag}\r\nX-Digest: {digest}\r\n\r\n".encode() + body + b"\r\n"


def complete(message: bytes) -> bool:
    head, _, body = message.partition(b"\r\n\r\n")
    digest = [h for h in head.split(b"\r\n") if h.startswith(b"X-Digest: ")]
    return bool(digest) and hashlib.sha256(body[:-2]).hexdigest().encode() == digest[0][10:]


def wait_for(path: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"crash point {path.name} not reached"
        time.sleep(0.01)


def crash_env(tmp_path: Path, point: str) -> dict[str, str]:
    return {"MAILSPEC_REF_CRASHPOINT_DIR": str(tmp_path), "MAILSPEC_REF_CRASHPOINTS": point}


def test_kill_mid_delivery_of_large_message(server_factory: ServerFactory, tmp_path: Path) -> None:
    first = server_factory.start()
    for i in range(3):
        deliver(first, signed(f"before{i}"))
    before = snapshot(first)
    first.stop()

    crashing = server_factory.start(data=first.data, env=crash_env(tmp_path, "append-mid"))
    outcome: list[BaseException | None] = []

    def send() -> None:
        try:
            deliver(crashing, signed("huge", 3_000_000))
            outcome.append(None)
        except (smtplib.SMTPException, OSError) as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    wait_for(tmp_path / "append-mid")
    mbox = first.data / "mail" / "mailspec1" / "INBOX.mbox"
    assert mbox.stat().st_size > 1_000_000  # half the message really is in the file
    crashing.stop(signal.SIGKILL)
    sender.join(10)
    assert outcome and outcome[0] is not None  # never acknowledged

    again = server_factory.start(data=first.data)
    assert snapshot(again) == before
    deliver(again, signed("after"))
    after = snapshot(again)
    assert after[:3] == before and len(after) == 4 and complete(after[3][1])


@pytest.mark.parametrize(
    "point,survivors",
    [("rewrite-before-rename", [0, 1, 2, 3, 4]), ("rewrite-after-rename", [1, 3, 4])],
)
def test_kill_mid_quit_update(
    server_factory: ServerFactory, tmp_path: Path, point: str, survivors: list[int]
) -> None:
    first = server_factory.start()
    for i in range(5):
        deliver(first, signed(f"m{i}"))
    before = snapshot(first)
    first.stop()

    crashing = server_factory.start(data=first.data, env=crash_env(tmp_path, point))
    with LineClient(crashing.port("pop3")) as c:
        c.readline()
        c.login()
        assert c.cmd("DELE 1").startswith(b"+OK") and c.cmd("DELE 3").startswith(b"+OK")
        c.send(b"QUIT\r\n")
        wait_for(tmp_path / point)
        crashing.stop(signal.SIGKILL)

    again = server_factory.start(data=first.data)
    assert snapshot(again) == [before[i] for i in survivors]  # same messages, same UIDLs


def test_hammer_kill_during_deliveries(server_factory: ServerFactory) -> None:
    rng = random.Random(1939)
    data: Path | None = None
    acknowledged: set[str] = set()
    for round_ in range(4):
        server = server_factory.start(data=data) if data else server_factory.start()
        data = server.data
        stop = threading.Event()
        # The kill comes at a random moment once deliveries flow (a loaded machine may
        # take a while for the first ones; a fixed sleep then killed before any).
        flowing = threading.Event()
        acked_before = len(acknowledged)

        def worker(
            wid: int,
            server: RunningServer = server,
            round_: int = round_,
            stop: threading.Event = stop,
            flowing: threading.Event = flowing,
            acked_before: int = acked_before,
        ) -> None:
            n = 0
            while not stop.is_set():
                tag = f"r{round_}w{wid}n{n}"
                try:
                    deliver(server, signed(tag, rng.randrange(100, 200_000)))
                except (smtplib.SMTPException, OSError):
                    return
                acknowledged.add(tag)
                if len(acknowledged) >= acked_before + 3:
                    flowing.set()
                n += 1

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        flowing.wait(30)
        time.sleep(rng.uniform(0.2, 0.5))
        server.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(10)

    assert data is not None
    final = server_factory.start(data=data)
    messages = snapshot(final)
    tags = set()
    for _, message in messages:
        assert complete(message), message[:200]
        tags.add(message.split(b"Subject: ", 1)[1].split(b"\r\n", 1)[0].decode())
    assert acknowledged <= tags
    assert len(acknowledged) > 10
