"""The IMAP client against a scripted server: literals, tags, timeouts, IDLE, violations."""

from __future__ import annotations

import time

import pytest
from mailspec.fixtures.core.transcript import Transcript
from mailspec.fixtures.imap.client import ImapClient, ServerClosed
from mailspec.fixtures.imap.command_args import Astring, Literal, Quoted, encode
from mailspec.fixtures.imap.response_types import Literal8
from mailspec.fixtures.requirements import ServerTimeout, WireViolation

from .fake_imap import Connection, fake_imap, standard

PLAIN_GREETING = b"* OK [CAPABILITY IMAP4rev1 IDLE] plain\r\n"


@pytest.fixture
def client_for():
    """Connect to the fake server; every client is closed after the test."""
    opened: list[ImapClient] = []

    def connect(port: int, timeout: float = 2.0) -> ImapClient:
        client = ImapClient("127.0.0.1", port, timeout=timeout, transcript=Transcript("test"))
        opened.append(client)
        client.connect()
        return client

    yield connect
    for client in opened:
        client.close()


def test_command_collects_untagged_then_tagged(client_for):
    def handle(line: bytes, conn: Connection) -> None:
        tag = line.split(b" ")[0]
        conn.send(
            b"* 3 EXISTS\r\n* OK [UIDNEXT 9] next\r\n" + tag + b" OK [READ-WRITE] selected\r\n"
        )

    with fake_imap(handle) as (port, _):
        client = client_for(port)
        result = client.command("SELECT", Quoted("INBOX"))
        assert result.ok and result.code_name == "READ-WRITE"
        assert [r.kind for r in result.untagged] == ["EXISTS", "OK"]
        assert result.untagged_of("exists")[0].number == 3
        assert result.code_of("UIDNEXT").value == 9
        assert client.capabilities == ("IMAP4rev1", "LITERAL+", "IDLE", "NAMESPACE", "UNSELECT")


def test_a_completion_with_another_tag_is_a_violation(client_for):
    def handle(line: bytes, conn: Connection) -> None:
        conn.send(b"zz9 OK not yours\r\n")

    with fake_imap(handle) as (port, _):
        client = client_for(port)
        with pytest.raises(WireViolation, match="carries tag 'zz9'"):
            client.command("NOOP")


def test_an_untagged_completion_is_a_violation(client_for):
    def handle(line: bytes, conn: Connection) -> None:
        conn.send(b"* OK NOOP completed\r\n")  # and never the tagged one

    with fake_imap(handle) as (port, _):
        client = client_for(port, timeout=0.5)
        with pytest.raises(WireViolation, match="the last response was an untagged status"):
            client.command("NOOP")


