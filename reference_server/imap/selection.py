"""One session's view of its selected mailbox, and the untagged updates that keep the
client's view in step with the folder (RFC 3501 §5.2, §7.3.1, §7.4.1; RFC 2180 §4).

The client knows the mailbox as a list of UIDs numbered 1..N (message sequence
numbers) with the flags it was last told. ``refresh()`` compares that with the folder
and returns the untagged responses that bring the client up to date:

* messages gone from the folder -> ``* n EXPUNGE``, one per message, numbered as the
  client counts at that moment -- but only when the caller allows it. While a FETCH,
  STORE or SEARCH is answered, RFC 3501 §7.4.1 forbids EXPUNGE: the message stays in
  the client's numbering as a "ghost" (its last known flags, no content: RFC 2180
  §4.1.2) until a command that allows EXPUNGE runs;
* new messages -> ``* n EXISTS``, then ``* n RECENT``; the new UIDs are offered to
  ``Folder.claim_recent()`` so that \\Recent goes to exactly one session (§2.3.2);
* changed flags -> ``* n FETCH (UID u FLAGS (...))``, UID included so that the
  response is right during UID commands too (§6.4.8);
* a keyword new to the mailbox -> ``* FLAGS (...)`` and, read-write, ``* OK
  [PERMANENTFLAGS (...)]`` again (§7.2.6: FLAGS tells the client the flags in use).
"""

from __future__ import annotations

import bisect
import dataclasses
import operator
from collections.abc import Sequence
from dataclasses import dataclass

from ..storage.interface import Folder, StoredMessage
from . import replies as R
from .response_encoding import SYSTEM_FLAGS, flag_list

_uid_of = operator.attrgetter("uid")
_flags_of = operator.attrgetter("flags")


@dataclass(slots=True)
class Known:
    """What the client was last told about one message (made on demand for a command's
    targets; the selection itself keeps no object per message)."""

    uid: int
    flags: frozenset[str]
    message: StoredMessage
    gone: bool = False  # expunged in the folder, EXPUNGE not yet sent


class Recent:
    """The UIDs that are \\Recent for this session (RFC 3501 §2.3.2), as UID ranges
    [low, high): a claim is every UID from the folder's recent floor up to its UIDNEXT,
    so a first EXAMINE of 100,000 messages is one pair, not a set of 100,000 ints (~7
    MB). A store that only answers sets is kept as a set beside the ranges."""

    __slots__ = ("ranges", "uids")

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []
        self.uids: set[int] = set()

    def add(self, taken: tuple[int, int] | frozenset[int]) -> None:
        if not isinstance(taken, tuple):
            self.uids |= taken
            return
        if taken[0] >= taken[1]:
            return
        # A union, kept as disjoint ranges: EXAMINE peeks again at each refresh and
        # gets the same floor (overlapping ranges would count a message twice).
        merged: list[tuple[int, int]] = []
        for low, high in sorted([*self.ranges, taken]):
            if merged and low <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        self.ranges = merged

    def __contains__(self, uid: int) -> bool:
        # Asked once per message of a FETCH 1:*: a plain loop (a generator costs more
        # than the test itself).
        for low, high in self.ranges:
            if low <= uid < high:
                return True
        return uid in self.uids

    def count_in(self, told: Sequence[StoredMessage]) -> int:
        """How many of ``told`` (ascending UIDs) are recent: bisection per range."""
        total = sum(1 for m in told if m.uid in self.uids) if self.uids else 0
        for low, high in self.ranges:
            total += bisect.bisect_left(told, high, key=_uid_of) - bisect.bisect_left(
                told, low, key=_uid_of
            )
        return total


