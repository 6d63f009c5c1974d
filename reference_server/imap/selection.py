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

from dataclasses import dataclass

from ..storage.interface import Folder, StoredMessage
from . import replies as R
from .response_encoding import SYSTEM_FLAGS, flag_list


@dataclass(slots=True)  # one per message per session: no __dict__ (~100 bytes each)
class Known:
    """What the client was last told about one message."""

    uid: int
    flags: frozenset[str]
    message: StoredMessage
    gone: bool = False  # expunged in the folder, EXPUNGE not yet sent


class Selection:
    def __init__(self, folder: Folder, *, read_only: bool) -> None:
        self.folder = folder
        self.read_only = read_only
        self.uidvalidity = folder.uidvalidity
        # RFC 3501 §2.3.2: \Recent for the first session to see the message.
        self.recent: set[int] = set(self._take_recent())
        self.version = folder.version()
        messages = folder.messages()
        self.known: list[Known] = [Known(m.uid, m.flags, m) for m in messages]
        self.max_uid = messages[-1].uid if messages else 0
        self.reported_exists = len(self.known)
        self.reported_recent = self.recent_count()
        self.keywords = keywords_of(self.known)
        # Some Known is gone (EXPUNGE not yet sent): kept as a flag so that the
        # per-command refresh of an unchanged folder is O(1), not a walk of N.
        self.pending_gone = False
        # The folder version inline.py found settled just before the command it lets
        # run on the event loop; the refresh after that command takes it instead of
        # asking the index again (one query and a stat of a ~0.2 ms FETCH). One shot:
        # the next check clears it first.
        self.checked_version: int | None = None
        self._with_recent: dict[frozenset[str], frozenset[str]] = {}

    def _take_recent(self) -> frozenset[int]:
        # RFC 3501 §6.3.2: EXAMINE shows \Recent but never takes it from the session
        # that selects the mailbox next.
        if self.read_only:
            return self.folder.recent_uids()
        return self.folder.claim_recent()

    # -- the client's view ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.known)

    def recent_count(self) -> int:
        return sum(1 for k in self.known if k.uid in self.recent)

    def uids(self) -> list[int]:
        return [k.uid for k in self.known]

    def seq_of(self, uid: int) -> int | None:
        # Sequence numbers are positions; UIDs ascend, so a bisection would do, but the
        # lists involved are walked anyway by every caller.
        for i, k in enumerate(self.known):
            if k.uid == uid:
                return i + 1
        return None

    def flags_with_recent(self, known: Known) -> frozenset[str]:
        if known.uid in self.recent:
            # One set per distinct flag set (the store interns them), not per message:
            # a first EXAMINE sees every message \\Recent.
            found = self._with_recent.get(known.flags)
            if found is None:
                if len(self._with_recent) > 4096:
                    self._with_recent.clear()
                found = self._with_recent[known.flags] = known.flags | {"\\Recent"}
            return found
        return known.flags

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
        for i, k in enumerate(self.known):
            if "\\Seen" not in k.flags:
                return i + 1
        return None

    def told_flags(self, uid: int, flags: frozenset[str]) -> None:
        """The session itself reported these flags (its own STORE)."""
        for k in self.known:
            if k.uid == uid:
                k.flags = flags
                return

    # -- updates ---------------------------------------------------------------------
    def refresh(self, *, allow_expunge: bool) -> list[bytes]:
        """Untagged response lines (without CRLF) that bring the client up to date."""
        lines: list[bytes] = []
        version, self.checked_version = self.checked_version, None
        if version is None:
            version = self.folder.version()
        if version == self.version and not (allow_expunge and self.pending_gone):
            return lines
        self.version = version
        current = {m.uid: m for m in self.folder.messages()}
        for k in self.known:
            if k.uid not in current:
                k.gone = True
                self.pending_gone = True
        if allow_expunge:
            # RFC 3501 §7.4.1: each EXPUNGE decrements the numbers after it at once, so
            # they are sent in order with the numbers the client has at that moment.
            i = 0
            while i < len(self.known):
                if self.known[i].gone:
                    lines.append(b"* %d EXPUNGE" % (i + 1))
                    self.recent.discard(self.known[i].uid)
                    del self.known[i]
                else:
                    i += 1
            # Each EXPUNGE already told the client the new size.
            self.reported_exists = len(self.known)
            self.pending_gone = False
        new = [m for uid, m in sorted(current.items()) if uid > self.max_uid]
        if new:
            self.known.extend(Known(m.uid, m.flags, m) for m in new)
            self.max_uid = new[-1].uid
            self.recent |= self._take_recent()
        if new:
            # RFC 3501 §7.3.1: EXISTS reports the new size of the mailbox; §7.3.2:
            # RECENT goes with it. (Ghosts still count: the client still numbers them.)
            lines.append(b"* %d EXISTS" % len(self.known))
            self.reported_exists = len(self.known)
            self.reported_recent = self.recent_count()
            lines.append(b"* %d RECENT" % self.reported_recent)
        keywords = keywords_of(self.known) | {f for m in current.values() for f in m.flags
                                              if not f.startswith("\\")}  # fmt: skip
        if not keywords <= self.keywords:
            self.keywords |= keywords
            lines += [b"* " + line for line in self.flags_response()]
        for i, k in enumerate(self.known):
            stored = current.get(k.uid)
            if stored is None:
                continue
            k.message = stored
            if stored.flags != k.flags:
                k.flags = stored.flags
                flags = flag_list(self.flags_with_recent(k))
                lines.append(b"* %d FETCH (UID %d FLAGS %s)" % (i + 1, k.uid, flags))
        return lines


def keywords_of(known: list[Known]) -> set[str]:
    return {f for k in known for f in k.flags if not f.startswith("\\")}
