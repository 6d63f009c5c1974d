"""mbox locking that other mbox tools understand.

Two kinds of lock, on purpose:

* The **file lock** guards every change to an mbox file for a short moment (an append,
  a rewrite, a reconciliation of the index). It is what procmail, mutt and mailutils
  take: a ``<mbox>.lock`` dot-lock created with link(), then an fcntl write lock on the
  mbox itself. The dot-lock comes first because it names the *path*: after a rewrite
  renames a new file into place, a waiter on the old inode's fcntl lock would otherwise
  work on a file that is gone.
* The **session lock** is the POP3 maildrop lock (RFC 1939 §8): an exclusive ``flock``
  on ``<mbox>.session``, held from successful authentication to the end of the session.
  flock locks belong to the open file, so two sessions in one process exclude each
  other, and the kernel drops the lock when the process dies. Delivery does not take
  it: a POP3 session's view is fixed by byte offsets, so appends never disturb it.

When is a dot-lock stale? (issue 8 #2) A dot-lock we write holds two lines::

    <pid>
    mailspec-token <boot id>-<start time of that process in clock ticks>

* It names **our own PID** but this process does not hold it (we keep a registry of the
  dot-locks we hold): a leftover of an earlier life of the server that had the same PID
  (a container restart, PID 1 both times). Stale at once.
* It carries a **token**: it is held only while a process with that PID *and* that boot
  id and start time is alive. A PID reused by an unrelated process does not match.
* Anything else (procmail and mutt write a bare PID, some tools nothing) is stale when
  its PID is dead, or when it is older than five minutes — a live foreign process with
  a plain PID is never second-guessed before that.
* Whatever the PID says, a dot-lock is never broken while the mbox itself is fcntl-locked
  (every holder of ours takes the fcntl lock right after the dot-lock): PIDs are per
  PID namespace, so a live server in another container sharing the folder may carry
  our PID, but fcntl locks are kernel-wide.

Dot-lock *candidates* (``<lock>.<pid>.<thread>``, the private file hard-linked into
place) follow the same rules; ``clean_candidates`` removes those a kill left behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .interface import MaildropInUse, StorageError

STALE_DOTLOCK_SECONDS = 300.0
TOKEN_PREFIX = "mailspec-token"

# Dot-locks this process holds now, by path. Guarded by _registry: creating a lock,
# judging one stale and removing one all happen under it, so a thread never breaks a
# lock another thread of ours has just taken.
_held: set[str] = set()
_registry = threading.Lock()
_own: tuple[int, str] | None = None


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "noboot"


def process_token(pid: int) -> str | None:
    """``<boot id>-<start time>`` of a live process, or None where /proc cannot tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 (starttime); the command name in field 2 may hold spaces and ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    if len(fields) < 20:
        return None
    return f"{_boot_id()}-{fields[19]}"


def own_token() -> str:
    global _own
    pid = os.getpid()
    if _own is None or _own[0] != pid:  # recomputed after a fork
        _own = (pid, process_token(pid) or f"{_boot_id()}-{time.time_ns()}")
    return _own[1]


def _lock_text() -> bytes:
    return f"{os.getpid()}\n{TOKEN_PREFIX} {own_token()}\n".encode()


def _is_stale(path: Path, *, candidate: bool) -> bool:
    """Caller holds _registry. ``candidate``: a private link() source, never 'held'."""
    try:
        text = path.read_text("ascii", errors="replace")
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False
    except IsADirectoryError:
        return False
    lines = text.split("\n")
    try:
        # A candidate <lock>.<pid>.<thread> names its writer in the file name.
        pid = int(path.name.rsplit(".", 2)[-2]) if candidate else int(lines[0].split()[0])
    except (ValueError, IndexError):
        # Written by a tool that leaves it empty: only age tells.
        return age > STALE_DOTLOCK_SECONDS
    if pid == os.getpid():
        # Ours only if we hold it now; our candidates exist only inside _try_dotlock,
        # which runs under _registry, so any we see here is a leftover.
        return candidate or str(path) not in _held
    token = next(
        (ln.split(None, 1)[1] for ln in lines[1:] if ln.startswith(TOKEN_PREFIX + " ")), None
    )
    if token is not None:
        live = process_token(pid)
        if live is not None:
            return live != token.strip()
        return not pid_alive(pid)
    if age > STALE_DOTLOCK_SECONDS:
        return True
    return not pid_alive(pid)


def _fcntl_free(mbox: Path) -> bool:
    """Whether no process (any PID namespace) holds an fcntl lock on ``mbox`` now."""
    try:
        fd = os.open(mbox, os.O_RDWR)
    except FileNotFoundError:
        return True
    except OSError:
        return True  # cannot probe: the PID rules alone decide
    try:
        return _fcntl_lock(fd)
    finally:
        os.close(fd)  # drops the probe's lock, if it got one


def _remove_if_stale(path: Path, *, candidate: bool = False) -> bool:
    with _registry:
        if not _is_stale(path, candidate=candidate):
            return False
        # A dot-lock that looks stale by its PID is still respected while the mbox is
        # fcntl-locked: PIDs (and /proc) are per PID namespace, so a live server in
        # another container sharing this folder may carry our PID; fcntl locks are not.
        mbox = path.with_name(path.name.removesuffix(".lock"))
        if not candidate and mbox != path and not _fcntl_free(mbox):
            return False
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return True


