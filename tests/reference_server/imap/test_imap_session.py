"""The sans-IO IMAP session, driven with byte strings (RFC 3501 §6.1-§6.4 and the
announced extensions). The store is the in-memory test double of memory_store.py."""

from __future__ import annotations

import base64
import re

import pytest
from mailspec.reference_server.imap import replies as R
from mailspec.reference_server.imap.protocol import COMMANDS, ImapSession, State
from mailspec.reference_server.transport.events import Close, Send, StartTls

from .imap_harness import PASSWORD, USER, Harness, render
from .memory_store import MemStore

MSG = b"Subject: hello\r\nFrom: a@example.org\r\n\r\nbody\r\n"


def plain(user: str = USER, password: str = PASSWORD, authz: str = "") -> str:
    return base64.b64encode(f"{authz}\0{user}\0{password}".encode()).decode()


@pytest.fixture
def h() -> Harness:
    return Harness()


@pytest.fixture
def logged(h: Harness) -> Harness:
    h.login()
    return h


def caps(line: bytes) -> list[str]:
    return line.decode().split("CAPABILITY ", 1)[1].split("]")[0].split()


# -- greeting, CAPABILITY, NOOP, LOGOUT (RFC 3501 §6.1, §7.1) ----------------------------
def test_greeting_is_ok_with_capabilities(h: Harness) -> None:
    assert h.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 ")
    assert h.greeting.endswith(b"\r\n")


