"""Which commands after login may run inline on the event loop (no worker-pool hop).

The transport runs a command on the IMAP listeners' thread pool when the session's
``next_blocks()`` says it may wait for a folder lock or an fsync; everything else runs
inline (docs/transport.md). After login almost everything may wait, but the commands a
client sends most often only *read* the selected folder: a FETCH of a few messages'
metadata or a ``BODY.PEEK[]``, a NOOP poll. For those the hop to a worker thread and
back (two thread switches and a task switch, ~0.3 ms of a 0.5 ms FETCH round trip) was
most of the cost, so they run inline when all of this holds:

* the command's whole first line is buffered and no literal follows it (and with no
  command pending, nothing is run at all: no hop just to learn that);
* it is NOOP, CAPABILITY, or (UID) FETCH of at most ``MAX_INLINE_MESSAGES`` numbers
  named without ``*`` or ``$`` (rendering thousands of messages inline would hold
  every other connection for tens of milliseconds);
* it cannot set \\Seen (no ``BODY[``, ``BINARY``, ``RFC822`` / ``RFC822.TEXT``),
  unless the mailbox is read-only (EXAMINE) or (FETCH by sequence number) every
  message named has \\Seen already: storing \\Seen is a commit with fsync;
* if a mailbox is selected, the folder is settled (``Folder.settled_version()``: no
  change of ours under way, the file as the index saw it, so no read waits for the
  file lock) and, for a read-write selection, its version is the one the session last
  reported (so the untagged update after the command claims no \\Recent, which is a
  commit).

Anything else, and anything this module cannot judge, goes to the pool as before.
The untagged updates after an inline command are judged by the version found here
(``Selection.checked_version``): what changes meanwhile is reported after the next.
Reads inline still take the account's index lock for one statement at a time; a
commit of another thread can hold it for the length of its fsync (a SendStream of a
large FETCH already reads on the loop the same way).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .selection import Selection
from .sequence_set import parse_sequence_set
from .wire import ArgumentError

MAX_INLINE_MESSAGES = 64
# Items that set \Seen on a read-write mailbox (RFC 3501 §6.4.5). Conservative: a
# HEADER.FIELDS list naming RFC822 also matches, and only costs the hop.
_SETS_SEEN = re.compile(rb"BODY\[|BINARY|RFC822(?!\.SIZE|\.HEADER)", re.I)
_ANY_STATE = frozenset({b"NOOP", b"CAPABILITY"})


def _few(sequence_set: bytes) -> list[tuple[int, int]] | None:
    """The set's ranges (low <= high) if it names few numbers, without ``*``/``$``."""
    try:
        parsed = parse_sequence_set(sequence_set, allow_saved=False)
    except ArgumentError:
        return None  # its BAD is the pool's business
    ranges = []
    for low, high in parsed.ranges:
        if low is None or high is None:
            return None
        ranges.append((min(low, high), max(low, high)))
    if sum(high - low + 1 for low, high in ranges) > MAX_INLINE_MESSAGES:
        return None
    return ranges


def _all_seen(ranges: list[tuple[int, int]], selection: Selection) -> bool:
    """Every message these sequence numbers name already has \\Seen as the session
    knows it (its version is the folder's, see _settled): FETCH stores nothing."""
    told = selection.told
    return all(
        high <= len(told) and all("\\Seen" in told[n - 1].flags for n in range(low, high + 1))
        for low, high in ranges
    )


def _settled(selection: Selection) -> bool:
    settled: Callable[[], int | None] | None = getattr(selection.folder, "settled_version", None)
    if settled is None:
        return False  # a store that cannot tell: the pool
    version = settled()
    if version is None or not (selection.read_only or version == selection.version):
        return False
    selection.checked_version = version
    return True


def runs_inline(line: bytes | None, selection: Selection | None) -> bool:
    """``line``: ``CommandParser.peek_line()``, the next command's first line as
    buffered, ``b""`` when no command is pending (nothing to answer: nothing waits),
    None when the parser is inside a command (a literal: APPEND's completes it).
    True for a command also leaves the settled version in ``selection.checked_version``
    for the refresh after it (the command only reads: the version stays right)."""
    if selection is not None:
        selection.checked_version = None
    if line == b"":
        return True
    if line is None or not line.endswith(b"\r\n") or line[:-2].endswith(b"}"):
        return False
    words = line[:-2].split(b" ", 2)
    if len(words) < 2:
        return False
    name = words[1].upper()
    rest = words[2] if len(words) > 2 else b""
    uid = name == b"UID"
    if uid:
        sub, _, rest = rest.partition(b" ")
        if sub.upper() != b"FETCH":
            return False
        name = b"FETCH"
    if name == b"FETCH":
        if selection is None:
            return False
        sequence_set, _, items = rest.partition(b" ")
        ranges = _few(sequence_set)
        if ranges is None:
            return False
        sets_seen = not selection.read_only and _SETS_SEEN.search(items) is not None
        if sets_seen and (uid or not _all_seen(ranges, selection)):
            return False
    elif name not in _ANY_STATE:
        return False
    return selection is None or _settled(selection)
