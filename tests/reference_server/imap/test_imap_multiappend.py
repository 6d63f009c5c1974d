"""APPEND with several messages (RFC 3502 MULTIAPPEND) on the sans-IO session: the
continuation flow, the grammar, all-or-none, APPENDUID with a uid-set (RFC 4315 §3)."""

from __future__ import annotations

import pytest
from mailspec.reference_server.imap import append_args
from mailspec.reference_server.imap import replies as R
from mailspec.reference_server.storage.interface import AppendItem, StorageError

from .imap_harness import USER, Harness
from .memory_store import MemFolder

M1 = b"Subject: one\r\n\r\nfirst\r\n"
M2 = b"Subject: two\r\n\r\nsecond\r\n"
M3 = b"Subject: three\r\n\r\nthird, no final line end"
DATE = b'"05-Mar-2021 10:11:12 +0200"'


@pytest.fixture
def logged() -> Harness:
    h = Harness()
    h.login()
    h.store.create_folder(USER, "Box")
    return h


def lit(data: bytes, plus: bool = True) -> bytes:
    return b"{%d%s}\r\n" % (len(data), b"+" if plus else b"") + data


def stored(h: Harness, name: str = "Box") -> list[tuple[bytes, frozenset[str], str]]:
    folder = h.store.open_folder(USER, name)
    return [(folder.read(m.uid), m.flags, m.internal_date.isoformat()[:19])
            for m in folder.messages()]  # fmt: skip


def validity(h: Harness, name: str = "Box") -> int:
    return h.store.open_folder(USER, name).uidvalidity


def test_multiappend_is_announced(logged: Harness) -> None:
    assert b" MULTIAPPEND" in logged.cmd("c CAPABILITY")[0]


def test_three_messages_with_literal_plus_in_one_round_trip(logged: Harness) -> None:
    command = (b"a APPEND Box (\\Seen) " + DATE + b" " + lit(M1) + b" " + lit(M2)
               + b" (\\Flagged kw) " + lit(M3) + b"\r\n")  # fmt: skip
    lines = logged.lines(command)
    assert lines == [b"a OK [APPENDUID %d 1:3] APPEND completed" % validity(logged)]
    got = stored(logged)
    assert [g[0] for g in got] == [M1, M2, M3]
    assert [g[1] for g in got] == [{"\\Seen"}, set(), {"\\Flagged", "kw"}]
    assert got[0][2] == "2021-03-05T10:11:12"


def test_synchronising_literals_get_a_continuation_each(logged: Harness) -> None:
    h = logged
    assert h.raw(b"a APPEND Box {%d}\r\n" % len(M1)).startswith(b"+ ")
    assert h.raw(M1 + b" " + DATE + b" {%d}\r\n" % len(M2)).startswith(b"+ ")
    assert stored(h) == []  # nothing before the command is whole
    assert h.raw(M2 + b" {%d}\r\n" % len(M3)).startswith(b"+ ")
    reply = h.raw(M3 + b"\r\n")
    assert reply == b"a OK [APPENDUID %d 1:3] APPEND completed\r\n" % validity(h)
    assert [g[0] for g in stored(h)] == [M1, M2, M3]


def test_mixed_synchronising_and_non_synchronising_literals(logged: Harness) -> None:
    h = logged
    assert h.raw(b"a APPEND Box " + lit(M1) + b" {%d}\r\n" % len(M2)).startswith(b"+ ")
    assert h.raw(M2 + b"\r\n").startswith(b"a OK [APPENDUID ")
    assert [g[0] for g in stored(h)] == [M1, M2]


def test_appenduid_lists_uids_after_earlier_ones(logged: Harness) -> None:
    logged.lines(b"a APPEND Box " + lit(M1) + b"\r\n")
    line = logged.lines(b"b APPEND Box " + lit(M2) + b" " + lit(M3) + b"\r\n")[-1]
    assert line == b"b OK [APPENDUID %d 2:3] APPEND completed" % validity(logged)


def test_selected_mailbox_sees_every_new_message(logged: Harness) -> None:
    logged.select("Box")
    lines = logged.lines(b"a APPEND Box " + lit(M1) + b" " + lit(M2) + b"\r\n")
    assert lines[:2] == [b"* 2 EXISTS", b"* 2 RECENT"]