def test_capability(h: Harness) -> None:
    lines = h.cmd("c1 CAPABILITY")
    assert lines[-1] == b"c1 OK CAPABILITY completed"
    announced = caps(lines[0])
    for cap in ("IMAP4rev1", "LITERAL+", "SASL-IR", "AUTH=PLAIN", "IDLE", "NAMESPACE",
                "UNSELECT", "ENABLE", "ID", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS"):  # fmt: skip
        assert cap in announced
    assert "STARTTLS" not in announced and "LOGINDISABLED" not in announced


def test_capability_with_tls_and_no_plaintext_login() -> None:
    h = Harness(tls_available=True, plaintext_login=False)
    announced = caps(h.cmd("c CAPABILITY")[0])
    assert "STARTTLS" in announced and "LOGINDISABLED" in announced
    assert "AUTH=PLAIN" not in announced


def test_capability_takes_no_arguments(h: Harness) -> None:
    assert h.cmd("c CAPABILITY x") == [b"c BAD " + R.BAD_ARGS.format(name="CAPABILITY").encode()]


def test_noop(h: Harness) -> None:
    assert h.cmd("n NOOP") == [b"n OK NOOP completed"]


def test_logout_bye_then_ok_then_close(h: Harness) -> None:
    events = h.events(b"z LOGOUT\r\nq NOOP\r\n")
    data = render(events)
    assert data == b"* BYE " + R.BYE_LOGOUT.encode() + b"\r\nz OK LOGOUT completed\r\n"
    assert isinstance(events[-1], Close)
    assert h.session.state is State.LOGOUT
    assert h.raw(b"q NOOP\r\n") == b""


def test_unknown_command_and_wrong_state(h: Harness) -> None:
    assert h.cmd("a FROB") == [b"a BAD unknown command"]
    assert h.cmd("a SELECT INBOX")[0].startswith(
        b"a BAD SELECT is not valid in the not authenticated"
    )
    assert h.session.state is State.NOT_AUTHENTICATED


def test_untagged_bad_for_missing_tag(h: Harness) -> None:
    assert h.cmd("")[0].startswith(b"* BAD ")


def test_every_command_has_a_handler() -> None:
    for name in COMMANDS:
        assert callable(getattr(ImapSession, f"cmd_{name}"))


def test_timeout_says_bye(h: Harness) -> None:
    assert render(h.session.timeout_events()).startswith(b"* BYE ")


# -- STARTTLS (RFC 3501 §6.2.1) ------------------------------------------------------------
def test_starttls_discards_pipelined_plaintext() -> None:
    h = Harness(tls_available=True)
    events = h.events(b"t STARTTLS\r\nx LOGIN mailspec1 secret-1\r\n")
    assert isinstance(events[-1], StartTls)
    assert render(events) == b"t OK " + R.OK_STARTTLS.encode() + b"\r\n"
    h.session.tls_started()
    assert h.raw(b"") == b""
    assert h.session.state is State.NOT_AUTHENTICATED
    announced = caps(h.cmd("c CAPABILITY")[0])
    assert "STARTTLS" not in announced


def test_starttls_unavailable_and_twice() -> None:
    assert Harness().cmd("t STARTTLS") == [b"t NO " + R.NO_TLS_UNAVAILABLE.encode()]
    h = Harness(tls_available=True, tls_active=True)
    assert h.cmd("t STARTTLS") == [b"t BAD " + R.BAD_TLS_ACTIVE.encode()]


def test_login_disabled_until_tls() -> None:
    h = Harness(tls_available=True, plaintext_login=False)
    assert h.cmd(f"l LOGIN {USER} {PASSWORD}") == [
        b"l NO [PRIVACYREQUIRED] " + R.NO_PRIVACY.encode()
    ]
    assert h.cmd(f"a AUTHENTICATE PLAIN {plain()}")[0].startswith(b"a NO [PRIVACYREQUIRED]")
    h.events(b"t STARTTLS\r\n")
    h.session.tls_started()
    announced = caps(h.cmd("c CAPABILITY")[0])
    assert "AUTH=PLAIN" in announced and "LOGINDISABLED" not in announced
    h.login()


# -- AUTHENTICATE (RFC 3501 §6.2.2, RFC 4959, RFC 4616) ---------------------------------------
def test_authenticate_plain_with_initial_response(h: Harness) -> None:
    line = h.cmd(f"a AUTHENTICATE PLAIN {plain()}")[-1]
    assert line.startswith(b"a OK [CAPABILITY IMAP4rev1 ")
    assert h.session.state is State.AUTHENTICATED


def test_authenticate_plain_without_initial_response(h: Harness) -> None:
    assert h.cmd("a AUTHENTICATE PLAIN") == [b"+ "]
    assert h.cmd(plain())[-1].startswith(b"a OK ")
    assert h.session.user == USER


def test_authenticate_cancel(h: Harness) -> None:
    h.cmd("a AUTHENTICATE PLAIN")
    assert h.cmd("*") == [b"a BAD " + R.BAD_AUTH_CANCELLED.encode()]
    assert h.cmd("n NOOP") == [b"n OK NOOP completed"]


def test_authenticate_bad_base64(h: Harness) -> None:
    h.cmd("a AUTHENTICATE PLAIN")
    assert h.cmd("%%%") == [b"a BAD " + R.BAD_AUTH_BASE64.encode()]
    assert h.cmd("b AUTHENTICATE PLAIN !!") == [b"b BAD " + R.BAD_AUTH_BASE64.encode()]


def test_authenticate_failures(h: Harness) -> None:
    assert h.cmd(f"a AUTHENTICATE PLAIN {plain(password='x')}")[0].startswith(
        b"a NO [AUTHENTICATIONFAILED]"
    )
    assert h.cmd(f"b AUTHENTICATE PLAIN {plain(authz='other')}")[0].startswith(
        b"b NO [AUTHORIZATIONFAILED]"
    )
    empty = base64.b64encode(b"no nul here").decode()
    assert h.cmd(f"c AUTHENTICATE PLAIN {empty}") == [b"c NO " + R.NO_AUTH_MALFORMED.encode()]
    assert h.cmd("d AUTHENTICATE PLAIN =") == [b"d NO " + R.NO_AUTH_MALFORMED.encode()]
    assert h.cmd("e AUTHENTICATE CRAM-MD5") == [b"e NO " + R.NO_AUTH_MECHANISM.encode()]
    assert h.session.state is State.NOT_AUTHENTICATED


def test_authenticate_long_response_line() -> None:
    h = Harness(max_line=100)
    h.cmd("a AUTHENTICATE PLAIN")
    assert h.cmd("A" * 200) == [b"a BAD " + R.BAD_AUTH_LINE.encode()]
    assert h.cmd("n NOOP") == [b"n OK NOOP completed"]


# -- LOGIN (RFC 3501 §6.2.3) ---------------------------------------------------------------
def test_login_good_bad_quoted_literal(h: Harness) -> None:
    assert h.cmd(f"a LOGIN {USER} wrong") == [
        b"a NO [AUTHENTICATIONFAILED] " + R.NO_AUTH_FAILED.encode()
    ]
    assert h.cmd(f'b LOGIN "{USER}"') == [b"b BAD LOGIN: invalid arguments"]
    assert h.raw(b"c LOGIN {9}\r\n") == b"+ " + R.CONTINUE_LITERAL.encode() + b"\r\n"
    assert h.raw(USER.encode() + b' "secret-1"\r\n').startswith(b"c OK [CAPABILITY ")
    assert h.session.state is State.AUTHENTICATED
    assert h.cmd(f"d LOGIN {USER} {PASSWORD}")[0].startswith(b"d BAD LOGIN is not valid")


def test_literal_refused_for_wrong_state(logged: Harness) -> None:
    # RFC 3501 §7.5: the tagged reply instead of "+"; the client then sends nothing more.
    assert logged.raw(b"a LOGIN {9}\r\n").startswith(b"a BAD LOGIN is not valid")
    assert logged.raw(b"b FROB {3}\r\n") == b"b BAD unknown command\r\n"
    assert logged.cmd("n NOOP") == [b"n OK NOOP completed"]


def test_literal_plus_login(h: Harness) -> None:
    data = b"a LOGIN {9+}\r\n" + USER.encode() + b" {8+}\r\n" + PASSWORD.encode() + b"\r\n"
    assert h.raw(data).startswith(b"a OK ")


# -- SELECT / EXAMINE (RFC 3501 §6.3.1, §6.3.2) ------------------------------------------------
def test_select_responses(logged: Harness) -> None:
    logged.store.put(USER, "INBOX", MSG, ["\\Seen"])
    logged.store.put(USER, "INBOX", MSG, ["$Forwarded"])
    lines = logged.select()
    assert lines[0] == b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)"
    assert b"* 2 EXISTS" in lines and b"* 2 RECENT" in lines
    assert any(line.startswith(b"* OK [UNSEEN 2] ") for line in lines)
    assert any(line.startswith(b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen "
                                b"\\Draft $Forwarded \\*)] ") for line in lines)  # fmt: skip
    assert any(line.startswith(b"* OK [UIDNEXT 3] ") for line in lines)
    assert any(re.match(rb"\* OK \[UIDVALIDITY \d+\] ", line) for line in lines)
    assert lines[-1] == b"s1 OK [READ-WRITE] SELECT completed"
    assert logged.session.state is State.SELECTED