def test_silence_is_a_timeout_within_the_deadline(client_for):
    with fake_imap(lambda line, conn: None) as (port, _):
        client = client_for(port, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(ServerTimeout, match=r"no complete response within 0\.5 s"):
            client.command("NOOP")
        assert time.monotonic() - started < 5


def test_a_grammar_violation_shows_the_line_and_a_caret(client_for):
    def handle(line: bytes, conn: Connection) -> None:
        conn.send(b"* 0 FETCH (UID 1)\r\n")

    with fake_imap(handle) as (port, _):
        client = client_for(port)
        with pytest.raises(WireViolation) as caught:
            client.command("FETCH", "1", "UID")
        text = str(caught.value)
        assert "S: * 0 FETCH (UID 1)\\r\\n" in text and "     ^ FETCH needs a non-zero" in text
        assert b"* 0 FETCH" in client.transcript.exchanges[-1].data


def test_a_synchronising_literal_waits_for_the_continuation(client_for):
    def handle(line: bytes, conn: Connection) -> None:
        if line.endswith(b"{5}"):
            conn.state["quiet_before_plus"] = conn.nothing_pending(0.3)
            conn.send(b"+ go ahead\r\n")
            data = conn.read_exact(5)
            rest = conn.read_line()
            conn.state["literal"] = (data, rest)
            conn.send(b"a1 OK appended\r\n")

    with fake_imap(handle, greeting=PLAIN_GREETING) as (port, connections):
        client = client_for(port)
        result = client.command("APPEND", "box", Literal(b"hello"))
        assert result.ok and [c.text for c in result.continuations] == ["go ahead"]
        state = connections[0].state
        assert state["quiet_before_plus"] is True
        assert state["literal"] == (b"hello", b"\r\n")


def test_a_refused_literal_ends_the_command_without_sending_it(client_for):
    def handle(line: bytes, conn: Connection) -> None:
        conn.send(line.split(b" ")[0] + b" NO [TOOBIG] too big\r\n")

    with fake_imap(handle, greeting=PLAIN_GREETING) as (port, connections):
        client = client_for(port)
        result = client.command("APPEND", "box", Literal(b"x" * 100))
        assert result.status == "NO" and result.code_name == "TOOBIG"
        assert not any(b"xxxx" in data for _, data in connections[0].received)


def test_literal_plus_is_used_when_announced(client_for):
    def handle(line: bytes, conn: Connection) -> None:
        if line.endswith(b"{5+}"):
            conn.state["data"] = conn.read_exact(5) + conn.read_line()
            conn.send(b"a1 OK appended\r\n")

    with fake_imap(handle) as (port, connections):  # greeting announces LITERAL+
        client = client_for(port)
        result = client.command("APPEND", "box", Literal(b"hello"))
        assert result.ok and not result.continuations
        assert connections[0].state["data"] == b"hello\r\n"


def test_literal_minus_allows_only_small_non_synchronising_literals():
    small = encode(["a1", "APPEND", Literal(b"x" * 4096)], literal_minus=True)
    large = encode(["a1", "APPEND", Literal(b"x" * 4097)], literal_minus=True)
    assert small[0].data.endswith(b"{4096+}\r\n") and not small[0].synchronising
    assert large[0].data.endswith(b"{4097}\r\n") and large[0].synchronising
    forced = encode(["a1", "APPEND", Literal(b"x", mode="plus")])
    assert forced[0].data.endswith(b"{1+}\r\n")


def test_astring_picks_atom_quoted_or_literal():
    chunks = encode(["a1", "LOGIN", Astring("bob"), Astring("pa ss"), Astring("NIL")])
    assert chunks[0].data == b'a1 LOGIN bob "pa ss" "NIL"\r\n'
    chunks = encode(["a1", "LOGIN", Astring("bob"), Astring('x"\\')])
    assert chunks[0].data == b'a1 LOGIN bob "x\\"\\\\"\r\n'
    chunks = encode(["a1", "LOGIN", Astring("bob"), Astring("line\nbreak")])
    assert chunks[0].data == b"a1 LOGIN bob {10}\r\n" and chunks[1].data == b"line\nbreak\r\n"
    assert encode(["a1", "STORE", "1", "+FLAGS", ["\\Seen", None, 3]])[0].data == (
        b"a1 STORE 1 +FLAGS (\\Seen NIL 3)\r\n"
    )


def test_login_reply_is_awaited_longer_than_the_io_timeout(client_for):
    def handle(line: bytes, conn: Connection) -> None:
        tag = line.split(b" ")[0]
        if b"LOGIN" in line:
            time.sleep(1.2)  # a server slowing a login down on purpose
        conn.send(tag + b" OK done\r\n")

    with fake_imap(handle) as (port, _):
        client = client_for(port, timeout=0.4)
        assert client.login("alice", "wonderland").ok
        with pytest.raises(ServerTimeout):
            client.read_response()  # an ordinary read still waits only 0.4 s


def test_bye_then_close_raises_server_closed_with_the_bye(client_for):
    def handle(line: bytes, conn: Connection) -> bool:
        conn.send(b"* BYE [UNAVAILABLE] shutting down\r\n")
        return True

    with fake_imap(handle) as (port, _):
        client = client_for(port)
        with pytest.raises(ServerClosed) as caught:
            client.command("NOOP")
        assert [r.kind for r in caught.value.untagged] == ["BYE"]


def test_an_unexpected_continuation_is_a_violation(client_for):
    with fake_imap(lambda line, conn: conn.send(b"+ more?\r\n")) as (port, _):
        client = client_for(port)
        with pytest.raises(WireViolation, match="continuation request"):
            client.command("NOOP")


def test_idle_start_read_and_done(client_for):
    def handle(line: bytes, conn: Connection) -> None:
        if line.endswith(b"IDLE"):
            conn.send(b"+ idling\r\n")
            time.sleep(0.2)
            conn.send(b"* 4 EXISTS\r\n* 1 RECENT\r\n")
            done = conn.read_line()
            conn.state["done"] = done
            conn.send(line.split(b" ")[0] + b" OK IDLE terminated\r\n")

    with fake_imap(handle) as (port, connections):
        client = client_for(port)
        tag, started = client.idle_start()
        assert started.continuations and started.tagged is None
        pushed = client.idle_read(timeout=3)
        assert [(r.kind, r.number) for r in pushed] == [("EXISTS", 4), ("RECENT", 1)]
        result = client.idle_done(tag)
        assert result.ok and connections[0].state["done"] == b"DONE\r\n"


def test_every_byte_is_in_the_transcript(client_for):
    with fake_imap(standard()) as (port, _):
        client = client_for(port)
        client.login("alice", "wonderland")
        client.logout()
        sent = b"".join(e.data for e in client.transcript.exchanges if e.direction == "C")
        received = b"".join(e.data for e in client.transcript.exchanges if e.direction == "S")
        assert sent == b"a1 LOGIN alice wonderland\r\na2 LOGOUT\r\n"
        assert received.startswith(b"* OK [CAPABILITY") and received.endswith(b"a2 OK logout\r\n")
        assert client.connection_closed(wait=2)


def test_responses_split_across_reads_and_many_in_one_read(client_for):
    def handle(line: bytes, conn: Connection) -> None:
        tag = line.split(b" ")[0]
        body = b"* 1 FETCH (BODY[] {11}\r\nhello world)\r\n"
        for index in range(0, len(body), 3):
            conn.send(body[index : index + 3])
        conn.send(b"* 2 EXISTS\r\n" * 50 + tag + b" OK done\r\n")

    with fake_imap(handle) as (port, _):
        client = client_for(port)
        result = client.command("FETCH", "1", "BODY[]")
        assert result.untagged[0].data["BODY[]"] == b"hello world"
        assert len(result.untagged_of("EXISTS")) == 50 and result.ok


def test_a_binary_literal8_split_across_reads(client_for):
    """RFC 3516 §4.3: BINARY[1]<4> ~{n} -- the octets (NUL, CR LF among them) are read
    by count, whatever arrives in which read, and come back as Literal8."""
    content = b"\x00\r\n)\r\na1 OK fake\r\n\x00"

    def handle(line: bytes, conn: Connection) -> None:
        tag = line.split(b" ")[0]
        reply = b"* 1 FETCH (BINARY[1]<4> ~{%d}\r\n%s UID 3)\r\n" % (len(content), content)
        for index in range(0, len(reply), 4):
            conn.send(reply[index : index + 4])
            time.sleep(0.002)
        conn.send(tag + b" OK done\r\n")

    with fake_imap(handle) as (port, _):
        client = client_for(port)
        result = client.command("FETCH", "1", "BINARY.PEEK[1]<4.30>")
        [fetch] = result.data_of("FETCH")
        assert fetch["BINARY[1]<4>"] == content and fetch["UID"] == 3
        assert isinstance(fetch["BINARY[1]<4>"], Literal8) and result.ok


def test_login_does_starttls_first_where_logindisabled(tmp_path):
    from mailspec.fixtures.core.target import Account, Endpoint, Target
    from mailspec.fixtures.imap.session import ImapConnections

    from .fake_imap import logindisabled, tls_contexts

    server_context, _client_context, ca_file = tls_contexts(tmp_path)
    greeting = b"* OK fake with LOGINDISABLED\r\n"
    with fake_imap(logindisabled(server_context), greeting=greeting) as (port, _):
        target = Target(
            "fake",
            imap=Endpoint("imap", "127.0.0.1", port),
            accounts=(Account("alice", "wonderland"),),
            ca_file=ca_file,
        )
        imap = ImapConnections(target, target.accounts[0], 3)
        try:
            client = imap.login()
            assert client.is_tls and client.state == "authenticated"
            assert client.capabilities == ("IMAP4rev1", "AUTH=PLAIN")  # asked again after TLS
            sent = b"".join(e.data for e in client.transcript.exchanges if e.direction == "C")
            assert sent.index(b"STARTTLS") < sent.index(b"LOGIN")
        finally:
            imap.close_all()


def test_data_before_the_tls_handshake_is_a_violation(client_for, tmp_path):
    from .fake_imap import logindisabled, tls_contexts

    server_context, client_context, _ = tls_contexts(tmp_path)
    handler = logindisabled(server_context, inject=b"* OK injected\r\n")
    with fake_imap(handler, greeting=b"* OK fake\r\n") as (port, _):
        client = client_for(port)
        result = client.command("STARTTLS")
        assert result.ok
        with pytest.raises(WireViolation, match="before the TLS handshake"):
            client.start_tls(client_context)


def test_imap_append_seeding_does_starttls_where_logindisabled(tmp_path):
    """fixtures/core/delivery.py (Seed kind imap) on a server that wants TLS first."""
    from mailspec.fixtures.core.delivery import deliver
    from mailspec.fixtures.core.target import Account, Endpoint, Seed, Target

    from .fake_imap import logindisabled, tls_contexts

    server_context, _client_context, ca_file = tls_contexts(tmp_path)
    with fake_imap(logindisabled(server_context), greeting=b"* OK fake\r\n") as (port, conns):
        target = Target(
            "fake",
            imap=Endpoint("imap", "127.0.0.1", port),
            accounts=(Account("alice", "wonderland"),),
            seed=Seed("imap"),
            ca_file=ca_file,
        )
        message = b"Subject: seeded\r\n\r\nbody\r\n"
        deliver(target, Seed("imap"), target.accounts[0], message, timeout=5)
        assert conns[0].state["appended"] == [message] and conns[0].state["tls"]
