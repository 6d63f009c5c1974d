"""Connection limits per listener and per client address, and episode logging.

The defaults come from the process's file-descriptor limit (RLIMIT_NOFILE), so that the
server refuses connections cleanly long before ``accept()`` fails with EMFILE: a
connection costs up to ``FDS_PER_CONNECTION`` descriptors (its socket, a POP3 session's
lock file and mailbox snapshot, or a delivery's lock and index files), and
``RESERVED_FDS`` stay free for logs, the ready file, worker threads and the listeners.
"""

from __future__ import annotations

import logging
import resource
import time
from collections import Counter
from dataclasses import dataclass

RESERVED_FDS = 64
FDS_PER_CONNECTION = 3
# A server under the limit keeps refusing quietly; the log gets one line per episode,
# and a fresh line only if an episode lasts longer than this.
EPISODE_REPEAT_SECONDS = 60.0


def fd_limit() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1 << 20
    return int(soft)


def default_max_connections(listeners: int, *, fds: int | None = None) -> int:
    """Per-listener cap such that all ``listeners`` at their cap stay below the fd limit."""
    budget = (fd_limit() if fds is None else fds) - RESERVED_FDS
    return max(1, budget // (FDS_PER_CONNECTION * max(1, listeners)))


@dataclass(frozen=True)
class ConnectionLimits:
    """``max_connections`` open at once on one listener, ``max_per_address`` of them
    from one client IP address. None picks the default from the fd limit."""

    max_connections: int
    max_per_address: int

    @classmethod
    def default(
        cls,
        listeners: int,
        *,
        max_connections: int | None = None,
        max_per_address: int | None = None,
    ) -> ConnectionLimits:
        total = max_connections or default_max_connections(listeners)
        # Half the listener for one address: one client cannot lock everyone out,
        # and a test suite on loopback (one address) still has plenty.
        per_address = max_per_address or max(1, total // 2)
        return cls(total, min(per_address, total))


class EpisodeLog:
    """Logs the first event of an episode (a run of refusals or accept failures) once,
    counts the rest, and says how many there were when the next episode starts."""

    def __init__(self, logger: logging.Logger, what: str, *, quiet: float = 5.0) -> None:
        self.logger = logger
        self.what = what
        self.quiet = quiet  # seconds without an event that end an episode
        self.count = 0
        self._last_event = -1e18
        self._last_line = -1e18
        self._unlogged = 0

    def event(self, detail: str) -> None:
        now = time.monotonic()
        self.count += 1
        new_episode = now - self._last_event > self.quiet
        self._last_event = now
        if new_episode or now - self._last_line > EPISODE_REPEAT_SECONDS:
            before = f" ({self._unlogged} more since the last line)" if self._unlogged else ""
            self.logger.warning("%s: %s%s", self.what, detail, before)
            self._last_line = now
            self._unlogged = 0
        else:
            self._unlogged += 1


class Admission:
    """Counts a listener's open connections, in total and per address."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self.open = 0
        self.by_address: Counter[str] = Counter()

    def refusal_reason(self, address: str) -> str | None:
        if self.open >= self.limits.max_connections:
            return f"{self.limits.max_connections} connections open (the listener's limit)"
        if self.by_address[address] >= self.limits.max_per_address:
            return f"{self.limits.max_per_address} connections open from {address}"
        return None

    def admit(self, address: str) -> None:
        self.open += 1
        self.by_address[address] += 1

    def release(self, address: str) -> None:
        self.open -= 1
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]