def test_examine_is_read_only(logged: Harness) -> None:
    lines = logged.ok("e EXAMINE inbox")
    assert b"* OK [PERMANENTFLAGS ()] " + R.OK_PERMANENTFLAGS_NONE.encode() in lines
    assert lines[-1] == b"e OK [READ-ONLY] EXAMINE completed"
    assert logged.cmd("x EXPUNGE") == [b"x NO [READ-ONLY] " + R.NO_READ_ONLY.encode()]


def test_no_unseen_code_when_all_seen(logged: Harness) -> None:
    logged.store.put(USER, "INBOX", MSG, ["\\Seen"])
    assert not any(b"[UNSEEN" in line for line in logged.select())


def test_failed_select_leaves_nothing_selected(logged: Harness) -> None:
    logged.select()
    assert logged.cmd("s2 SELECT nosuch") == [b"s2 NO [NONEXISTENT] no such mailbox"]
    assert logged.session.state is State.AUTHENTICATED
    assert logged.cmd("c CHECK")[0].startswith(b"c BAD CHECK is not valid")


def test_select_noselect_level(logged: Harness) -> None:
    logged.ok("c CREATE a/b")
    logged.ok("d DELETE a")
    assert logged.cmd("s SELECT a")[0].startswith(b"s NO [NONEXISTENT]")


def test_reselect_reports_fresh_state(logged: Harness) -> None:
    logged.store.put(USER, "INBOX", MSG)
    logged.select()
    lines = logged.select()
    assert b"* 1 EXISTS" in lines and b"* 0 RECENT" in lines


