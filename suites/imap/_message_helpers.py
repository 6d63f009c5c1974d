"""Helpers for the IMAP message modules (RFC 3501 §6.3.11, §6.4, extensions).

They append the suite's own messages into a sandbox folder, select it, and read
FETCH / SEARCH answers back into plain values. Every message appended here carries
the ``X-Mailspec-Seed`` marker, so the suite knows which mail it may change.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mailspec.fixtures import corpus
from mailspec.fixtures.corpus.large import LARGE_NAME, large
from mailspec.fixtures.imap.client import CommandResult, ImapClient
from mailspec.fixtures.imap.command_args import Astring, Literal, Quoted
from mailspec.fixtures.imap.search_oracle import ModelMessage, arguments
from mailspec.fixtures.requirements import SetupError, expect

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SYSTEM_FLAGS = ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft")

_numbers = itertools.count(1)
_RUN = f"{os.getpid()}.{int(dt.datetime.now().timestamp())}"


def new_marker(stem: str = "m") -> str:
    """A marker unique in this run (also the Message-ID token of a corpus message)."""
    return f"{stem}{next(_numbers)}.{_RUN}@mailspec.invalid"


def load(name: str) -> corpus.CorpusMessage:
    return large() if name == LARGE_NAME else corpus.load(name)


def date_time(value: dt.datetime) -> str:
    """RFC 3501 §9 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" (day as 2 digits)."""
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return (
        f"{value.day:02d}-{MONTHS[value.month - 1]}-{value.year:04d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d} {zone}"
    )


def flag_set(flags: Iterable[str]) -> frozenset[str]:
    """Flags compared case-insensitively (RFC 3501 §2.3.2 names are atoms)."""
    return frozenset(f.lower() for f in flags)


@dataclass
class Stored:
    """A message this test appended: its bytes, marker and (once known) UID."""

    name: str
    raw: bytes
    marker: str
    flags: tuple[str, ...] = ()
    internal_date: dt.datetime | None = None
    uid: int | None = None


def append(
    client: ImapClient,
    mailbox: str,
    message: str | corpus.CorpusMessage | bytes,
    *,
    flags: Sequence[str] | None = None,
    date: dt.datetime | None = None,
    marker: str | None = None,
    literal_mode: str | None = None,
) -> tuple[Stored, CommandResult]:
    """APPEND one message; setup must succeed (else SetupError). Returns what was sent
    and the command's result (for APPENDUID and the untagged responses)."""
    result, stored = append_attempt(
        client, mailbox, message, flags=flags, date=date, marker=marker, literal_mode=literal_mode
    )
    if not result.ok:
        raise SetupError(f"APPEND to {mailbox!r} failed: {result}")
    return stored, result


def append_attempt(
    client: ImapClient,
    mailbox: str,
    message: str | corpus.CorpusMessage | bytes,
    *,
    flags: Sequence[str] | None = None,
    date: dt.datetime | None = None,
    marker: str | None = None,
    literal_mode: str | None = None,
) -> tuple[CommandResult, Stored]:
    marker = marker or new_marker()
    if isinstance(message, str):
        message = load(message)
    if isinstance(message, corpus.CorpusMessage):
        name, raw = message.name, message.with_marker(marker)
    else:
        name, raw = "raw", message
    args: list[Any] = [Astring(mailbox)]
    if flags is not None:
        args.append(list(flags))
    if date is not None:
        args.append(Quoted(date_time(date)))
    args.append(Literal(raw, literal_mode))  # type: ignore[arg-type]
    result = client.command("APPEND", *args)
    stored = Stored(name, raw, marker, tuple(flags or ()), date)
    code = result.code_of("APPENDUID")
    if result.ok and code is not None and code.value:
        uids = list(code.value[1])
        if len(uids) == 1:
            stored.uid = uids[0]
    return result, stored


