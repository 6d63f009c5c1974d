"""The running server (a subprocess): real clients, delivery, TLS, hostile input."""

from __future__ import annotations

import os
import poplib
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from refsrv_helpers import READ_TIMEOUT, USERS, LineClient, RunningServer, ServerFactory

CORPUS = [
    b"Subject: plain\r\nFrom: a@example.org\r\n\r\nHello.\r\n",
    b"Subject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\nFrom the start\r\n>From quoted\r\n",
    b"Subject: long\r\n\r\n" + b"x" * 1500 + b"\r\n",
    "Subject: 8bit\r\n\r\nGrüße, ĉu vi?\r\n".encode(),
    b"Subject: bare lf\n\nline one\nline two\r\n",
]


def deliver(
    server: RunningServer, rcpt: str, message: bytes, sender: str = "s@example.org"
) -> None:
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=READ_TIMEOUT) as smtp:
        smtp.sendmail(sender, [rcpt], message)


def pop(server: RunningServer, user: str = "mailspec1") -> poplib.POP3:
    client = poplib.POP3("127.0.0.1", server.port("pop3"), timeout=READ_TIMEOUT)
    client.user(user)
    client.pass_(USERS[user])
    return client


def strip_trace(lines: list[bytes]) -> list[bytes]:
    assert lines[0].startswith(b"Return-Path: <")
    assert lines[1].startswith(b"Received: from ")
    assert lines[2].startswith(b"\tby ") and lines[3].startswith(b"\t")
    return lines[4:]


def test_smtp_to_poplib_byte_exact(server_factory: ServerFactory) -> None:
    server = server_factory.start()
    for m in CORPUS:
        deliver(server, "mailspec1@localhost", m)
    client = pop(server)
    try:
        count, total = client.stat()
        assert count == len(CORPUS)
        _, listing, _ = client.list()
        sizes = [int(x.split()[1]) for x in listing]
        assert sum(sizes) == total
        for n, original in enumerate(CORPUS, 1):
            _, lines, octets = client.retr(n)
            assert octets == sizes[n - 1] == sum(len(x) + 2 for x in lines)
            expected = original.replace(b"\r\n", b"\n").split(b"\n")[:-1]
            assert strip_trace(lines) == expected
    finally:
        client.quit()


def test_unknown_recipient_refused(server_factory: ServerFactory) -> None:
    server = server_factory.start()
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        deliver(server, "nobody@localhost", b"x\r\n")
    assert info.value.recipients["nobody@localhost"][0] == 550
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        deliver(server, "mailspec1@elsewhere.example", b"x\r\n")


def test_lmtp_replies_per_recipient(server_factory: ServerFactory) -> None:
    server = server_factory.start("--no-trace-headers")
    with LineClient(server.port("lmtp")) as c:
        assert c.readline().startswith(b"220")
        c.send(b"LHLO test\r\n")
        while not c.readline().startswith(b"250 "):
            pass
        assert c.cmd("MAIL FROM:<s@example.org>").startswith(b"250")
        assert c.cmd("RCPT TO:<mailspec1@localhost>").startswith(b"250")
        assert c.cmd("RCPT TO:<ghost@localhost>").startswith(b"550")
        assert c.cmd("RCPT TO:<mailspec2@localhost>").startswith(b"250")
        assert c.cmd("DATA").startswith(b"354")
        c.send(b"Subject: lmtp\r\n\r\nbody\r\n.\r\n")
        assert c.readline().startswith(b"250") and c.readline().startswith(b"250")
    for user in ("mailspec1", "mailspec2"):
        client = pop(server, user)
        assert client.retr(1)[1] == [b"Subject: lmtp", b"", b"body"]
        client.quit()


def test_message_over_the_size_limit_is_refused_and_not_stored(
    server_factory: ServerFactory,
) -> None:
    server = server_factory.start("--max-message-size", "2000")
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=READ_TIMEOUT) as smtp:
        smtp.ehlo()
        assert smtp.esmtp_features.get("size") == "2000"  # RFC 1870 §4: announced
        big = b"Subject: big\r\n\r\n" + b"x" * 3000 + b"\r\n"
        # A client that declares the size (MAIL FROM ... SIZE=) is refused at MAIL.
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            smtp.sendmail("s@example.org", ["mailspec1@localhost"], big)
        assert refused.value.smtp_code == 552
        # One that does not is refused after DATA, and the message is dropped.
        assert smtp.mail("s@example.org")[0] == 250
        assert smtp.rcpt("mailspec1@localhost")[0] == 250
        code, _ = smtp.data(big)
        assert code == 552
        # The session goes on: a message within the limit is delivered.
        smtp.sendmail("s@example.org", ["mailspec1@localhost"], b"Subject: ok\r\n\r\nx\r\n")
    client = pop(server)
    assert client.stat()[0] == 1
    assert b"Subject: ok" in client.retr(1)[1]
    client.quit()