def test_recent_for_exactly_one_session() -> None:
    store = MemStore()
    first, second = Harness(store), Harness(store)
    first.login()
    second.login()
    store.put(USER, "INBOX", MSG)
    assert b"* 1 RECENT" in first.select()
    assert b"* 0 RECENT" in second.select()


# -- CREATE / DELETE / RENAME (RFC 3501 §6.3.3-§6.3.5) ----------------------------------------
def list_names(h: Harness, pattern: str = "*") -> list[bytes]:
    return [line for line in h.cmd(f'l LIST "" {pattern}') if line.startswith(b"* LIST")]


def test_create_hierarchy_and_trailing_delimiter(logged: Harness) -> None:
    logged.ok("c CREATE a/b/c")
    logged.ok("d CREATE x/")
    assert list_names(logged) == [
        b'* LIST (\\HasNoChildren) "/" "INBOX"',
        b'* LIST (\\HasChildren) "/" "a"',
        b'* LIST (\\HasChildren) "/" "a/b"',
        b'* LIST (\\HasNoChildren) "/" "a/b/c"',
        b'* LIST (\\HasNoChildren) "/" "x"',
    ]


def test_create_existing_and_inbox(logged: Harness) -> None:
    logged.ok("c CREATE a")
    assert logged.cmd("d CREATE a")[0].startswith(b"d NO [ALREADYEXISTS]")
    for spelling in ("INBOX", "inbox", "InBoX"):
        assert logged.cmd(f"e CREATE {spelling}")[0].startswith(b"e NO [ALREADYEXISTS]")


def test_create_refused_names(logged: Harness) -> None:
    assert logged.cmd("c CREATE a//b")[0].startswith(b"c NO [CANNOT]")
    assert logged.cmd('c CREATE "a/../b"')[0].startswith(b"c NO [CANNOT]")
    assert logged.cmd("c CREATE &Jjo")[0].startswith(b"c NO [CANNOT] mailbox name is not valid")
    assert logged.cmd("c CREATE a*b")[0].startswith(b"c BAD")
    assert logged.raw(b"c CREATE {2}\r\n").startswith(b"+ ")
    assert logged.raw("é\r\n".encode()).startswith(b"c NO [CANNOT]")


def test_modified_utf7_names_both_ways(logged: Harness) -> None:
    logged.ok("c CREATE Entw&APw-rfe")
    assert "Entwürfe" in logged.store.account(USER)
    assert b'* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"' in list_names(logged)


def test_delete(logged: Harness) -> None:
    assert logged.cmd("d DELETE INBOX")[0].startswith(b"d NO [CANNOT]")
    assert logged.cmd("d DELETE nosuch")[0].startswith(b"d NO [NONEXISTENT]")
    logged.ok("c CREATE a/b")
    logged.ok("d DELETE a")
    assert b'* LIST (\\Noselect \\HasChildren) "/" "a"' in list_names(logged)
    assert logged.cmd("d DELETE a")[0].startswith(b"d NO [CANNOT]")
    logged.ok("d DELETE a/b")


def test_rename_moves_inferiors(logged: Harness) -> None:
    logged.ok("c CREATE a/b")
    logged.ok("r RENAME a z/y")
    names = b"".join(list_names(logged))
    assert b'"z/y/b"' in names and b'"a"' not in names
    assert logged.cmd("r RENAME nosuch q")[0].startswith(b"r NO [NONEXISTENT]")
    assert logged.cmd("r RENAME z INBOX")[0].startswith(b"r NO [ALREADYEXISTS]")


def test_rename_inbox(logged: Harness) -> None:
    logged.store.put(USER, "INBOX", MSG)
    logged.ok("r RENAME INBOX old")
    assert b"MESSAGES 1" in logged.cmd("s STATUS old (MESSAGES)")[0]
    assert b"MESSAGES 0" in logged.cmd("s STATUS INBOX (MESSAGES)")[0]


