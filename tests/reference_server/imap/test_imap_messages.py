"""FETCH, STORE, SEARCH, COPY, MOVE, UID and UID EXPUNGE on the sans-IO session: the glue
between the session's selection and the message library (RFC 3501 §6.4.4-§6.4.8,
RFC 4315, RFC 6851, RFC 4731, RFC 5182, RFC 2180 §4)."""

from __future__ import annotations

import pytest
from mailspec.reference_server.imap import message_commands
from mailspec.reference_server.imap import replies as R
from mailspec.reference_server.transport.events import SendStream

from .imap_harness import USER, Harness, render
from .memory_store import MemStore

MSG = (
    b"Subject: hello\r\nFrom: Ann <a@example.org>\r\n"
    b"Date: Mon, 1 Mar 2021 10:00:00 +0000\r\n\r\nbody text\r\n"
)
OTHER = b"Subject: other\r\nFrom: b@example.org\r\n\r\nsomething else\r\n"


@pytest.fixture
def h() -> Harness:
    h = Harness()
    h.login()
    h.store.put(USER, "INBOX", MSG, ["\\Seen"])
    h.store.put(USER, "INBOX", OTHER)
    h.store.put(USER, "INBOX", MSG, ["\\Deleted"])
    h.ok("c CREATE dest")
    h.select()
    return h


def stored_flags(h: Harness, name: str = "INBOX") -> dict[int, frozenset[str]]:
    return {m.uid: m.flags for m in h.store.open_folder(USER, name).messages()}


def test_capabilities_announce_the_wired_extensions(h: Harness) -> None:
    caps = h.cmd("c CAPABILITY")[0].split()
    for cap in (b"UIDPLUS", b"MOVE", b"ESEARCH", b"SEARCHRES"):
        assert cap in caps


def test_fetch_metadata(h: Harness) -> None:
    assert h.cmd("f FETCH 1:* (FLAGS UID RFC822.SIZE)") == [
        b"* 1 FETCH (FLAGS (\\Seen \\Recent) UID 1 RFC822.SIZE %d)" % len(MSG),
        b"* 2 FETCH (FLAGS (\\Recent) UID 2 RFC822.SIZE %d)" % len(OTHER),
        b"* 3 FETCH (FLAGS (\\Deleted \\Recent) UID 3 RFC822.SIZE %d)" % len(MSG),
        b"f OK FETCH completed",
    ]


def test_fetch_body_sets_seen_and_reports_flags(h: Harness) -> None:
    lines = h.raw(b"f FETCH 2 BODY[TEXT]\r\n")
    assert lines == (b"* 2 FETCH (BODY[TEXT] {16}\r\nsomething else\r\n FLAGS (\\Seen \\Recent))\r\n"
                     b"f OK FETCH completed\r\n")  # fmt: skip
    assert "\\Seen" in stored_flags(h)[2]


def test_fetch_peek_and_examine_do_not_set_seen(h: Harness) -> None:
    h.ok("f FETCH 2 BODY.PEEK[]")
    assert "\\Seen" not in stored_flags(h)[2]
    h.ok("e EXAMINE INBOX")
    h.ok("f FETCH 2 BODY[]")
    assert "\\Seen" not in stored_flags(h)[2]


def test_fetch_errors(h: Harness) -> None:
    assert h.cmd("f FETCH 9 FLAGS") == [b"f BAD " + R.BAD_SEQUENCE_RANGE.encode()]
    assert h.cmd("f FETCH 1 FROB")[0].startswith(b"f BAD ")
    assert h.cmd("f FETCH x FLAGS")[0].startswith(b"f BAD ")
    assert h.cmd("f FETCH 1 BINARY[]") == [b"f BAD " + R.BAD_FETCH_BINARY.encode()]
    assert h.cmd("f FETCH 1") == [b"f BAD FETCH: invalid arguments"]


def test_uid_fetch_includes_uid_and_ignores_missing_uids(h: Harness) -> None:
    assert h.cmd("u UID FETCH 2:99 FLAGS") == [
        b"* 2 FETCH (UID 2 FLAGS (\\Recent))",
        b"* 3 FETCH (UID 3 FLAGS (\\Deleted \\Recent))",
        b"u OK UID FETCH completed",
    ]
    # RFC 3501 §6.4.8: "559:*" always includes the last message; "50:60" names none.
    assert h.cmd("u UID FETCH 50:* FLAGS") == [b"* 3 FETCH (UID 3 FLAGS (\\Deleted \\Recent))",
                                               b"u OK UID FETCH completed"]  # fmt: skip
    assert h.cmd("u UID FETCH 50:60 FLAGS") == [b"u OK UID FETCH completed"]