def test_max_message_size_must_be_positive(server_factory: ServerFactory) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "reference_server", "--max-message-size", "0"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert "--max-message-size: must be at least 1, not 0" in run.stderr


def test_uidl_stable_across_restart_and_quit_deletes(server_factory: ServerFactory) -> None:
    server = server_factory.start()
    for i in range(3):
        deliver(server, "mailspec1@localhost", b"Subject: %d\r\n\r\nx\r\n" % i)
    client = pop(server)
    uids = client.uidl()[1]
    client.dele(2)
    client.quit()
    server.stop()
    again = server_factory.start(data=server.data)
    client = pop(again)
    assert client.uidl()[1] == [b"1 " + uids[0].split()[1], b"2 " + uids[2].split()[1]]
    client.quit()


def test_disconnect_deletes_nothing_and_releases_lock(shared_server: RunningServer) -> None:
    deliver(shared_server, "mailspec3@localhost", b"Subject: keep\r\n\r\nx\r\n")
    with LineClient(shared_server.port("pop3")) as c:
        c.readline()
        c.login("mailspec3")
        count = int(c.cmd("STAT").split()[1])
        assert c.cmd("DELE 1").startswith(b"+OK")
        with LineClient(shared_server.port("pop3")) as other:
            other.readline()
            other.cmd("USER mailspec3")
            assert other.cmd("PASS secret-3").startswith(b"-ERR [IN-USE]")
    time.sleep(0.2)
    client = pop(shared_server, "mailspec3")
    assert client.stat()[0] == count
    client.quit()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl(server_factory: ServerFactory) -> None:
    server = server_factory.start("--no-trace-headers")
    deliver(server, "mailspec1@localhost", CORPUS[1])
    deliver(server, "mailspec1@localhost", CORPUS[0])
    base = f"pop3://mailspec1:secret-1@127.0.0.1:{server.port('pop3')}/"
    run = ["curl", "-sS", "--max-time", "5"]
    out = subprocess.run([*run, base], capture_output=True, check=True).stdout
    assert out == b"1 %d\r\n2 %d\r\n" % (len(CORPUS[1]), len(CORPUS[0]))
    assert subprocess.run([*run, base + "1"], capture_output=True, check=True).stdout == CORPUS[1]
    assert subprocess.run([*run, base + "2"], capture_output=True, check=True).stdout == CORPUS[0]


def test_stls_and_implicit_tls(shared_server: RunningServer) -> None:
    assert shared_server.ca_file
    ctx = ssl.create_default_context(cafile=shared_server.ca_file)
    client = poplib.POP3("127.0.0.1", shared_server.port("pop3"), timeout=READ_TIMEOUT)
    assert "STLS" in client.capa()
    client.stls(ctx)
    assert "STLS" not in client.capa()
    with pytest.raises(poplib.error_proto):
        client._shortcmd("STLS")  # type: ignore[attr-defined]
    client.user("mailspec1")
    client.pass_("secret-1")
    client.quit()
    tls = poplib.POP3_SSL(
        "127.0.0.1", shared_server.port("pop3s"), context=ctx, timeout=READ_TIMEOUT
    )
    assert "STLS" not in tls.capa()
    tls.user("mailspec1")
    tls.pass_("secret-1")
    tls.quit()


# -- hostile input: -ERR or a clean close, and the server keeps serving -------------
def test_overlong_and_garbage_lines(shared_server: RunningServer) -> None:
    with LineClient(shared_server.port("pop3")) as c:
        c.readline()
        assert c.cmd(b"NOOP " + b"a" * 5000) == b"-ERR line too long"
        assert c.cmd(b"\x00\x01\x02\xff\xfe garbage") == b"-ERR unknown command"
        assert c.cmd(b"\x16\x03\x01\x02\x00\x01\x00") == b"-ERR unknown command"  # TLS hello
        assert c.cmd(b"HELO there") == b"-ERR unknown command"
        assert c.cmd(b"GET / HTTP/1.1") == b"-ERR unknown command"
        c.login()
        assert c.cmd("STAT").startswith(b"+OK")
        assert c.cmd("QUIT").startswith(b"+OK")