def _try_dotlock(path: Path) -> bool:
    # Write the owner to a private file and hard-link it into place: the lock appears
    # atomically with its owner inside, so a kill -9 never leaves an empty, ownerless
    # dot-lock (the classic link() method, also safe on NFS).
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
    with _registry:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, _lock_text())
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)
        _held.add(str(path))
        return True


def _release_dotlock(path: Path) -> None:
    with _registry:
        _held.discard(str(path))
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def clean_candidates(mbox: Path) -> list[Path]:
    """Remove dot-lock candidates of ``mbox`` whose writer is gone; returns them."""
    removed = []
    prefix = mbox.name + ".lock."
    try:
        names = [n for n in os.listdir(mbox.parent) if n.startswith(prefix)]
    except FileNotFoundError:
        return []
    for name in names:
        parts = name[len(prefix) :].split(".")
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            path = mbox.parent / name
            if _remove_if_stale(path, candidate=True):
                removed.append(path)
    return removed


def clean_orphans(folder: Path) -> list[Path]:
    """Stale dot-locks and candidates in ``folder`` whose mbox is gone (a kill during a
    DELETE or RENAME leaves them at a path nothing locks again)."""
    removed = []
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    for name in names:
        head, sep, _ = name.partition(".mbox.lock")
        if sep and not (folder / (head + ".mbox")).exists():
            path = folder / name
            candidate = name != head + ".mbox.lock"
            if _remove_if_stale(path, candidate=candidate):
                removed.append(path)
    return removed


def _fcntl_lock(fd: int) -> bool:
    # Open-file-description locks where the kernel has them (they conflict with the
    # classic POSIX locks other tools take, and also between threads of this process).
    cmd = getattr(fcntl, "F_OFD_SETLK", None)
    try:
        if cmd is not None:
            flock = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
            fcntl.fcntl(fd, cmd, flock)
        else:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


class FileLock:
    """A held file lock: ``fd`` is O_RDWR on the live mbox. ``moved`` tells the lock that
    a rename carried the mbox and its dot-lock to a new path (folder RENAME)."""

    def __init__(self, mbox: Path, fd: int, queue: threading.Lock) -> None:
        self.mbox = mbox
        self.fd = fd
        self._queue = queue
        self._moving_to: Path | None = None

    @property
    def dotlock(self) -> Path:
        return self.mbox.with_name(self.mbox.name + ".lock")

    def prepare_move(self, new_mbox: Path) -> None:
        """A rename is about to carry the mbox and its dot-lock to ``new_mbox``: claim the
        new dot-lock path first, so no thread takes it for a stale leftover meanwhile."""
        with _registry:
            self._moving_to = new_mbox
            _held.add(str(new_mbox.with_name(new_mbox.name + ".lock")))

    def finish_move(self) -> None:
        if self._moving_to is not None:
            with _registry:
                _held.discard(str(self.dotlock))
                self.mbox, self._moving_to = self._moving_to, None

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor drops the fcntl lock
            self.fd = -1
            if self._moving_to is not None:  # the move failed: the lock never moved
                with _registry:
                    _held.discard(str(self._moving_to.with_name(self._moving_to.name + ".lock")))
            _release_dotlock(self.dotlock)
            self._queue.release()


def acquire(mbox: Path, *, timeout: float = 10.0, create: bool = True) -> FileLock:
    """Dot-lock plus fcntl lock on ``mbox``. ``create``: make the file if missing,
    else FileNotFoundError (a folder deleted or renamed meanwhile)."""
    dotlock = mbox.with_name(mbox.name + ".lock")
    deadline = time.monotonic() + timeout
    delay = 0.001
    if not create and not mbox.exists():
        raise FileNotFoundError(errno.ENOENT, "no such mailbox", str(mbox))
    # Threads of this process queue on a plain lock first: the one waiting is woken the
    # moment the holder lets go, instead of polling the dot-lock with growing sleeps
    # (four concurrent deliveries lost most of their time in those sleeps).
    queue = _queue(mbox)
    if not queue.acquire(timeout=max(0.0, timeout)):
        raise StorageError(f"mailbox {mbox.name} is busy")
    try:
        while not _try_dotlock(dotlock):
            if _remove_if_stale(dotlock):
                continue
            if time.monotonic() > deadline:
                raise StorageError(f"mailbox {mbox.name} is locked by another program")
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
    except BaseException:
        queue.release()
        raise
    try:
        while True:
            fd = os.open(mbox, os.O_RDWR | (os.O_CREAT if create else 0), 0o600)
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
    except BaseException:
        _release_dotlock(dotlock)
        queue.release()
        raise
    return FileLock(mbox, fd, queue)


_queues: dict[str, threading.Lock] = {}


def _queue(mbox: Path) -> threading.Lock:
    with _registry:
        found = _queues.get(str(mbox))
        if found is None:
            found = _queues[str(mbox)] = threading.Lock()
        return found


@contextlib.contextmanager
def file_lock(mbox: Path, *, timeout: float = 10.0, create: bool = True) -> Iterator[int]:
    """Dot-lock plus fcntl lock on ``mbox``; yields an O_RDWR fd."""
    held = acquire(mbox, timeout=timeout, create=create)
    try:
        yield held.fd
    finally:
        held.release()


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


def session_held(mbox: Path) -> bool:
    """Whether some POP3 session (any process) holds ``mbox``'s maildrop lock now."""
    probe = SessionLock(mbox)
    try:
        probe.acquire()
    except MaildropInUse:
        return True
    except FileNotFoundError:
        return False
    probe.release()
    return False
