"""The sans-IO POP3 core, driven without a network."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mailspec.reference_server.pop3 import replies as R
from mailspec.reference_server.pop3.protocol import (
    COMMANDS,
    Close,
    Pop3Session,
    Send,
    SessionConfig,
    StartTls,
    State,
    byte_stuff,
)
from mailspec.reference_server.storage.interface import StorageError
from mailspec.reference_server.users import UserDb
from refsrv_helpers import USERS, FakeStore

MSG1 = b"Subject: one\r\nFrom: a@b\r\n\r\nline 1\r\n.starts with dot\r\nline 3\r\n"
MSG2 = b"Subject: two\r\n\r\n.\r\n..\r\nend\r\n"
MSG3 = b"Subject: three, headers only\r\n"


def ok(text: str) -> bytes:
    return text.encode() + b"\r\n"


def unstuff(lines: list[bytes]) -> bytes:
    """The client side of RFC 1939 §3, written independently of the server."""
    return b"".join((ln[1:] if ln.startswith(b".") else ln) + b"\r\n" for ln in lines)


class Harness:
    def __init__(self, store: FakeStore | None = None, **config: object) -> None:
        self.store = store or FakeStore()
        self.session = Pop3Session(self.store, UserDb(USERS), SessionConfig(**config))  # type: ignore[arg-type]
        self.greeting = self.session.greeting()

    def events(self, data: bytes) -> list[object]:
        return list(self.session.receive_data(data))

    def raw(self, data: bytes) -> bytes:
        return b"".join(e.data for e in self.events(data) if isinstance(e, Send))

    def cmd(self, text: str | bytes) -> bytes:
        data = text.encode() if isinstance(text, str) else text
        replies = self.session.receive_line(data)
        assert len(replies) == 1
        return replies[0]

    def first(self, text: str | bytes) -> bytes:
        return self.cmd(text).split(b"\r\n", 1)[0]

    def multi(self, text: str) -> tuple[bytes, list[bytes]]:
        reply = self.cmd(text)
        assert reply.endswith(b"\r\n.\r\n"), reply
        lines = reply[: -len(b".\r\n")].split(b"\r\n")[:-1]
        return lines[0], lines[1:]

    def login(self, user: str = "mailspec1") -> None:
        assert self.cmd(f"USER {user}") == ok(R.OK_USER)
        assert self.cmd(f"PASS {USERS[user]}").startswith(b"+OK")
        assert self.session.state is State.TRANSACTION


@pytest.fixture
def store() -> FakeStore:
    s = FakeStore()
    for m in (MSG1, MSG2, MSG3):
        s.deliver("mailspec1", m)
    return s


@pytest.fixture
def h(store: FakeStore) -> Harness:
    harness = Harness(store)
    harness.login()
    return harness


# -- table and greeting ------------------------------------------------------------
def test_table_has_a_method_for_every_command() -> None:
    for name in COMMANDS:
        assert callable(getattr(Pop3Session, f"cmd_{name}"))


def test_greeting_has_apop_timestamp() -> None:
    g = Harness().greeting
    assert re.fullmatch(rb"\+OK .* <[0-9]+\.[0-9]+\.[0-9]+@[^>]+>\r\n", g)
    assert Harness().greeting != g  # unique per session


@pytest.mark.parametrize(
    "command", ["STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET", "TOP 1 0", "UIDL"]
)
def test_transaction_commands_refused_before_login(command: str) -> None:
    assert Harness().cmd(command) == ok(R.ERR_WRONG_STATE)


@pytest.mark.parametrize(
    "command", ["USER mailspec1", "PASS x", "APOP a " + "0" * 32, "AUTH PLAIN", "STLS", "UTF8"]
)
def test_authorization_commands_refused_after_login(h: Harness, command: str) -> None:
    assert h.cmd(command) == ok(R.ERR_WRONG_STATE)


@pytest.mark.parametrize(
    "line", [b"", b"FOO", b"XYZZY 1", b"LI", b"\x00\xff", b"LIST\x00", b" LIST", b"RETRX 1"]
)
def test_unknown_commands(h: Harness, line: bytes) -> None:
    assert h.cmd(line) == ok(R.ERR_UNKNOWN_COMMAND)


def test_commands_are_case_insensitive(h: Harness) -> None:
    assert h.cmd("stat") == h.cmd("StAt") == ok(f"+OK 3 {len(MSG1) + len(MSG2) + len(MSG3)}")


# -- USER / PASS / APOP / AUTH -----------------------------------------------------
def test_user_pass_success_and_maildrop_locked(store: FakeStore) -> None:
    h = Harness(store)
    h.login()
    assert "mailspec1" in store.locked


def test_wrong_password_gives_auth_code(store: FakeStore) -> None:
    h = Harness(store)
    h.cmd("USER mailspec1")
    assert h.cmd("PASS wrong") == ok(R.ERR_AUTH_FAILED)
    assert h.cmd("PASS secret-1") == ok(R.ERR_NEED_USER)  # USER must be repeated
    assert h.session.state is State.AUTHORIZATION


def test_unknown_user_fails_at_pass() -> None:
    h = Harness()
    assert h.cmd("USER nobody") == ok(R.OK_USER)
    assert h.cmd("PASS secret-1") == ok(R.ERR_AUTH_FAILED)


def test_pass_must_follow_user_immediately() -> None:
    h = Harness()
    h.cmd("USER mailspec1")
    h.cmd("CAPA")
    assert h.cmd("PASS secret-1") == ok(R.ERR_NEED_USER)


@pytest.mark.parametrize("line", ["USER", "USER a b", "USER  a", "USER a ", "PASS"])
def test_user_pass_syntax(line: str) -> None:
    h = Harness()
    if line == "PASS":
        h.cmd("USER mailspec1")
    assert h.cmd(line).startswith(b"-ERR")


def test_pass_keeps_spaces() -> None:
    store = FakeStore()
    s = Pop3Session(store, UserDb({"u": "with two  spaces "}))
    s.receive_line(b"USER u")
    assert s.receive_line(b"PASS with two  spaces ")[0].startswith(b"+OK")


def test_in_use(store: FakeStore) -> None:
    Harness(store).login()
    h2 = Harness(store)
    h2.cmd("USER mailspec1")
    assert h2.cmd("PASS secret-1") == ok(R.ERR_IN_USE)
    assert h2.session.state is State.AUTHORIZATION


@pytest.mark.parametrize("temporary,code", [(True, b"[SYS/TEMP]"), (False, b"[SYS/PERM]")])
def test_storage_failure_at_login(temporary: bool, code: bytes) -> None:
    store = FakeStore(fail_open=StorageError("broken", temporary=temporary))
    h = Harness(store)
    h.cmd("USER mailspec1")
    assert h.cmd("PASS secret-1").startswith(b"-ERR " + code)


def test_apop() -> None:
    h = Harness()
    ts = re.search(rb"<[^>]+>", h.greeting).group().decode()  # type: ignore[union-attr]
    assert h.cmd("APOP mailspec1 " + hashlib.md5(b"x").hexdigest()) == ok(R.ERR_AUTH_FAILED)
    digest = hashlib.md5((ts + "secret-1").encode()).hexdigest()
    assert h.cmd("APOP nobody " + digest) == ok(R.ERR_AUTH_FAILED)
    assert h.cmd("APOP mailspec1 " + digest.upper()) == ok(R.ERR_AUTH_FAILED)
    assert h.cmd("APOP mailspec1").startswith(b"-ERR")
    assert h.cmd("APOP mailspec1 " + digest).startswith(b"+OK")


def plain(user: str, password: str, authz: str = "") -> str:
    return base64.b64encode(f"{authz}\0{user}\0{password}".encode()).decode()


def test_auth_plain_initial_response() -> None:
    h = Harness()
    assert h.cmd("AUTH plain " + plain("mailspec1", "secret-1")).startswith(b"+OK")


def test_auth_plain_continuation() -> None:
    h = Harness()
    assert h.cmd("AUTH PLAIN") == b"+ \r\n"
    assert h.cmd(plain("mailspec1", "secret-1")).startswith(b"+OK")


def test_auth_cancel_bad_base64_and_failures() -> None:
    h = Harness()
    assert h.cmd("AUTH PLAIN") == b"+ \r\n"
    assert h.cmd("*") == ok(R.ERR_AUTH_CANCELLED)
    assert h.cmd("AUTH PLAIN") == b"+ \r\n"
    assert h.cmd("not base64!") == ok(R.ERR_AUTH_BASE64)
    assert h.cmd("AUTH PLAIN " + plain("mailspec1", "nope")) == ok(R.ERR_AUTH_FAILED)
    assert h.cmd("AUTH PLAIN " + plain("mailspec1", "secret-1", "mailspec2")) == ok(
        R.ERR_AUTH_FAILED
    )
    assert h.cmd("AUTH PLAIN =") == ok(R.ERR_AUTH_MALFORMED)  # "=" is empty, not PLAIN
    assert h.cmd("AUTH CRAM-MD5") == ok(R.ERR_AUTH_MECHANISM)
    assert h.cmd("AUTH PLAIN a b") == ok(R.ERR_SYNTAX)
    assert h.session.state is State.AUTHORIZATION


def test_auth_alone_lists_mechanisms() -> None:
    first, lines = Harness().multi("AUTH")
    assert first.startswith(b"+OK") and lines == [b"PLAIN"]


def test_auth_long_line_allowed() -> None:
    h = Harness()
    assert h.raw(b"AUTH PLAIN\r\n") == b"+ \r\n"
    long_response = base64.b64encode(b"\0mailspec1\0" + b"x" * 600).decode()
    assert h.raw(long_response.encode() + b"\r\n") == ok(R.ERR_AUTH_FAILED)


# -- CAPA / STLS / UTF8 ------------------------------------------------------------
def test_capa_in_both_states() -> None:
    h = Harness(tls_available=True)
    first, caps = h.multi("CAPA")
    assert first.startswith(b"+OK")
    for cap in (
        b"TOP",
        b"UIDL",
        b"USER",
        b"SASL PLAIN",
        b"RESP-CODES",
        b"AUTH-RESP-CODE",
        b"PIPELINING",
        b"EXPIRE NEVER",
        b"LOGIN-DELAY 0",
        b"STLS",
        b"UTF8 USER",
    ):
        assert cap in caps
    assert any(c.startswith(b"IMPLEMENTATION ") for c in caps)
    h.login()
    # RFC 2449 §5: AUTHORIZATION capabilities MUST be announced in both states; STLS
    # only where it is permitted (RFC 2595 §4: AUTHORIZATION).
    assert h.multi("CAPA")[1] == [cap for cap in caps if cap != b"STLS"]
    assert h.cmd("STLS") == ok(R.ERR_WRONG_STATE)


def test_stls_flow_discards_pipelined_plaintext() -> None:
    h = Harness(tls_available=True)
    events = h.events(b"STLS\r\nUSER mailspec1\r\n")
    assert events == [Send(ok(R.OK_STLS)), StartTls()]
    h.session.tls_started()
    assert h.raw(b"PASS secret-1\r\n") == ok(R.ERR_NEED_USER)  # the USER was dropped
    _, caps = h.multi("CAPA")
    assert b"STLS" not in caps
    assert h.cmd("STLS") == ok(R.ERR_TLS_ACTIVE)


def test_no_plaintext_login_before_tls() -> None:
    h = Harness(tls_available=True, plaintext_login=False)
    caps = h.multi("CAPA")[1]
    assert b"USER" not in caps and not any(c.startswith(b"SASL") for c in caps)
    assert h.multi("AUTH")[1] == []
    assert h.cmd("USER mailspec1") == ok(R.ERR_NEED_TLS)
    assert h.cmd("AUTH PLAIN " + plain("mailspec1", "secret-1")) == ok(R.ERR_NEED_TLS)
    h.events(b"STLS\r\n")
    h.session.tls_started()
    caps = h.multi("CAPA")[1]
    assert b"USER" in caps and b"SASL PLAIN" in caps
    h.login()


def test_stls_without_tls() -> None:
    h = Harness()
    assert b"STLS" not in h.multi("CAPA")[1]
    assert h.cmd("STLS") == ok(R.ERR_TLS_UNAVAILABLE)


def test_utf8_gates_non_ascii_user() -> None:
    name = "jürgen".encode()
    store = FakeStore()
    s = Pop3Session(store, UserDb({"jürgen": "pw"}))
    assert s.receive_line(b"USER " + name)[0] == ok(R.ERR_NOT_UTF8)
    assert s.receive_line(b"UTF8")[0] == ok(R.OK_UTF8)
    assert s.receive_line(b"USER \xff")[0] == ok(R.ERR_BAD_UTF8)
    assert s.receive_line(b"USER " + name)[0] == ok(R.OK_USER)
    assert s.receive_line(b"PASS pw")[0].startswith(b"+OK")


def test_lang() -> None:
    h = Harness()
    assert h.multi("LANG") == (ok(R.OK_LANG_LIST)[:-2], [b"en English"])
    assert h.cmd("LANG *") == h.cmd("LANG EN") == ok("+OK en language is now English")
    assert h.cmd("LANG x-nope") == ok(R.ERR_LANG)
    assert h.cmd("LANG en de") == ok(R.ERR_SYNTAX)
    h.login()
    assert h.cmd("LANG en").startswith(b"+OK")


# -- TRANSACTION -------------------------------------------------------------------
def test_stat_list_uidl(h: Harness) -> None:
    assert h.cmd("STAT") == ok(f"+OK 3 {len(MSG1) + len(MSG2) + len(MSG3)}")
    first, lines = h.multi("LIST")
    assert first.startswith(b"+OK")
    assert lines == [b"1 %d" % len(MSG1), b"2 %d" % len(MSG2), b"3 %d" % len(MSG3)]
    assert h.cmd("LIST 2") == ok(f"+OK 2 {len(MSG2)}")
    _, uids = h.multi("UIDL")
    assert uids == [b"1 uid-1", b"2 uid-2", b"3 uid-3"]
    assert h.cmd("UIDL 3") == ok("+OK 3 uid-3")


def test_retr_is_stuffed_and_exact(h: Harness) -> None:
    for n, msg in enumerate((MSG1, MSG2, MSG3), 1):
        first, lines = h.multi(f"RETR {n}")
        assert first == b"+OK %d octets" % len(msg)
        assert unstuff(lines) == msg
    assert h.cmd(
        "RETR 2"
    ) == b"+OK %d octets\r\nSubject: two\r\n\r\n..\r\n...\r\nend\r\n.\r\n" % len(MSG2)


@pytest.mark.parametrize(
    "n,expected",
    [
        (0, b"Subject: one\r\nFrom: a@b\r\n\r\n"),
        (2, b"Subject: one\r\nFrom: a@b\r\n\r\nline 1\r\n.starts with dot\r\n"),
        (99, MSG1),
    ],
)
def test_top(h: Harness, n: int, expected: bytes) -> None:
    first, lines = h.multi(f"TOP 1 {n}")
    assert first.startswith(b"+OK")
    assert unstuff(lines) == expected


def test_top_headers_only_message(h: Harness) -> None:
    assert unstuff(h.multi("TOP 3 5")[1]) == MSG3


@pytest.mark.parametrize(
    "line,reply",
    [
        ("LIST 0", R.ERR_NO_SUCH_MESSAGE),
        ("LIST 4", R.ERR_NO_SUCH_MESSAGE),
        ("LIST 99999999999", R.ERR_NO_SUCH_MESSAGE),
        ("LIST 0001", f"+OK 1 {len(MSG1)}"),
        ("LIST -1", R.ERR_SYNTAX),
        ("LIST +1", R.ERR_SYNTAX),
        ("LIST one", R.ERR_SYNTAX),
        ("LIST 1 2", R.ERR_SYNTAX),
        ("LIST  1", R.ERR_SYNTAX),
        ("LIST 1 ", R.ERR_SYNTAX),
        ("RETR", R.ERR_SYNTAX),
        ("RETR 1 1", R.ERR_SYNTAX),
        ("RETR x", R.ERR_SYNTAX),
        ("RETR 0", R.ERR_NO_SUCH_MESSAGE),
        ("RETR 4", R.ERR_NO_SUCH_MESSAGE),
        ("DELE", R.ERR_SYNTAX),
        ("DELE 4", R.ERR_NO_SUCH_MESSAGE),
        ("DELE 1 2", R.ERR_SYNTAX),
        ("TOP 1", R.ERR_SYNTAX),
        ("TOP", R.ERR_SYNTAX),
        ("TOP 1 -1", R.ERR_SYNTAX),
        ("TOP 1 x", R.ERR_SYNTAX),
        ("TOP 4 0", R.ERR_NO_SUCH_MESSAGE),
        ("TOP 1 0 0", R.ERR_SYNTAX),
        ("UIDL 0", R.ERR_NO_SUCH_MESSAGE),
        ("UIDL x", R.ERR_SYNTAX),
        ("UIDL 1 2", R.ERR_SYNTAX),
        ("STAT 1", R.ERR_SYNTAX),
        ("NOOP x", R.ERR_SYNTAX),
        ("RSET 1", R.ERR_SYNTAX),
        ("QUIT now", R.ERR_SYNTAX),
        ("CAPA x", R.ERR_SYNTAX),
    ],
)
def test_argument_errors(h: Harness, line: str, reply: str) -> None:
    assert h.cmd(line) == ok(reply)
    assert h.session.state is State.TRANSACTION


def test_deleted_messages(h: Harness, store: FakeStore) -> None:
    assert h.cmd("DELE 2") == ok("+OK message 2 deleted")
    deleted = ok(R.ERR_DELETED.format(number=2))
    for line in ("DELE 2", "LIST 2", "RETR 2", "TOP 2 0", "UIDL 2"):
        assert h.cmd(line) == deleted, line
    assert h.cmd("STAT") == ok(f"+OK 2 {len(MSG1) + len(MSG3)}")
    assert h.multi("LIST")[1] == [b"1 %d" % len(MSG1), b"3 %d" % len(MSG3)]  # no renumbering
    assert h.multi("UIDL")[1] == [b"1 uid-1", b"3 uid-3"]
    assert h.cmd("NOOP") == ok("+OK")
    assert h.cmd("RSET").startswith(b"+OK")
    assert h.cmd("LIST 2") == ok(f"+OK 2 {len(MSG2)}")
    h.cmd("DELE 1")
    h.cmd("DELE 3")
    assert h.cmd("QUIT") == ok(R.OK_QUIT.format(count=1))
    assert store.commits == [[0, 2]]
    assert [m for m, _ in store.boxes["mailspec1"]] == ["uid-2"]
    assert not store.locked


def test_disconnect_commits_nothing(h: Harness, store: FakeStore) -> None:
    h.cmd("DELE 1")
    h.session.connection_lost()
    assert store.commits == [] and len(store.boxes["mailspec1"]) == 3 and not store.locked


def test_quit_in_authorization() -> None:
    h = Harness()
    assert h.events(b"QUIT\r\nNOOP\r\n") == [Send(ok(R.OK_QUIT_AUTH)), Close()]
    assert h.events(b"NOOP\r\n") == []


def test_quit_commit_failure(h: Harness, store: FakeStore) -> None:
    store.fail_commit = True
    h.cmd("DELE 1")
    assert h.cmd("QUIT") == ok(R.ERR_QUIT_FAILED)
    assert not store.locked and h.session.state is State.CLOSED


def test_read_failure_is_sys_perm(h: Harness, store: FakeStore) -> None:
    store.fail_reads = True
    assert h.cmd("RETR 1").startswith(b"-ERR [SYS/PERM]")


def test_new_mail_not_visible_in_session(h: Harness, store: FakeStore) -> None:
    store.deliver("mailspec1", b"late\r\n")
    assert h.cmd("STAT").startswith(b"+OK 3 ")
    assert h.cmd("LIST 4") == ok(R.ERR_NO_SUCH_MESSAGE)


# -- framing, pipelining -----------------------------------------------------------
def test_pipelining_answers_in_order(store: FakeStore) -> None:
    h = Harness(store)
    out = h.raw(b"USER mailspec1\r\nPASS secret-1\r\nSTAT\r\nLIST 1\r\nNOOP\r\nBOGUS\r\nQUIT\r\n")
    lines = out.split(b"\r\n")
    assert lines[0] == b"+OK send PASS"
    assert lines[1].startswith(b"+OK maildrop")
    assert lines[2].startswith(b"+OK 3 ") and lines[3] == b"+OK 1 %d" % len(MSG1)
    assert lines[4:7] == [
        b"+OK",
        R.ERR_UNKNOWN_COMMAND.encode(),
        b"+OK signing off (3 messages left)",
    ]


def test_split_reads_and_bare_lf(store: FakeStore) -> None:
    h = Harness(store)
    assert h.raw(b"US") == b""
    assert h.raw(b"ER mailspec1\r") == b""
    assert h.raw(b"\nPASS secret-1\n").count(b"+OK") == 2


def test_overlong_line_rejected_once() -> None:
    h = Harness()
    assert h.raw(b"NOOP " + b"x" * 300 + b"\r\n") == ok(R.ERR_LINE_TOO_LONG)
    assert h.raw(b"USER " + b"y" * 400) == ok(R.ERR_LINE_TOO_LONG)
    assert h.raw(b"z" * 1000) == b""
    assert h.raw(b"\r\nCAPA\r\n").startswith(b"+OK")
    assert h.raw(b"USER " + b"a" * 248 + b"\r\n") == ok(R.OK_USER)  # 255 octets: a line
    assert h.raw(b"USER " + b"a" * 249 + b"\r\n") == ok(R.ERR_LINE_TOO_LONG)


def test_endless_line_closes() -> None:
    h = Harness(max_garbage=10_000)
    events = h.events(b"x" * 5000)
    assert events == [Send(ok(R.ERR_LINE_TOO_LONG))]
    events = h.events(b"x" * 20_000)
    assert events == [Send(ok(R.ERR_GARBAGE_CLOSE)), Close()]


def test_reply_lines_at_most_512_octets(h: Harness) -> None:
    for line in (
        "CAPA",
        "STAT",
        "LIST",
        "UIDL",
        "LIST 1",
        "UIDL 1",
        "NOOP",
        "RSET",
        "TOP 1 0",
        "DELE 1",
        "DELE 1",
        "RETR 9",
        "FOO",
        "QUIT",
    ):
        status = h.cmd(line).split(b"\r\n")[0]
        assert len(status) + 2 <= 512


# -- subclassing hook --------------------------------------------------------------
def test_subclass_breaks_one_command(store: FakeStore) -> None:
    class OffByOne(Pop3Session):
        def cmd_STAT(self, arg: bytes | None) -> bytes:
            good = super().cmd_STAT(arg)
            count, size = good.split()[1:3]
            return b"+OK %s %d\r\n" % (count, int(size) + 1)

    s = OffByOne(store, UserDb(USERS))
    s.receive_line(b"USER mailspec1")
    s.receive_line(b"PASS secret-1")
    assert s.receive_line(b"STAT")[0] == b"+OK 3 %d\r\n" % (len(MSG1) + len(MSG2) + len(MSG3) + 1)


# -- properties --------------------------------------------------------------------
crlf_lines = st.lists(
    st.binary(max_size=20).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    max_size=20,
).map(lambda ls: b"".join(x + b"\r\n" for x in ls))


@given(crlf_lines)
def test_stuffing_round_trip(message: bytes) -> None:
    stuffed = byte_stuff(message)
    lines = stuffed.split(b"\r\n")[:-1] if stuffed else []
    assert b"." not in lines  # no line can be mistaken for the terminator
    assert unstuff(lines) == message


@given(st.lists(crlf_lines, min_size=1, max_size=5))
def test_sizes_and_retr_agree(messages: list[bytes]) -> None:
    store = FakeStore()
    for m in messages:
        store.deliver("mailspec1", m)
    h = Harness(store)
    h.login()
    assert h.cmd("STAT") == ok(f"+OK {len(messages)} {sum(map(len, messages))}")
    for n, m in enumerate(messages, 1):
        first, lines = h.multi(f"RETR {n}")
        assert first == b"+OK %d octets" % len(m)
        assert unstuff(lines) == m