def test_megabytes_without_line_end_are_dropped(shared_server: RunningServer) -> None:
    with LineClient(shared_server.port("pop3")) as c:
        c.readline()
        try:
            for _ in range(40):
                c.send(b"A" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert c.readline() == b"-ERR line too long"
        assert c.readline().startswith(b"-ERR too much data")
        assert c.is_closed()


def test_binary_flood_then_disconnect(shared_server: RunningServer) -> None:
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", shared_server.port("pop3")), 5) as s:
            s.sendall(bytes(range(256)) * 64)
    with LineClient(shared_server.port("pop3s")) as c:  # plaintext to the TLS port
        c.send(b"CAPA\r\n")
        assert c.is_closed()
    client = pop(shared_server)
    client.quit()


def test_client_that_never_reads_is_dropped(shared_server: RunningServer) -> None:
    big = b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 1000
    deliver(shared_server, "mailspec2@localhost", big)
    sock = socket.create_connection(("127.0.0.1", shared_server.port("pop3")), 5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        sock.sendall(b"USER mailspec2\r\nPASS secret-2\r\n" + b"RETR 1\r\n" * 100)
        started = time.monotonic()
        # Meanwhile the server answers others.
        client = pop(shared_server)
        client.noop()
        client.quit()
        # After the write timeout (1.5 s) the server gives up on the reader.
        deadline = started + 10
        closed = False
        while time.monotonic() < deadline and not closed:
            try:
                sock.sendall(b"NOOP\r\n")
            except OSError:
                closed = True
            time.sleep(0.2)
        assert closed, "server kept the connection of a client that never reads"
    finally:
        sock.close()
    time.sleep(0.1)
    client = pop(shared_server, "mailspec2")  # the maildrop lock was released
    client.quit()


def test_idle_autologout(shared_server: RunningServer) -> None:
    with LineClient(shared_server.port("pop3")) as c:
        c.readline()
        c.login()
        c.sock.settimeout(8)
        assert c.readline().startswith(b"-ERR autologout")
        assert c.is_closed()


def test_abrupt_disconnects(shared_server: RunningServer) -> None:
    for payload in (
        b"",
        b"USER mailspec1\r\n",
        b"USER mailspec1\r\nPASS secret-1\r\nDELE 1\r\n",
        b"AUTH PLAIN\r\n",
        b"STLS\r\n",
    ):
        s = socket.create_connection(("127.0.0.1", shared_server.port("pop3")), 5)
        s.sendall(payload)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()  # RST
    time.sleep(0.2)
    client = pop(shared_server)
    client.quit()


@pytest.mark.skipif(shutil.which("fetchmail") is None, reason="fetchmail not installed")
def test_fetchmail_over_stls(server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory.start("--tls-auto")
    for m in CORPUS[:3]:
        deliver(server, "mailspec1@localhost", m)
    out = tmp_path / "fetched.mbox"
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        f"poll localhost via 127.0.0.1 service {server.port('pop3')} protocol pop3 uidl\n"
        f"  user mailspec1 password secret-1 sslcertfile {server.ca_file} sslproto tls1.2+\n"
        f'  sslcertck sslcommonname localhost mda "cat >> {out}"\n'
    )
    rc.chmod(0o600)
    result = subprocess.run(
        ["fetchmail", "-f", str(rc), "--nodetach", "-i", str(tmp_path / "ids")],
        env={"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "")},
        capture_output=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    fetched = out.read_bytes()
    for m in CORPUS[:3]:
        assert m.replace(b"\r\n", b"\n") in fetched
    client = pop(server)
    assert client.stat()[0] == 0  # fetchmail deleted what it fetched
    client.quit()


def test_sigterm_with_open_session_commits_nothing(server_factory: ServerFactory) -> None:
    server = server_factory.start()
    deliver(server, "mailspec1@localhost", CORPUS[0])
    with LineClient(server.port("pop3")) as c:
        c.readline()
        c.login()
        assert c.cmd("DELE 1").startswith(b"+OK")
        started = time.monotonic()
        assert server.stop() == 0
        assert time.monotonic() - started < 5
    again = server_factory.start(data=server.data)
    client = pop(again)
    assert client.stat()[0] == 1
    client.quit()