@dataclass
class Selected:
    """What SELECT / EXAMINE answered."""

    result: CommandResult
    exists: int
    recent: int | None
    uidvalidity: int | None
    uidnext: int | None
    permanent_flags: tuple[str, ...] | None
    flags: tuple[str, ...] | None
    read_only: bool


def select(client: ImapClient, mailbox: str, *, examine: bool = False) -> Selected:
    result = client.command("EXAMINE" if examine else "SELECT", Astring(mailbox))
    if not result.ok:
        raise SetupError(f"{'EXAMINE' if examine else 'SELECT'} {mailbox!r} failed: {result}")
    exists = [u.number for u in result.untagged_of("EXISTS")]
    recent = [u.number for u in result.untagged_of("RECENT")]
    code = result.code_of("UIDVALIDITY")
    nxt = result.code_of("UIDNEXT")
    perm = result.code_of("PERMANENTFLAGS")
    flags = result.data_of("FLAGS")
    return Selected(
        result,
        exists[-1] if exists else 0,
        recent[-1] if recent else None,
        code.value if code else None,
        nxt.value if nxt else None,
        tuple(perm.value) if perm else None,
        tuple(flags[-1]) if flags else None,
        result.code_name == "READ-ONLY",
    )


def fetches(result: CommandResult) -> dict[int, dict[str, Any]]:
    """Every FETCH response by message number, items of repeated responses merged."""
    merged: dict[int, dict[str, Any]] = {}
    for response in result.untagged_of("FETCH"):
        merged.setdefault(response.number or 0, {}).update(response.data.items)
    return merged


def fetch(client: ImapClient, which: str | int, items: str, *, uid: bool = False) -> CommandResult:
    args = ("FETCH", str(which), items)
    return client.command("UID", *args) if uid else client.command(*args)


def fetch_one(
    client: ImapClient, which: str | int, items: str, *, uid: bool = False
) -> dict[str, Any]:
    """FETCH of one message that must succeed; its merged items."""
    result = fetch(client, which, items, uid=uid)
    expect(result.ok, f"{'UID ' if uid else ''}FETCH {which} {items}", expected="OK", actual=result)
    data = fetches(result)
    if uid:
        data = {n: d for n, d in data.items() if d.get("UID") == int(which)}
    expect(len(data) == 1, f"one FETCH response for {which}", expected=1, actual=result)
    return next(iter(data.values()))


def ensure_flags(client: ImapClient, wanted: dict[int, Sequence[str]]) -> None:
    """Give messages (by sequence number, in the selected mailbox) exactly these flags
    (\\Recent aside) where APPEND did not: setting the flags of its flag list is only a
    SHOULD (RFC 3501 §6.3.11: "the flags SHOULD be set in the resulting message"), so a
    MUST-level test of another command sets them with STORE FLAGS.SILENT (a MUST of
    §6.4.6) rather than judge APPEND. Nothing is sent where APPEND set them."""
    data = fetches(client.command("FETCH", "1:*", "(FLAGS)"))
    for number, flags in sorted(wanted.items()):
        have = flag_set(data.get(number, {}).get("FLAGS", ())) - {"\\recent"}
        if have != flag_set(flags):
            result = client.command("STORE", str(number), "FLAGS.SILENT", list(flags))
            if not result.ok:
                raise SetupError(f"STORE {number} FLAGS.SILENT {list(flags)}: {result}")


def uid_map(client: ImapClient) -> dict[str, tuple[int, int]]:
    """marker -> (sequence number, UID) of every message in the selected mailbox that
    carries a marker (read with BODY.PEEK, so no \\Seen is set)."""
    result = client.command(
        "FETCH", "1:*", f"(UID BODY.PEEK[HEADER.FIELDS ({corpus.MARKER_HEADER})])"
    )
    found: dict[str, tuple[int, int]] = {}
    if not result.ok:
        return found
    for number, items in fetches(result).items():
        header = next((v for k, v in items.items() if k.startswith("BODY[HEADER.FIELDS")), b"")
        for line in (header or b"").split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == corpus.MARKER_HEADER.lower().encode():
                found[value.strip().decode()] = (number, items.get("UID", 0))
    return found


