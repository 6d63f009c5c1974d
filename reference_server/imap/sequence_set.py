"""Sequence sets (RFC 3501 §9 ``sequence-set``, RFC 5182 ``$``).

    sequence-set = (seq-number / seq-range) ["," sequence-set]
    seq-range    = seq-number ":" seq-number
    seq-number   = nz-number / "*"
    nz-number    = digit-nz *DIGIT          ; 1 .. 4294967295 (32-bit "number")
    sequence-set =/ seq-last-command        ; RFC 5182: "$", the saved search result

Public API::

    parse_sequence_set(token: str | bytes, *, allow_saved: bool = True) -> SequenceSet
        ArgumentError("BAD", ...) on anything outside the grammar.
    SequenceSet.contains(n, largest, saved=()) -> bool
    SequenceSet.select(numbers, largest, saved=()) -> list[int]
        ``numbers`` ascending (sequence numbers 1..N, or the folder's UIDs); returns those
        in the set, ascending, each once.  O(ranges * log len(numbers)).
    SequenceSet.seq_numbers(count, saved=()) -> list[int]      (= select(1..count))
    SequenceSet.out_of_range(count) -> bool
        True when a message sequence set names a number > count, or ``*`` while the
        mailbox is empty: RFC 3501 §9 says the server "should respond with a tagged BAD"
        then. Not used for UID sets (UIDs beyond the last are simply absent).
    SequenceSet.saved -> bool          the set contains ``$``
    format_sequence_set(numbers) -> str    "1:3,5" (compact form for ESEARCH ALL, COPYUID)

What ``largest`` means (RFC 3501 §9 ``seq-number``): for message sequence numbers, the
number of messages; for UIDs, the UID of the last message or, in an empty mailbox, the
current UIDNEXT.  Ranges are unordered (``4:2`` is ``2:4``), and a UID range ``559:*``
always includes the last message even when 559 is higher than every UID (RFC 3501
§6.4.8) — both follow from normalising ``*`` to ``largest`` and then ordering the ends.

``saved`` is the RFC 5182 saved result translated by the caller into the same number
space (sequence numbers or UIDs); ``$`` stands for exactly those numbers.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from .wire import ArgumentError

MAX_NUMBER = 4294967295  # RFC 3501 §9 number: unsigned 32-bit

# None stands for "*" in the ranges below.
Bound = int | None

_SEQ_NUMBER = r"(?:[1-9][0-9]*|\*)"
_ELEMENT = re.compile(rf"({_SEQ_NUMBER})(?::({_SEQ_NUMBER}))?\Z")


@dataclass(frozen=True)
class SequenceSet:
    """A parsed sequence set: ranges as written (``None`` for ``*``) plus ``$``."""

    ranges: tuple[tuple[Bound, Bound], ...]
    saved: bool = False

    def intervals(self, largest: int) -> list[tuple[int, int]]:
        """The ranges with ``*`` = ``largest``, each ordered, sorted and merged."""
        resolved = []
        for low, high in self.ranges:
            a = largest if low is None else low
            b = largest if high is None else high
            if a > b:
                a, b = b, a
            resolved.append((a, b))
        resolved.sort()
        merged: list[tuple[int, int]] = []
        for a, b in resolved:
            if merged and a <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return merged

    def contains(self, number: int, largest: int, saved: Collection[int] = ()) -> bool:
        if self.saved and number in saved:
            return True
        return any(a <= number <= b for a, b in self.intervals(largest))

    def select(
        self, numbers: Sequence[int], largest: int, saved: Collection[int] = ()
    ) -> list[int]:
        """The members of ascending ``numbers`` that are in the set, ascending."""
        chosen: list[int] = []
        for a, b in self.intervals(largest):
            chosen.extend(numbers[bisect.bisect_left(numbers, a) : bisect.bisect_right(numbers, b)])
        if self.saved and saved:
            present = set(chosen)
            wanted = set(saved)
            chosen.extend(n for n in numbers if n in wanted and n not in present)
            chosen.sort()
        return chosen

    def seq_numbers(self, count: int, saved: Collection[int] = ()) -> list[int]:
        return self.select(range(1, count + 1), count, saved)

    def out_of_range(self, count: int) -> bool:
        for low, high in self.ranges:
            for bound in (low, high):
                if bound is None and count == 0:
                    return True
                if bound is not None and bound > count:
                    return True
        return False

    def __str__(self) -> str:
        parts = []
        for low, high in self.ranges:
            a = "*" if low is None else str(low)
            parts.append(a if high == low else f"{a}:{'*' if high is None else high}")
        if self.saved:
            parts.append("$")
        return ",".join(parts)


def _bound(text: str, whole: str) -> Bound:
    if text == "*":
        return None
    value = int(text)
    if value > MAX_NUMBER:
        raise ArgumentError(f"Number too large in sequence set {whole!r}")
    return value


def parse_sequence_set(token: str | bytes, *, allow_saved: bool = True) -> SequenceSet:
    """Parse an atom as a sequence set; see the module docstring."""
    if isinstance(token, bytes):
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError:
            raise ArgumentError("Invalid sequence set") from None
    else:
        text = str(token)
    if not text:
        raise ArgumentError("Empty sequence set")
    ranges: list[tuple[Bound, Bound]] = []
    saved = False
    for element in text.split(","):
        if element == "$":
            if not allow_saved:
                raise ArgumentError("$ is not allowed here")
            saved = True
            continue
        match = _ELEMENT.match(element)
        if match is None:
            raise ArgumentError(f"Invalid sequence set {text!r}")
        low = _bound(match.group(1), text)
        high = low if match.group(2) is None else _bound(match.group(2), text)
        ranges.append((low, high))
    return SequenceSet(tuple(ranges), saved)


def format_sequence_set(numbers: Iterable[int]) -> str:
    """Compact text for ascending-or-not unique numbers: [1, 2, 3, 5] -> "1:3,5"."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    index = 0
    while index < len(ordered):
        start = ordered[index]
        while index + 1 < len(ordered) and ordered[index + 1] == ordered[index] + 1:
            index += 1
        end = ordered[index]
        parts.append(str(start) if start == end else f"{start}:{end}")
        index += 1
    return ",".join(parts)