# -- SUBSCRIBE / UNSUBSCRIBE / LIST / LSUB (RFC 3501 §6.3.6-§6.3.9, RFC 5258, RFC 5819) -----
def test_subscribe_unsubscribe_lsub(logged: Harness) -> None:
    logged.ok("c CREATE a/b")
    assert logged.cmd("s SUBSCRIBE nosuch")[0].startswith(b"s NO [NONEXISTENT]")
    logged.ok("s SUBSCRIBE a/b")
    assert logged.cmd('l LSUB "" *')[:-1] == [b'* LSUB () "/" "a/b"']
    # RFC 3501 §6.3.9: "%" matching an unsubscribed superior gives it \Noselect.
    assert logged.cmd('l LSUB "" %')[:-1] == [b'* LSUB (\\Noselect) "/" "a"']
    logged.ok("u UNSUBSCRIBE a/b")
    assert logged.cmd('l LSUB "" *') == [b"l OK LSUB completed"]
    assert logged.cmd("u UNSUBSCRIBE a/b")[0].startswith(b"u NO ")


def test_list_empty_pattern_gives_delimiter_and_root(logged: Harness) -> None:
    assert logged.cmd('l LIST "" ""') == [b'* LIST (\\Noselect) "/" ""', b"l OK LIST completed"]
    assert logged.cmd('l LIST "a/b" ""')[0] == b'* LIST (\\Noselect) "/" "a/"'


def test_list_wildcards_and_reference(logged: Harness) -> None:
    logged.ok("c CREATE a/b/c")
    assert [n.rsplit(b" ", 1)[1] for n in list_names(logged, "a/%")] == [b'"a/b"']
    assert [n.rsplit(b" ", 1)[1] for n in list_names(logged, "a/*")] == [b'"a/b"', b'"a/b/c"']
    lines = logged.cmd('l LIST "a/" %')
    assert lines[0] == b'* LIST (\\HasChildren) "/" "a/b"'
    assert list_names(logged, "inbox") == [b'* LIST (\\HasNoChildren) "/" "INBOX"']
    assert list_names(logged, "nomatch*") == []


def test_list_extended(logged: Harness) -> None:
    logged.ok("c CREATE a/b")
    logged.ok("c CREATE c")
    logged.ok("s SUBSCRIBE a/b")
    logged.ok("s SUBSCRIBE c")
    logged.ok("d DELETE c")
    lines = logged.cmd('l LIST (SUBSCRIBED) "" *')
    assert lines[:-1] == [
        b'* LIST (\\HasNoChildren \\Subscribed) "/" "a/b"',
        b'* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" "c"',
    ]
    lines = logged.cmd('l LIST (SUBSCRIBED RECURSIVEMATCH) "" %')
    assert b'* LIST (\\HasChildren) "/" "a" ("CHILDINFO" ("SUBSCRIBED"))' in lines
    assert logged.cmd('l LIST (RECURSIVEMATCH) "" %') == [
        b"l BAD " + R.BAD_LIST_RECURSIVEMATCH.encode()
    ]
    assert logged.cmd('l LIST (FROB) "" %')[0].startswith(b"l BAD")
    lines = logged.cmd('l LIST "" (a INBOX) RETURN (SUBSCRIBED CHILDREN)')
    assert lines[:-1] == [
        b'* LIST (\\HasNoChildren) "/" "INBOX"',
        b'* LIST (\\HasChildren) "/" "a"',
    ]


def test_list_status(logged: Harness) -> None:
    logged.store.put(USER, "INBOX", MSG)
    logged.ok("c CREATE a/b")
    logged.ok("d DELETE a")
    lines = logged.cmd('l LIST "" * RETURN (STATUS (MESSAGES UNSEEN))')
    assert lines[:-1] == [
        b'* LIST (\\HasNoChildren) "/" "INBOX"',
        b"* STATUS INBOX (MESSAGES 1 UNSEEN 1)",
        b'* LIST (\\Noselect \\HasChildren) "/" "a"',
        b'* LIST (\\HasNoChildren) "/" "a/b"',
        b"* STATUS a/b (MESSAGES 0 UNSEEN 0)",
    ]


# -- STATUS (RFC 3501 §6.3.10) ------------------------------------------------------------
def test_status_every_item_agrees_with_select(logged: Harness) -> None:
    logged.store.put(USER, "INBOX", MSG, ["\\Seen"])
    logged.store.put(USER, "INBOX", MSG)
    line = logged.cmd("s STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE)")[0]
    values = dict(re.findall(rb"([A-Z]+) (\d+)", line.split(b"(", 1)[1]))
    assert values[b"MESSAGES"] == b"2" and values[b"RECENT"] == b"2"
    assert values[b"UNSEEN"] == b"1" and values[b"SIZE"] == b"%d" % (2 * len(MSG))
    lines = b"\n".join(logged.select())
    assert b"* 2 EXISTS" in lines and b"* 2 RECENT" in lines
    assert b"[UIDNEXT " + values[b"UIDNEXT"] + b"]" in lines
    assert b"[UIDVALIDITY " + values[b"UIDVALIDITY"] + b"]" in lines


