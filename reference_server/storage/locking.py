"""mbox locking that other mbox tools understand.

Two kinds of lock, on purpose:

* The **file lock** guards every change to ``INBOX.mbox`` for a short moment (an append,
  a rewrite, reading the index). It is what procmail, mutt and mailutils take: a
  ``<mbox>.lock`` dot-lock created with O_EXCL, then an fcntl write lock on the mbox
  itself. The dot-lock comes first because it names the *path*: after a rewrite renames
  a new file into place, a waiter on the old inode's fcntl lock would otherwise work on
  a file that is gone. A dot-lock whose owner process is dead, or that is older than
  five minutes, is stale and broken (a kill -9 leaves one behind).
* The **session lock** is the POP3 maildrop lock (RFC 1939 §8): an exclusive ``flock``
  on ``<mbox>.session``, held from successful authentication to the end of the session.
  flock locks belong to the open file, so two sessions in one process exclude each
  other, and the kernel drops the lock when the process dies. Delivery does not take
  it: a POP3 session's view is fixed by byte offsets, so appends never disturb it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .interface import MaildropInUse, StorageError

STALE_DOTLOCK_SECONDS = 300.0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dotlock_is_stale(path: Path) -> bool:
    try:
        text = path.read_text("ascii", errors="replace").strip()
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False
    if age > STALE_DOTLOCK_SECONDS:
        return True
    try:
        pid = int(text.split()[0])
    except (ValueError, IndexError):
        # Written by a tool that leaves it empty: only age tells.
        return False
    return not pid_alive(pid)


def _try_dotlock(path: Path) -> bool:
    # Write the pid to a private file and hard-link it into place: the lock appears
    # atomically with its owner inside, so a kill -9 never leaves an empty, ownerless
    # dot-lock (the classic link() method, also safe on NFS).
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)
    return True


def _fcntl_lock(fd: int) -> bool:
    # Open-file-description locks where the kernel has them (they conflict with the
    # classic POSIX locks other tools take, and also between threads of this process).
    cmd = getattr(fcntl, "F_OFD_SETLK", None)
    try:
        if cmd is not None:
            import struct

            flock = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
            fcntl.fcntl(fd, cmd, flock)
        else:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


@contextlib.contextmanager
def file_lock(mbox: Path, *, timeout: float = 10.0) -> Iterator[int]:
    """Dot-lock plus fcntl lock on ``mbox`` (created if missing); yields an O_RDWR fd."""
    dotlock = mbox.with_name(mbox.name + ".lock")
    deadline = time.monotonic() + timeout
    delay = 0.001
    while not _try_dotlock(dotlock):
        if _dotlock_is_stale(dotlock):
            with contextlib.suppress(FileNotFoundError):
                dotlock.unlink()
            continue
        if time.monotonic() > deadline:
            raise StorageError(f"mailbox {mbox.name} is locked by another program")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    try:
        while True:
            fd = os.open(mbox, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                while not _fcntl_lock(fd):
                    if time.monotonic() > deadline:
                        raise StorageError(f"mailbox {mbox.name} is fcntl-locked")
                    time.sleep(0.01)
                # The path may have been renamed over while we waited: lock the live file.
                if os.fstat(fd).st_ino == os.stat(mbox).st_ino:
                    break
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        try:
            yield fd
        finally:
            os.close(fd)  # closing the descriptor drops the fcntl lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            dotlock.unlink()


class SessionLock:
    """The long-held POP3 maildrop lock (flock on ``<mbox>.session``)."""

    def __init__(self, mbox: Path) -> None:
        self.path = mbox.with_name(mbox.name + ".session")
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise MaildropInUse("maildrop already locked") from None
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