def test_large_fetch_is_streamed(monkeypatch: pytest.MonkeyPatch, h: Harness) -> None:
    monkeypatch.setattr(message_commands, "EAGER_FETCH_OCTETS", 10)
    events = h.events(b"f FETCH 1:2 BODY.PEEK[]\r\n")
    assert any(isinstance(e, SendStream) for e in events)
    data = render(events)
    assert data.startswith(b"* 1 FETCH (BODY[] {%d}\r\n" % len(MSG) + MSG + b")\r\n")
    assert data.endswith(b"f OK FETCH completed\r\n")


def test_store_variants(h: Harness) -> None:
    # A keyword new to the mailbox: FLAGS and PERMANENTFLAGS again (RFC 3501 §7.2.6).
    assert h.cmd("s STORE 1 +FLAGS (kw \\Flagged)") == [
        b"* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent kw))",
        b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft kw)",
        b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\* kw)] "
        + R.OK_PERMANENTFLAGS.encode(),
        b"s OK STORE completed",
    ]
    assert h.cmd("s STORE 1 -FLAGS.SILENT (kw)") == [b"s OK STORE completed"]
    assert stored_flags(h)[1] == {"\\Seen", "\\Flagged"}
    assert h.cmd("s STORE 1:2 FLAGS \\Draft") == [
        b"* 1 FETCH (FLAGS (\\Draft \\Recent))", b"* 2 FETCH (FLAGS (\\Draft \\Recent))",
        b"s OK STORE completed",
    ]  # fmt: skip
    assert h.cmd("u UID STORE 3 +FLAGS.SILENT (\\answered)") == [b"u OK UID STORE completed"]
    assert stored_flags(h)[3] == {"\\Deleted", "\\Answered"}


def test_store_errors(h: Harness) -> None:
    assert h.cmd("s STORE 1 FLAGS (\\Recent)") == [b"s BAD " + R.BAD_STORE_FLAG.encode()]
    assert h.cmd("s STORE 1 FLAGS (\\Frob)") == [b"s BAD " + R.BAD_STORE_FLAG.encode()]
    assert h.cmd("s STORE 1 COLOUR (red)")[0].startswith(b"s BAD unknown STORE data item")
    h.ok("e EXAMINE INBOX")
    assert h.cmd("s STORE 1 +FLAGS (x)")[0].startswith(b"s NO [READ-ONLY]")


def test_other_sessions_see_flag_changes() -> None:
    store = MemStore()
    a, b = Harness(store), Harness(store)
    for x in (a, b):
        x.login()
    store.put(USER, "INBOX", MSG)
    a.select()
    b.select()
    a.ok("s STORE 1 +FLAGS.SILENT (\\Flagged)")
    assert b.cmd("n NOOP") == [b"* 1 FETCH (UID 1 FLAGS (\\Flagged))", b"n OK NOOP completed"]


def test_search(h: Harness) -> None:
    assert h.cmd("s SEARCH UNSEEN") == [b"* SEARCH 2 3", b"s OK SEARCH completed"]
    assert h.cmd("s SEARCH SUBJECT HELLO") == [b"* SEARCH 1 3", b"s OK SEARCH completed"]
    assert h.cmd("s SEARCH NOT DELETED TEXT body") == [b"* SEARCH 1", b"s OK SEARCH completed"]
    assert h.cmd("u UID SEARCH 2:*") == [b"* SEARCH 2 3", b"u OK UID SEARCH completed"]
    assert h.cmd("s SEARCH CHARSET KOI8-R ALL")[0].startswith(b"s NO [BADCHARSET")
    assert h.cmd("s SEARCH FROB")[0].startswith(b"s BAD ")


def test_esearch_and_searchres(h: Harness) -> None:
    assert h.cmd("s SEARCH RETURN (MIN MAX COUNT) UNSEEN") == [
        b'* ESEARCH (TAG "s") MIN 2 MAX 3 COUNT 2', b"s OK SEARCH completed"
    ]  # fmt: skip
    assert h.cmd("s UID SEARCH RETURN (SAVE) SUBJECT other") == [b"s OK UID SEARCH completed"]
    assert h.cmd("f FETCH $ UID") == [b"* 2 FETCH (UID 2)", b"f OK FETCH completed"]
    assert h.cmd("f UID FETCH $ FLAGS") == [b"* 2 FETCH (UID 2 FLAGS (\\Recent))",
                                            b"f OK UID FETCH completed"]  # fmt: skip
    h.select()
    assert h.cmd("f FETCH $ UID") == [b"f OK FETCH completed"]  # reset by SELECT