@pytest.mark.parametrize(
    "middle",
    [
        b'"31-Feb-2021 10:11:12 +0200" ' + lit(M2),  # an impossible date
        b"(\\Recent) " + lit(M2),  # \Recent cannot be appended
        b"(\\Bogus) " + lit(M2),  # an unknown system flag
        DATE + b" (\\Seen) " + lit(M2),  # flags after the date
        b"(\\Seen) (\\Seen) " + lit(M2),  # two flag lists
        b'"quoted message"',  # a message must be a literal
        DATE + b" " + DATE,  # two dates
        b"~{2+}\r\nhi",  # literal8: BINARY, not announced
        b"CATENATE (TEXT " + lit(M2) + b")",  # RFC 4469, not announced
    ],
)
def test_a_bad_later_message_appends_none(logged: Harness, middle: bytes) -> None:
    """RFC 3502: "If the append is unsuccessful for any reason ..., the mailbox MUST be
    restored to its state before the APPEND attempt; no partial appending"."""
    lines = logged.lines(b"a APPEND Box " + lit(M1) + b" " + middle + b" " + lit(M3) + b"\r\n")
    assert lines[-1].startswith(b"a BAD "), lines
    assert stored(logged) == []


@pytest.mark.parametrize("tail", [DATE, b"(\\Seen)", b"(\\Seen) " + DATE, b"NIL"])
def test_flags_or_a_date_after_the_last_message_append_none(logged: Harness, tail: bytes) -> None:
    lines = logged.lines(b"a APPEND Box " + lit(M1) + b" " + lit(M2) + b" " + tail + b"\r\n")
    assert lines[-1].startswith(b"a BAD "), lines
    assert stored(logged) == []


def test_a_zero_length_message_cancels_the_append(logged: Harness) -> None:
    """RFC 3502 §6.3.11: "A zero-length message literal argument is an error, and MUST
    return a NO. This can be used to cancel the append.\""""
    h = logged
    assert h.raw(b"a APPEND Box {%d}\r\n" % len(M1)).startswith(b"+ ")
    assert h.raw(M1 + b" {0}\r\n").startswith(b"+ ")
    assert h.raw(b"\r\n") == b"a NO " + R.NO_APPEND_EMPTY.encode() + b"\r\n"
    assert stored(h) == []
    assert h.lines(b"b APPEND Box {0+}\r\n\r\n")[-1].startswith(b"b NO ")


def test_a_missing_mailbox_is_trycreate_and_creates_nothing(logged: Harness) -> None:
    lines = logged.lines(b"a APPEND Nosuch " + lit(M1) + b" " + lit(M2) + b"\r\n")
    assert lines[-1].startswith(b"a NO [TRYCREATE]")
    assert "Nosuch" not in {e.name for e in logged.store.list_folders(USER)}


def test_a_literal_too_large_on_the_second_message_ends_the_command() -> None:
    h = Harness(max_literal=len(M1))
    h.login()
    h.store.create_folder(USER, "Box")
    assert h.raw(b"a APPEND Box {%d}\r\n" % len(M1)).startswith(b"+ ")
    # RFC 3501 §7.5: the tagged BAD instead of "+"; the client sends nothing more.
    assert h.raw(M1 + b" {%d}\r\n" % (len(M1) + 1)) == b"a BAD [TOOBIG] literal too large\r\n"
    assert stored(h) == []
    assert h.cmd("n NOOP") == [b"n OK NOOP completed"]


def test_a_store_failure_appends_none(logged: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: MemFolder, items: list[AppendItem]) -> list[int]:
        raise StorageError("No space left on device")

    monkeypatch.setattr(MemFolder, "append_batch", full)
    line = logged.lines(b"a APPEND Box " + lit(M1) + b" " + lit(M2) + b"\r\n")[-1]
    assert line.startswith(b"a NO [UNAVAILABLE]")
    monkeypatch.undo()
    assert stored(logged) == []


def test_single_append_unchanged(logged: Harness) -> None:
    line = logged.lines(b"a APPEND Box (\\Seen) " + DATE + b" " + lit(M1) + b"\r\n")[-1]
    assert line == b"a OK [APPENDUID %d 1] APPEND completed" % validity(logged)
    assert stored(logged) == [(M1, frozenset({"\\Seen"}), "2021-03-05T10:11:12")]


# -- the grammar alone (append_args.split_messages) -----------------------------------------
def test_split_messages_reads_each_append_message() -> None:
    from mailspec.reference_server.imap.command_parser import CommandParser, CommandReady

    parser = CommandParser()
    parser.feed(b"a APPEND Box (\\Seen) " + DATE + b" " + lit(M1) + b" " + lit(M2) + b"\r\n")
    event = parser.next_event()
    assert isinstance(event, CommandReady)
    first, second = append_args.split_messages(event.command.args[1:])
    assert (first.flags, first.date, first.message) == (["\\Seen"], DATE[1:-1], M1)
    assert (second.flags, second.date, second.message) == (None, None, M2)
