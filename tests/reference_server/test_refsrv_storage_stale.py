"""Issue 8 #2 and #5: locks and temp files left by an earlier life of the server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mailspec.reference_server.storage import MboxStore, StorageError, locking

USER = "mailspec1"


def inbox(tmp_path: Path) -> Path:
    return tmp_path / "mail" / USER / "INBOX.mbox"


def test_own_pid_dotlock_from_earlier_life_is_stale_at_once(tmp_path: Path) -> None:
    # A container restart: the killed server was PID 1 and so is the new one. Its dot-lock
    # names a PID that is alive (ours), yet no live process holds it.
    store = MboxStore(tmp_path, lock_timeout=2.0)
    store.deliver(USER, b"first\r\n")
    inbox(tmp_path).with_name("INBOX.mbox.lock").write_text(f"{os.getpid()}\n")
    started = time.monotonic()
    store.deliver(USER, b"second\r\n")
    assert time.monotonic() - started < 1.0
    assert not inbox(tmp_path).with_name("INBOX.mbox.lock").exists()


SLEEPER = "import sys, time; print('up', flush=True); time.sleep(30)"


@pytest.fixture
def foreign_pid() -> object:
    proc = subprocess.Popen([sys.executable, "-c", SLEEPER], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
    yield proc.pid
    proc.kill()
    proc.wait()
    proc.stdout.close()


def test_our_format_lock_whose_pid_was_reused_is_stale(tmp_path: Path, foreign_pid: int) -> None:
    # Written by an earlier server whose PID now belongs to an unrelated live process: the
    # start token in the lock does not match that process.
    store = MboxStore(tmp_path, lock_timeout=2.0)
    store.deliver(USER, b"first\r\n")
    lock = inbox(tmp_path).with_name("INBOX.mbox.lock")
    lock.write_text(f"{foreign_pid}\nmailspec-token 0-not-this-process\n")
    started = time.monotonic()
    store.deliver(USER, b"second\r\n")
    assert time.monotonic() - started < 1.0


def test_live_foreign_lock_in_our_format_is_respected(tmp_path: Path, foreign_pid: int) -> None:
    store = MboxStore(tmp_path, lock_timeout=0.5)
    store.deliver(USER, b"first\r\n")
    token = locking.process_token(foreign_pid)
    assert token is not None
    lock = inbox(tmp_path).with_name("INBOX.mbox.lock")
    lock.write_text(f"{foreign_pid}\nmailspec-token {token}\n")
    with pytest.raises(StorageError):
        store.deliver(USER, b"second\r\n")
    assert lock.exists()


def test_crash_leftovers_are_cleaned_on_next_open(tmp_path: Path) -> None:
    store = MboxStore(tmp_path)
    store.deliver(USER, b"first\r\n")
    folder = inbox(tmp_path).parent
    leftovers = [
        folder / "INBOX.mbox.index.tmp.4242",  # a kill inside the old JSON index write
        folder / "INBOX.mbox.tmp.4243",  # a kill inside a rewrite
        folder / f"INBOX.mbox.lock.{os.getpid()}.1234",  # a dot-lock candidate, our PID reused
    ]
    for path in leftovers:
        path.write_bytes(b"half")
    fresh = MboxStore(tmp_path)  # the next life of the server
    fresh.deliver(USER, b"second\r\n")
    assert [p.name for p in leftovers if p.exists()] == []


FCNTL_HOLDER = r"""
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(30)
"""


def test_own_pid_dotlock_is_kept_while_the_mbox_is_fcntl_locked(tmp_path: Path) -> None:
    # A server in another PID namespace (a second container on the same volume) can
    # carry our PID; it holds the fcntl lock too, and that is what tells.
    store = MboxStore(tmp_path, lock_timeout=0.5)
    store.deliver(USER, b"first\r\n")
    lock = inbox(tmp_path).with_name("INBOX.mbox.lock")
    lock.write_text(f"{os.getpid()}\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", FCNTL_HOLDER, str(inbox(tmp_path))], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        with pytest.raises(StorageError):
            store.deliver(USER, b"second\r\n")
        assert lock.exists()
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    store.deliver(USER, b"second\r\n")  # fcntl free now: the leftover is stale at once
    assert not lock.exists()