def test_status_errors(logged: Harness) -> None:
    assert logged.cmd("s STATUS INBOX (FROB)")[0].startswith(b"s BAD unknown STATUS item")
    assert logged.cmd("s STATUS INBOX ()")[0].startswith(b"s BAD")
    assert logged.cmd("s STATUS nosuch (MESSAGES)")[0].startswith(b"s NO [NONEXISTENT]")


# -- APPEND (RFC 3501 §6.3.11) --------------------------------------------------------------
def append(h: Harness, args: str, message: bytes = MSG, tag: str = "a") -> list[bytes]:
    return h.lines(f"{tag} APPEND {args} {{{len(message)}+}}\r\n".encode() + message + b"\r\n")


def test_append_with_flags_and_date(logged: Harness) -> None:
    line = append(logged, 'INBOX (\\Seen kw) "05-Mar-2021 10:11:12 +0200"')[-1]
    validity = logged.store.open_folder(USER, "INBOX").uidvalidity
    # RFC 4315 §3: APPENDUID <uidvalidity> <uid>
    assert line == b"a OK [APPENDUID %d 1] APPEND completed" % validity
    (stored,) = logged.store.open_folder(USER, "INBOX").messages()
    assert stored.flags == {"\\Seen", "kw"}
    assert stored.internal_date.isoformat() == "2021-03-05T10:11:12+02:00"
    assert logged.store.open_folder(USER, "INBOX").read(stored.uid) == MSG


def test_append_errors(logged: Harness) -> None:
    assert append(logged, "nosuch")[0].startswith(b"a NO [TRYCREATE]")
    assert append(logged, "INBOX (\\Recent)")[0] == b"a BAD " + R.BAD_APPEND_FLAG.encode()
    assert append(logged, 'INBOX "31-Feb-2021 10:11:12 +0200"')[0].startswith(b"a BAD")
    assert logged.cmd("a APPEND INBOX")[0].startswith(b"a BAD")


def test_append_to_selected_mailbox_reports_exists(logged: Harness) -> None:
    logged.select()
    lines = append(logged, "INBOX")
    assert lines[:2] == [b"* 1 EXISTS", b"* 1 RECENT"]
    assert lines[2].startswith(b"a OK [APPENDUID ")


def test_append_synchronising_literal(logged: Harness) -> None:
    assert logged.raw(b"a APPEND INBOX {%d}\r\n" % len(MSG)).startswith(b"+ ")
    assert logged.raw(MSG + b"\r\n").startswith(b"a OK [APPENDUID ")


def test_append_literal_too_large() -> None:
    h = Harness(max_literal=10)
    h.login()
    assert h.raw(b"a APPEND INBOX {11}\r\n") == b"a BAD [TOOBIG] literal too large\r\n"


# -- selected state (RFC 3501 §6.4) ---------------------------------------------------------
def test_check_close_unselect(logged: Harness) -> None:
    logged.store.put(USER, "INBOX", MSG, ["\\Deleted"])
    logged.store.put(USER, "INBOX", MSG)
    logged.select()
    assert logged.cmd("c CHECK") == [b"c OK CHECK completed"]
    assert logged.cmd("u UNSELECT") == [b"u OK UNSELECT completed"]
    assert len(logged.store.open_folder(USER, "INBOX").messages()) == 2
    logged.select()
    # RFC 3501 §6.4.2: CLOSE expunges silently.
    assert logged.cmd("c CLOSE") == [b"c OK CLOSE completed"]
    assert len(logged.store.open_folder(USER, "INBOX").messages()) == 1
    assert logged.session.state is State.AUTHENTICATED