def test_copy_with_copyuid(h: Harness) -> None:
    validity = h.store.open_folder(USER, "dest").uidvalidity
    assert h.cmd("c COPY 1:2 dest") == [b"c OK [COPYUID %d 1:2 1:2] COPY completed" % validity]
    copied = h.store.open_folder(USER, "dest").messages()
    assert [m.flags for m in copied] == [{"\\Seen"}, frozenset()]
    source = h.store.open_folder(USER, "INBOX").messages()
    assert [m.internal_date for m in copied] == [m.internal_date for m in source[:2]]
    assert h.cmd("c COPY 1 nosuch") == [b"c NO [TRYCREATE] " + R.NO_TRYCREATE.encode()]
    assert h.cmd("c UID COPY 90:99 dest")[0] == b"c OK UID COPY completed"


def test_copy_to_selected_mailbox_reports_exists(h: Harness) -> None:
    lines = h.cmd("c COPY 1 INBOX")
    assert lines[:2] == [b"* 4 EXISTS", b"* 4 RECENT"]


def test_move(h: Harness) -> None:
    validity = h.store.open_folder(USER, "dest").uidvalidity
    # RFC 6851 §4.3: COPYUID in an untagged OK, then EXPUNGE, then the tagged OK.
    assert h.cmd("m MOVE 2 dest") == [
        b"* OK [COPYUID %d 2 1] " % validity + R.OK_MOVED.encode(),
        b"* 2 EXPUNGE",
        b"m OK MOVE completed",
    ]
    assert h.cmd("m UID MOVE 3 dest")[1:] == [b"* 2 EXPUNGE", b"m OK UID MOVE completed"]
    h.ok("e EXAMINE INBOX")
    assert h.cmd("m MOVE 1 dest")[0].startswith(b"m NO [READ-ONLY]")


def test_move_while_pop3_holds_inbox(h: Harness) -> None:
    h.store.account(USER)["INBOX"].inuse = True
    assert h.cmd("m MOVE 1 dest")[0].startswith(b"m NO [INUSE]")
    assert len(h.store.open_folder(USER, "INBOX").messages()) == 3


def test_uid_expunge_only_listed_deleted(h: Harness) -> None:
    h.ok("s STORE 1 +FLAGS.SILENT (\\Deleted)")
    assert h.cmd("x UID EXPUNGE 3") == [b"* 3 EXPUNGE", b"x OK UID EXPUNGE completed"]
    assert sorted(stored_flags(h)) == [1, 2]
    assert h.cmd("x UID FROB 1")[0].startswith(b"x BAD ")


def test_ghost_messages(h: Harness) -> None:
    # RFC 2180 §4.1: another session expunged message 2; until told, this session still
    # numbers it, answers its cached metadata, and refuses its content.
    h.store.open_folder(USER, "INBOX").expunge([2])
    assert h.cmd("f FETCH 2 FLAGS") == [b"* 2 FETCH (FLAGS (\\Recent))", b"f OK FETCH completed"]
    lines = h.cmd("f FETCH 1:3 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
    assert lines[-1] == b"f NO [EXPUNGEISSUED] " + R.NO_EXPUNGEISSUED.encode()
    assert not any(line.startswith(b"* 2 ") for line in lines)
    assert h.cmd("s STORE 2 +FLAGS (x)")[-1].startswith(b"s NO [EXPUNGEISSUED]")
    assert h.cmd("s SEARCH ALL") == [b"* SEARCH 1 3", b"s OK SEARCH completed"]
    # RFC 3501 §7.4.1: no EXPUNGE during FETCH/STORE/SEARCH; COPY may carry it, and
    # copies nothing when a message it names is gone (RFC 2180 §4.4.1).
    lines = h.cmd("c COPY 1:2 dest")
    assert lines == [b"* 2 EXPUNGE", b"c NO [EXPUNGEISSUED] " + R.NO_EXPUNGEISSUED.encode()]
    assert not h.store.open_folder(USER, "dest").messages()
    assert h.cmd("s SEARCH ALL") == [b"* SEARCH 1 2", b"s OK SEARCH completed"]


def test_new_mail_reported_after_fetch_without_expunge(h: Harness) -> None:
    folder = h.store.open_folder(USER, "INBOX")
    folder.expunge([1])
    folder.append(OTHER)
    lines = h.cmd("f FETCH 3 UID")
    # The ghost of message 1 still counts, as the client still numbers it.
    assert lines == [b"* 3 FETCH (UID 3)", b"* 4 EXISTS", b"* 4 RECENT", b"f OK FETCH completed"]
    assert h.cmd("n NOOP") == [b"* 1 EXPUNGE", b"n OK NOOP completed"]