def search(
    client: ImapClient, *criteria: Any, uid: bool = False
) -> tuple[CommandResult, list[int]]:
    """SEARCH (or UID SEARCH) -> (result, sorted numbers from every * SEARCH response)."""
    result = (
        client.command("UID", "SEARCH", *criteria) if uid else client.command("SEARCH", *criteria)
    )
    numbers: list[int] = []
    for data in result.data_of("SEARCH"):
        numbers.extend(getattr(data, "numbers", data) or ())
    return result, sorted(numbers)


@dataclass
class Box:
    """A sandbox folder of this test's own, with the messages the test appended."""

    client: ImapClient
    name: str
    messages: list[Stored] = field(default_factory=list)
    last_result: CommandResult | None = None

    def add(self, message: str | corpus.CorpusMessage | bytes, **kw: Any) -> Stored:
        stored, self.last_result = append(self.client, self.name, message, **kw)
        self.messages.append(stored)
        return stored

    def select(self, client: ImapClient | None = None, *, examine: bool = False) -> Selected:
        selected = select(client or self.client, self.name, examine=examine)
        self.learn_uids(client or self.client)
        return selected

    def learn_uids(self, client: ImapClient) -> None:
        mapping = uid_map(client)
        for stored in self.messages:
            if stored.marker in mapping:
                stored.uid = mapping[stored.marker][1]

    def seq_of(self, client: ImapClient, stored: Stored) -> int:
        mapping = uid_map(client)
        if stored.marker not in mapping:
            raise SetupError(f"message {stored.marker} is not in {self.name}")
        return mapping[stored.marker][0]


_folders = itertools.count(1)


def new_box(
    imap: Any, imap_sandbox: Any, stem: str = "box", client: ImapClient | None = None
) -> Box:
    """A fresh folder in the run's sandbox and a logged-in connection to work in it."""
    name = imap_sandbox.create(f"{stem}{next(_folders)}")
    return Box(client or imap.login(), name)


def missing_folder(imap_sandbox: Any) -> str:
    """A name inside the sandbox that no folder has (never created)."""
    return imap_sandbox.path(f"missing{next(_folders)}")


def search_arguments(text: str) -> list[Any]:
    """A search program in IMAP text form as client arguments (quoted strings stay
    quoted, 8-bit strings become literals)."""
    def convert(item: Any) -> Any:
        if isinstance(item, list):
            return [convert(i) for i in item]
        if isinstance(item, tuple):
            data = item[1].encode("utf-8")
            if all(0x20 <= b < 0x7F for b in data):
                return Quoted(item[1])
            return Literal(data)
        return item

    return [convert(i) for i in arguments(text)]


def model_of(box: Box, client: ImapClient) -> list[Any]:
    """The oracle's model of the selected sandbox folder, in sequence order: bytes and
    flags from what the test appended (ensure_flags() makes sure of them), \\Recent
    from this session's FETCH FLAGS (it is session state the server assigns, §2.3.2),
    and the internal date the server's FETCH INTERNALDATE shows: APPEND setting the
    date-time it was given is only a SHOULD (§6.3.11), judged by the APPEND tests."""
    result = client.command("FETCH", "1:*", "(UID FLAGS INTERNALDATE)")
    data = fetches(result)
    by_uid = {m.uid: m for m in box.messages}
    model = []
    for number in sorted(data):
        items = data[number]
        stored = by_uid.get(items.get("UID"))
        if stored is None:
            raise SetupError(f"message {number} of {box.name} is not one the test appended")
        recent = "\\recent" in flag_set(items.get("FLAGS", ()))
        when = (items.get("INTERNALDATE") or stored.internal_date
                or dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        model.append(ModelMessage(stored.uid or 0, stored.raw, when, set(stored.flags), recent))
    return model