def test_close_after_examine_expunges_nothing(logged: Harness) -> None:
    logged.store.put(USER, "INBOX", MSG, ["\\Deleted"])
    logged.ok("e EXAMINE INBOX")
    logged.ok("c CLOSE")
    assert len(logged.store.open_folder(USER, "INBOX").messages()) == 1


def test_expunge_reports_each_message(logged: Harness) -> None:
    for flags in (["\\Deleted"], [], ["\\Deleted"], ["\\Deleted"]):
        logged.store.put(USER, "INBOX", MSG, flags)
    logged.select()
    assert logged.cmd("x EXPUNGE") == [
        b"* 1 EXPUNGE", b"* 2 EXPUNGE", b"* 2 EXPUNGE", b"x OK EXPUNGE completed"
    ]  # fmt: skip


def test_expunge_while_pop3_holds_inbox(logged: Harness) -> None:
    logged.store.put(USER, "INBOX", MSG, ["\\Deleted"])
    logged.store.account(USER)["INBOX"].inuse = True
    logged.select()
    assert logged.cmd("x EXPUNGE")[0].startswith(b"x NO [INUSE]")
    assert logged.cmd("c CLOSE") == [b"c OK " + R.OK_CLOSE_INUSE.encode()]
    assert len(logged.store.open_folder(USER, "INBOX").messages()) == 1


# -- updates to other sessions (RFC 3501 §5.2, §7.4.1) ---------------------------------------
def test_other_session_changes_reported_on_noop() -> None:
    store = MemStore()
    a, b = Harness(store), Harness(store)
    for h in (a, b):
        h.login()
    uid = store.put(USER, "INBOX", MSG)
    store.put(USER, "INBOX", MSG)
    a.select()
    b.select()
    folder = store.open_folder(USER, "INBOX")
    folder.store_flags({uid: frozenset({"\\Deleted"})})
    folder.append(MSG)
    lines = b.cmd("n NOOP")
    assert lines[0] == b"* 3 EXISTS"
    assert lines[1] == b"* 1 RECENT"  # a saw the first two first (RFC 3501 §2.3.2)
    assert lines[2] == b"* 1 FETCH (UID 1 FLAGS (\\Deleted))"
    a.ok("x EXPUNGE")
    assert b.cmd("n NOOP") == [b"* 1 EXPUNGE", b"n OK NOOP completed"]


def test_no_expunge_while_answering_fetch_store_search() -> None:
    store = MemStore()
    a = Harness(store)
    a.login()
    store.put(USER, "INBOX", MSG)
    a.select()
    store.open_folder(USER, "INBOX").expunge([1])
    assert a.session.selection is not None
    assert a.session.selection.refresh(allow_expunge=False) == []
    assert len(a.session.selection) == 1  # still numbered as the client knows it
    assert a.cmd("n NOOP") == [b"* 1 EXPUNGE", b"n OK NOOP completed"]


def test_expunge_numbering_across_pending_ghosts() -> None:
    store = MemStore()
    a = Harness(store)
    a.login()
    for _ in range(4):
        store.put(USER, "INBOX", MSG)
    a.select()
    store.open_folder(USER, "INBOX").expunge([2, 4])
    assert a.cmd("c CHECK") == [b"* 2 EXPUNGE", b"* 3 EXPUNGE", b"c OK CHECK completed"]


# -- IDLE (RFC 2177) ---------------------------------------------------------------------
def test_idle_pushes_new_mail_and_ends_with_done(logged: Harness) -> None:
    logged.select()
    assert logged.cmd("i IDLE") == [b"+ " + R.CONTINUE_IDLE.encode()]
    assert logged.push() == b""
    before = logged.wakeups
    logged.store.put(USER, "INBOX", MSG)
    assert logged.wakeups > before
    assert logged.push() == b"* 1 EXISTS\r\n* 1 RECENT\r\n"
    logged.store.open_folder(USER, "INBOX").expunge([1])
    assert logged.push() == b"* 1 EXPUNGE\r\n"
    assert logged.cmd("done") == [b"i OK " + R.OK_IDLE.encode()]
    assert logged.push() == b""


def test_idle_other_line_is_bad(logged: Harness) -> None:
    logged.cmd("i IDLE")
    assert logged.cmd("NOOP") == [b"i BAD " + R.BAD_IDLE_DONE.encode()]
    assert logged.cmd("n NOOP") == [b"n OK NOOP completed"]


