"""Helpers for the provider tests: seeding by the Target's own recipe, process scans.

Only the standard library talks to the servers here (poplib, imaplib, smtplib): the
suite's strict wire clients are tested elsewhere and must not be needed to test the
providers that start the servers they are run against.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import smtplib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

import pytest
from mailspec.fixtures.core.target import Account, Target
from mailspec.fixtures.providers import get_provider
from mailspec.fixtures.providers.base import ProviderSettings, ProviderUnavailable

MESSAGE = (
    "From: Sender <sender@example.org>\r\n"
    "To: {address}\r\n"
    "Subject: mailspec provider test {marker}\r\n"
    "Date: {date}\r\n"
    "Message-ID: <{marker}@mailspec.test>\r\n"
    "\r\n"
    "Seeded by tests/providers ({marker}).\r\n"
)


def make_message(account: Account, marker: str) -> bytes:
    return MESSAGE.format(
        address=account.address or account.user, marker=marker, date=formatdate()
    ).encode()


def seed_message(target: Target, account: Account, message: bytes) -> None:
    """Put ``message`` into ``account``'s INBOX the way ``target.seed`` says."""
    seed = target.seed
    assert seed is not None, f"{target.name} offers no way to seed mail"
    if seed.kind in ("lmtp", "smtp"):
        client_class = smtplib.LMTP if seed.kind == "lmtp" else smtplib.SMTP
        with client_class(seed.host, seed.port, timeout=10) as client:
            refused = client.sendmail("sender@example.org", [account.address], message)
        assert not refused, refused
    elif seed.kind == "mbox":
        path = Path(seed.path_template.format(user=account.user))
        body = message.replace(b"\r\n", b"\n")
        # mboxrd quoting of body lines that look like a separator.
        lines = [
            b">" + line if line.lstrip(b">").startswith(b"From ") else line
            for line in body.split(b"\n")
        ]
        envelope = f"From sender@example.org {time.asctime(time.gmtime())}\n".encode()
        with open(path, "ab") as mbox:  # appending keeps the owner (the mail user)
            mbox.write(envelope + b"\n".join(lines).rstrip(b"\n") + b"\n\n")
    elif seed.kind == "imap":
        assert target.imap is not None
        with imaplib.IMAP4(target.imap.host, target.imap.port, timeout=10) as client:
            client.login(account.user, account.password)
            typ, data = client.append("INBOX", None, None, message)
            assert typ == "OK", data
            client.logout()
    else:  # pragma: no cover - Seed.kind is a closed set
        raise AssertionError(f"unknown seed kind {seed.kind}")


# --- process scans (/proc only, no psutil) ---------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _, rest = raw.rpartition(")")
    return [head.split(" (", 1)[1], *rest.split()]  # [comm, state, ppid, pgrp, session, ...]


def _mount_namespace(pid: int | str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None


def _all_pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


@dataclass
class ProcessTracker:
    """Remembers the processes a provider started, to prove later that none is left.

    ``snapshot()`` (called inside the ``with``) records every descendant of this test
    process and the sessions they run in: the providers start their servers in a new
    session, and a server that daemonizes leaves the process tree but keeps its session.
    """

    pids: dict[int, str] = field(default_factory=dict)  # pid -> start time
    sessions: set[int] = field(default_factory=set)
    names: dict[int, str] = field(default_factory=dict)
    # Private mount namespaces (Cyrus, Courier): daemons that detach from the session
    # (gamin's gam_server) are still found there.
    namespaces: set[str] = field(default_factory=set)
    # Descendants that existed before the provider started (the mailspec plugin's own
    # session target, for one) are not the provider's.
    baseline: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.baseline = set(self._descendants(os.getpid()))

    @staticmethod
    def _descendants(root: int) -> dict[int, list[str]]:
        table = {pid: fields for pid in _all_pids() if (fields := _stat(pid))}
        found = {}
        for pid, fields in table.items():
            ancestor, hops = pid, 0
            while ancestor not in (0, 1, root) and hops < 64:
                parent_fields = table.get(ancestor)
                if parent_fields is None:
                    break
                ancestor, hops = int(parent_fields[2]), hops + 1
            if ancestor == root and pid != root:
                found[pid] = fields
        return found

    def snapshot(self, root: int | None = None) -> None:
        """Record the new descendants of ``root`` (default: this process)."""
        own_session = os.getsid(0)
        own_namespace = _mount_namespace("self")
        for pid, fields in self._descendants(root or os.getpid()).items():
            if pid in self.baseline:
                continue
            self.pids[pid] = fields[20]
            self.names[pid] = fields[0]
            if int(fields[4]) != own_session:
                self.sessions.add(int(fields[4]))
            namespace = _mount_namespace(pid)
            if namespace and namespace != own_namespace:
                self.namespaces.add(namespace)

    def survivors(self) -> list[str]:
        left = []
        for pid in _all_pids():
            fields = _stat(pid)
            if not fields or fields[1] == "Z":
                continue
            same_process = self.pids.get(pid) == fields[20]
            in_namespace = _mount_namespace(pid) in self.namespaces
            if same_process or int(fields[4]) in self.sessions or in_namespace:
                left.append(f"{pid} {fields[0]}")
        return left

    def assert_all_gone(self, timeout: float = 5.0) -> None:
        assert self.pids, "the snapshot found no server process: nothing was checked"
        end = time.monotonic() + timeout
        while (left := self.survivors()) and time.monotonic() < end:
            time.sleep(0.1)
        assert not left, f"processes left running after the provider exited: {left}"


@pytest.fixture
def tracker() -> ProcessTracker:
    return ProcessTracker()


@pytest.fixture
def seed() -> Callable[[Target, Account, bytes], None]:
    return seed_message


StartProvider = Callable[..., contextlib.AbstractContextManager[Target]]


@pytest.fixture
def start_provider(tmp_path: Path) -> StartProvider:
    """``start_provider(name, **settings)``: the provider's context, or a skip."""

    @contextlib.contextmanager
    def start(name: str, **overrides: object) -> Iterator[Target]:
        workdir = tmp_path / name.replace(":", "-")
        workdir.mkdir(exist_ok=True)
        settings = ProviderSettings(workdir=workdir, **overrides)  # type: ignore[arg-type]
        context = get_provider(name)(settings)
        try:
            target = context.__enter__()
        except ProviderUnavailable as exc:
            pytest.skip(f"{name}: {exc}")
        with contextlib.ExitStack() as stack:
            stack.push(context)  # its __exit__ runs however the block ends
            yield target

    return start
