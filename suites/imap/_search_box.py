"""The mailbox the SEARCH modules search: nine corpus messages with flags, keywords and
internal dates chosen so that every key of RFC 3501 §6.4.4 matches some messages and
misses others. Expected answers come from the suite's own oracle
(fixtures/imap/search_oracle.py), never from a server."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from mailspec.fixtures.imap import search_oracle as so
from mailspec.fixtures.requirements import expect_equal

from ._message_helpers import (
    Box,
    ensure_flags,
    model_of,
    new_box,
    search,
    search_arguments,
    select,
)

UTC = dt.UTC


def noon(day: int, month: int = 11) -> dt.datetime:
    # Noon UTC: the calendar date is the same in every zone from -11 to +11, so the
    # internal-date keys do not depend on how a server stores the zone. 2025: in the
    # past, since some servers replace a future APPEND date with the current time.
    return dt.datetime(2025, month, day, 12, 0, 0, tzinfo=UTC)


# (corpus message, flags, internal date)
LAYOUT: list[tuple[str, list[str], dt.datetime]] = [
    ("plain", ["\\Seen", "$Work"], noon(1)),
    ("multipart", ["\\Answered", "\\Flagged"], noon(5)),
    ("base64-text", ["\\Deleted"], noon(10)),
    ("encoded-words", ["\\Draft", "$Work", "$Later"], noon(15)),
    ("quoted-printable", ["\\Seen", "\\Flagged"], noon(20)),
    ("many-recipients", [], noon(25)),
    ("odd-date", ["\\Seen", "\\Answered"], noon(30)),
    ("nested-message", [], noon(5, 12)),
    ("no-date", ["\\Seen"], noon(10, 12)),
]


def build(imap: Any, imap_sandbox: Any) -> tuple[Box, list[so.ModelMessage]]:
    box = new_box(imap, imap_sandbox, stem="search")
    selected = select(box.client, box.name)
    if "\\*" not in (selected.permanent_flags or ()):
        pytest.skip("the mailbox does not accept new keywords (no \\* in PERMANENTFLAGS)")
    box.client.command("CLOSE")  # nothing is \Deleted yet: CLOSE expunges nothing
    for name, flags, when in LAYOUT:
        box.add(name, flags=flags, date=when)
    box.select()
    # The model's flags are LAYOUT's; APPEND setting them is only a SHOULD (RFC 3501
    # §6.3.11), so STORE sets them where it did not: these tests judge SEARCH.
    ensure_flags(box.client, {n: flags for n, (_, flags, _) in enumerate(LAYOUT, 1)})
    return box, model_of(box, box.client)


_UID_REF = re.compile(r"@(\d+)")


def resolve(program: str, model: list[so.ModelMessage]) -> str:
    """``@n`` in a program stands for the UID of message n (UIDs are the server's)."""
    return _UID_REF.sub(lambda m: str(model[int(m.group(1)) - 1].uid), program)


def check(box: Box, model: list[so.ModelMessage], program: str, *, uid: bool = False,
          charset: str | None = None) -> None:
    text = resolve(program, model)
    parsed = so.parse_program(text)
    expected = so.search_uids(parsed, model) if uid else so.search(parsed, model)
    criteria = (["CHARSET", charset] if charset else []) + search_arguments(text)
    result, got = search(box.client, *criteria, uid=uid)
    command = f"{'UID ' if uid else ''}SEARCH {'CHARSET ' + charset + ' ' if charset else ''}{text}"
    expect_equal(result.status, "OK", command)
    unjudged = undecided(parsed, model, uid=uid)
    expect_equal([n for n in got if n not in unjudged], [n for n in expected if n not in unjudged],
                 f"the messages {command} matches"
                 + (f" (messages {sorted(unjudged)} not judged)" if unjudged else ""))


def undecided(program: so.Key, model: list[so.ModelMessage], *, uid: bool) -> set[int]:
    """Messages the RFC gives no answer for under ``program``: without a Date: field
    there is no sent date, and §6.4.4 does not say what SENT* keys do then (Dovecot
    2.3 treats such a message as sent at the epoch; RFC 5256 §2.2 would use the
    internal date, but only for SORT). The suite does not judge them."""
    if not any(isinstance(k, so.DateKey) and k.name.startswith("SENT") for k in so.keys_in(program)):
        return set()
    return {(m.uid if uid else seq) for seq, m in enumerate(model, 1) if m.sent_date is None}