def test_idle_in_authenticated_state(logged: Harness) -> None:
    assert logged.cmd("i IDLE") == [b"+ idling"]
    assert logged.cmd("DONE") == [b"i OK IDLE terminated"]


def test_unwatch_on_deselect(logged: Harness) -> None:
    logged.select()
    logged.ok("u UNSELECT")
    assert not any(logged.store.watchers.values())


# -- ENABLE, ID, NAMESPACE (RFC 5161, 2971, 2342) -------------------------------------------
def test_enable(logged: Harness) -> None:
    assert logged.cmd("e ENABLE CONDSTORE") == [b"* ENABLED", b"e OK ENABLE completed"]
    assert logged.cmd("e ENABLE")[0].startswith(b"e BAD")
    logged.select()
    assert logged.cmd("e ENABLE X")[0].startswith(b"e BAD ENABLE is not valid in the selected")


def test_id(h: Harness) -> None:
    assert h.cmd("i ID NIL") == [
        b'* ID ("name" "mailspec reference" "version" "0.1.0")',
        b"i OK ID completed",
    ]
    assert h.cmd('i ID ("name" "test" "os" NIL)')[-1] == b"i OK ID completed"
    assert h.cmd('i ID ("name")')[0].startswith(b"i BAD ID:")
    assert h.cmd("i ID foo")[0].startswith(b"i BAD ID:")


def test_namespace(logged: Harness) -> None:
    assert logged.cmd("n NAMESPACE") == [
        b'* NAMESPACE (("" "/")) NIL NIL',
        b"n OK NAMESPACE completed",
    ]


def test_subclass_breaks_one_command() -> None:
    class Broken(ImapSession):
        def cmd_NOOP(self, command):  # type: ignore[no-untyped-def]
            self.untagged(b"1 EXISTS")
            return super().cmd_NOOP(command)

    h = Harness(session_class=Broken)
    assert h.cmd("n NOOP") == [b"* 1 EXISTS", b"n OK NOOP completed"]


def test_events_are_transport_events(h: Harness) -> None:
    assert all(isinstance(e, Send) for e in h.events(b"a NOOP\r\n"))


def test_status_recent_does_not_claim() -> None:
    # RFC 3501 §6.3.10 / §2.3.2: STATUS counts \Recent without taking it from the session
    # that selects the mailbox next.
    store = MemStore()
    a, b = Harness(store), Harness(store)
    for x in (a, b):
        x.login()
    store.put(USER, "INBOX", MSG)
    assert a.cmd("s STATUS INBOX (RECENT)")[0] == b"* STATUS INBOX (RECENT 1)"
    assert b"* 1 RECENT" in b.select()
    assert a.cmd("s STATUS INBOX (RECENT)")[0] == b"* STATUS INBOX (RECENT 0)"
    assert b.cmd("s STATUS INBOX (RECENT)")[0] == b"* STATUS INBOX (RECENT 1)"


def test_examine_does_not_take_recent() -> None:
    # RFC 3501 §6.3.2: EXAMINE ... no messages lose the \Recent flag.
    store = MemStore()
    a, b = Harness(store), Harness(store)
    for x in (a, b):
        x.login()
    store.put(USER, "INBOX", MSG)
    assert b"* 1 RECENT" in a.ok("e EXAMINE INBOX")
    store.put(USER, "INBOX", MSG)
    assert a.cmd("n NOOP")[:2] == [b"* 2 EXISTS", b"* 2 RECENT"]
    assert b"* 2 RECENT" in b.select()


def test_a_bug_in_a_command_answers_serverbug_and_keeps_the_connection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Buggy(ImapSession):
        def cmd_NOOP(self, command):  # type: ignore[no-untyped-def]
            self.untagged(b"1 EXISTS")
            raise RuntimeError("boom")

    h = Harness(session_class=Buggy)
    with caplog.at_level("ERROR"):
        assert h.cmd("n NOOP") == [b"n NO [SERVERBUG] " + R.NO_SERVERBUG.encode()]
    assert "boom" in caplog.text
    assert h.cmd("c CAPABILITY")[-1] == b"c OK CAPABILITY completed"
