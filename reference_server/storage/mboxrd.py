"""The mboxrd file format, and the wire form POP3 hands out.

A message is kept in the mbox as one *record*::

    From <envelope-sender> <asctime>\\n
    <the message, LF line endings, every line matching ^>*From  given one more '>'>
    \\n                                  (the blank separator line)

Wire form is the message as delivered with every line ending CRLF. Delivery normalises
bare CR and bare LF to CRLF and ends the message with CRLF, so wire form and the file
body convert exactly: unquoting a record gives back the delivered bytes, and the wire
size (what STAT, LIST and RETR agree on) is ``len(body) + body.count(b"\\n")``.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterator

_LINE_END = re.compile(rb"\r\n|\r|\n")
_QUOTE = re.compile(rb"^(>*From )", re.MULTILINE)
_UNQUOTE = re.compile(rb"^>(>*From )", re.MULTILINE)
# A record starts at the top of the file or right after the blank separator line.
_SEPARATOR = re.compile(rb"(?:\A|(?<=\n\n))From ")


def normalize_crlf(message: bytes) -> bytes:
    """Every line ends in CRLF, including the last one (an empty message stays empty)."""
    out = _LINE_END.sub(b"\r\n", message)
    if out and not out.endswith(b"\r\n"):
        out += b"\r\n"
    return out


def wire_size(wire: bytes) -> int:
    return len(wire)


def from_line(envelope_from: str, when: float | None = None) -> bytes:
    sender = envelope_from.strip() or "MAILER-DAEMON"
    sender = re.sub(r"\s", "_", sender)
    stamp = time.asctime(time.gmtime(time.time() if when is None else when))
    return f"From {sender} {stamp}\n".encode("utf-8", "surrogateescape")


def encode_record(wire: bytes, envelope_from: str = "", when: float | None = None) -> bytes:
    """Wire form (normalised CRLF) -> one mboxrd record, separator included."""
    body = wire.replace(b"\r\n", b"\n")
    return from_line(envelope_from, when) + _QUOTE.sub(rb">\1", body) + b"\n"


def decode_record(record: bytes) -> bytes:
    """One mboxrd record -> wire form."""
    nl = record.find(b"\n")
    body = b"" if nl < 0 else record[nl + 1 :]
    if body.endswith(b"\n"):
        body = body[:-1]  # the separator line
    # The regex costs ~100 us per 7 KB message (40% of a POP3 RETR): only run it where a
    # quoted From line can be (every quoted line holds ">From ").
    if b">From " in body:
        body = _UNQUOTE.sub(rb"\1", body)
    return body.replace(b"\n", b"\r\n")


def record_wire_size(record: bytes) -> int:
    return len(decode_record(record))


def split_records(data: bytes) -> Iterator[tuple[int, int]]:
    """(offset, length) of every record in a whole mbox file."""
    # Bytes before the first "From " line are not a message; a rewrite drops them.
    # The starts _SEPARATOR describes, found with bytes.find: the regex's look-behind
    # at every octet cost ~10 s of a 100,000-message file's first indexing.
    starts = [0] if data.startswith(b"From ") else []
    at = data.find(b"\n\nFrom ")
    while at >= 0:
        starts.append(at + 2)
        at = data.find(b"\n\nFrom ", at + 2)
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        yield start, end - start


def body_range(record: bytes) -> tuple[int, int]:
    """Where the quoted body lies in a record: after the From_ line, before the separator."""
    nl = record.find(b"\n")
    start = len(record) if nl < 0 else nl + 1
    end = len(record) - 1 if record.endswith(b"\n") and len(record) > start else len(record)
    return start, max(start, end)


def decode_lines(chunk: bytes) -> bytes:
    """Part of a record body made of whole lines -> wire form (for streaming reads)."""
    if b">From " in chunk:
        chunk = _UNQUOTE.sub(rb"\1", chunk)
    return chunk.replace(b"\n", b"\r\n")


_FROM_DATE = re.compile(
    rb"^From \S+ +(?:\w{3} +)?(\w{3}) +(\d{1,2}) +(\d{1,2}):(\d{2})(?::(\d{2}))? +(\d{4})"
)
_MONTHS = {
    m.encode(): i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def from_line_time(record: bytes) -> int | None:
    """The asctime of a record's From_ line as Unix seconds (read as UTC), if it parses."""
    m = _FROM_DATE.match(record[:200])
    if not m or m.group(1) not in _MONTHS:
        return None
    month = _MONTHS[m.group(1)]
    day, hour, minute = int(m.group(2)), int(m.group(3)), int(m.group(4))
    second, year = int(m.group(5) or 0), int(m.group(6))
    try:
        return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (ValueError, OverflowError):
        return None


_STATUS = {ord("R"): "\\Seen"}
_XSTATUS = {
    ord("A"): "\\Answered",
    ord("F"): "\\Flagged",
    ord("D"): "\\Deleted",
    ord("T"): "\\Draft",
}


def status_flags(record: bytes) -> set[str]:
    """IMAP flags from the Status:/X-Status: headers other mbox tools (mutt, elm) write."""
    start, _ = body_range(record)
    head_end = record.find(b"\n\n", start)
    head = record[start : head_end if head_end >= 0 else len(record)]
    flags: set[str] = set()
    for line in head.split(b"\n"):
        name, colon, value = line.partition(b":")
        if not colon:
            continue
        table = {b"status": _STATUS, b"x-status": _XSTATUS}.get(name.strip().lower())
        if table:
            flags.update(table[c] for c in value.strip() if c in table)
    return flags