class Selection:
    def __init__(self, folder: Folder, *, read_only: bool) -> None:
        self.folder = folder
        self.read_only = read_only
        self.uidvalidity = folder.uidvalidity
        # RFC 3501 §2.3.2: \Recent for the first session to see the message.
        self.recent = Recent()
        self.recent.add(self._take_recent())
        self.version = folder.version()
        messages = folder.messages()
        # What the client was told, one StoredMessage per sequence number (flags as
        # told). The folder's shared tuple itself until something changes: a SELECT of
        # 100,000 messages makes no object per message (copied on first change).
        self.told: Sequence[StoredMessage] = messages
        # UIDs expunged in the folder, EXPUNGE not yet sent (ghosts: RFC 2180 §4.1.2).
        self.gone: set[int] = set()
        self.max_uid = messages[-1].uid if messages else 0
        self.reported_exists = len(messages)
        self.reported_recent = self.recent_count()
        self.keywords = keywords_of(messages)
        # The folder version inline.py found settled just before the command it lets
        # run on the event loop; the refresh after that command takes it instead of
        # asking the index again (one query and a stat of a ~0.2 ms FETCH). One shot:
        # the next check clears it first.
        self.checked_version: int | None = None
        self._with_recent: dict[frozenset[str], frozenset[str]] = {}

    def _take_recent(self) -> tuple[int, int] | frozenset[int]:
        # RFC 3501 §6.3.2: EXAMINE shows \Recent but never takes it from the session
        # that selects the mailbox next.
        if self.read_only:
            peek = getattr(self.folder, "recent_range", None)
            return peek() if peek is not None else self.folder.recent_uids()
        claim = getattr(self.folder, "claim_recent_range", None)
        return claim() if claim is not None else self.folder.claim_recent()

    def _own(self) -> list[StoredMessage]:
        if not isinstance(self.told, list):
            self.told = list(self.told)
        return self.told

    # -- the client's view ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.told)

    @property
    def pending_gone(self) -> bool:
        return bool(self.gone)

    def recent_count(self) -> int:
        return self.recent.count_in(self.told)

    def uids(self) -> list[int]:
        return [m.uid for m in self.told]

    def entry(self, index: int) -> Known:
        """The message at 0-based ``index`` (sequence number ``index + 1``)."""
        m = self.told[index]
        return Known(m.uid, m.flags, m, m.uid in self.gone if self.gone else False)

    def index_of(self, uid: int) -> int | None:
        """0-based position of ``uid`` in the client's numbering (UIDs ascend)."""
        told = self.told
        at = bisect.bisect_left(told, uid, key=_uid_of)
        return at if at < len(told) and told[at].uid == uid else None

    def seq_of(self, uid: int) -> int | None:
        at = self.index_of(uid)
        return None if at is None else at + 1

    def flags_of(self, uid: int, flags: frozenset[str]) -> frozenset[str]:
        """``flags`` plus \\Recent when ``uid`` is recent for this session."""
        if uid in self.recent:
            # One set per distinct flag set (the store interns them), not per message:
            # a first EXAMINE sees every message \\Recent.
            found = self._with_recent.get(flags)
            if found is None:
                if len(self._with_recent) > 4096:
                    self._with_recent.clear()
                found = self._with_recent[flags] = flags | {"\\Recent"}
            return found
        return flags

    def flags_with_recent(self, known: Known) -> frozenset[str]:
        return self.flags_of(known.uid, known.flags)

    def flags_response(self) -> list[bytes]:
        """FLAGS and PERMANENTFLAGS as SELECT sends them (RFC 3501 §6.3.1)."""
        flags = [*SYSTEM_FLAGS, *sorted(self.keywords)]
        lines = [b"FLAGS " + flag_list(flags)]
        if self.read_only:
            lines.append(b"OK [PERMANENTFLAGS ()] " + R.OK_PERMANENTFLAGS_NONE.encode())
        else:
            lines.append(b"OK [PERMANENTFLAGS " + flag_list([*flags, "\\*"])
                         + b"] " + R.OK_PERMANENTFLAGS.encode())  # fmt: skip
        return lines

    def first_unseen(self) -> int | None:
        for i, m in enumerate(self.told):
            if "\\Seen" not in m.flags:
                return i + 1
        return None

    def told_flags(self, uid: int, flags: frozenset[str]) -> None:
        """The session itself reported these flags (its own STORE)."""
        at = self.index_of(uid)
        if at is not None:
            told = self._own()
            told[at] = dataclasses.replace(told[at], flags=flags)

    # -- updates ---------------------------------------------------------------------
    def refresh(self, *, allow_expunge: bool) -> list[bytes]:
        """Untagged response lines (without CRLF) that bring the client up to date."""
        lines: list[bytes] = []
        version, self.checked_version = self.checked_version, None
        if version is None:
            version = self.folder.version()
        if version == self.version and not (allow_expunge and self.gone):
            return lines
        self.version = version
        messages = self.folder.messages()
        current = {m.uid: m for m in messages}
        told = self._own()
        for m in told:
            if m.uid not in current:
                self.gone.add(m.uid)
        if allow_expunge and self.gone:
            # RFC 3501 §7.4.1: each EXPUNGE decrements the numbers after it at once, so
            # they are sent in order with the numbers the client has at that moment.
            kept: list[StoredMessage] = []
            for m in told:
                if m.uid in self.gone:
                    lines.append(b"* %d EXPUNGE" % (len(kept) + 1))
                else:
                    kept.append(m)
            told = self.told = kept
            # Each EXPUNGE already told the client the new size.
            self.reported_exists = len(told)
            self.gone = set()
        new = [m for m in messages if m.uid > self.max_uid]  # messages ascend by UID
        if new:
            told.extend(new)
            self.max_uid = new[-1].uid
            self.recent.add(self._take_recent())
            # RFC 3501 §7.3.1: EXISTS reports the new size of the mailbox; §7.3.2:
            # RECENT goes with it. (Ghosts still count: the client still numbers them.)
            lines.append(b"* %d EXISTS" % len(told))
            self.reported_exists = len(told)
            self.reported_recent = self.recent_count()
            lines.append(b"* %d RECENT" % self.reported_recent)
        keywords = keywords_of(told) | keywords_of(messages)
        if not keywords <= self.keywords:
            self.keywords |= keywords
            lines += [b"* " + line for line in self.flags_response()]
        for i, m in enumerate(told):
            stored = current.get(m.uid)
            if stored is None or stored is m:
                continue
            if stored.flags != m.flags:
                flags = flag_list(self.flags_of(m.uid, stored.flags))
                lines.append(b"* %d FETCH (UID %d FLAGS %s)" % (i + 1, m.uid, flags))
            told[i] = stored
        return lines


def keywords_of(messages: Sequence[StoredMessage]) -> set[str]:
    # Over the distinct flag sets (the store interns them): a walk of N in C, then a
    # few sets, not a Python loop over every flag of every message.
    return {f for flags in set(map(_flags_of, messages)) for f in flags if not f.startswith("\\")}
