"""The IMAP listeners of ``python -m mailspec.reference_server`` on the real mbox store:
ready-file fields, imaplib end to end, implicit TLS, and one INBOX shared with SMTP
delivery and POP3."""

from __future__ import annotations

import imaplib
import json
import poplib
import signal
import smtplib
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from .imap_harness import PASSWORD, USER, USERS

TIMEOUT = 10.0


@pytest.fixture(scope="module")
def ready(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    work = tmp_path_factory.mktemp("imap-cli")
    (work / "users").write_text("".join(f"{u}:{p}\n" for u, p in USERS.items()))
    ready_file = work / "ready.json"
    log = work / "server.log"
    argv = [sys.executable, "-m", "mailspec.reference_server", "--data", str(work / "data"),
            "--users", str(work / "users"), "--pop3-port", "0", "--smtp-port", "0",
            "--imap-port", "0", "--imaps-port", "0", "--tls-auto",
            "--ready-file", str(ready_file)]  # fmt: skip
    with open(log, "ab") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while not ready_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError("server did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.05)
    yield json.loads(ready_file.read_text())
    process.send_signal(signal.SIGTERM)
    try:
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ready_file_has_imap_ports(ready: dict[str, object]) -> None:
    assert isinstance(ready["imap"], int) and isinstance(ready["imaps"], int)


def test_folders_and_messages_with_imaplib(ready: dict[str, object]) -> None:
    client = imaplib.IMAP4("127.0.0.1", int(ready["imap"]), timeout=TIMEOUT)  # type: ignore[call-overload]
    assert "STARTTLS" in client.capabilities
    client.login(USER, PASSWORD)
    assert client.create("cli-a")[0] == "OK"
    assert client.rename("cli-a", "cli-b")[0] == "OK"
    assert client.subscribe("cli-b")[0] == "OK"
    assert client.lsub('""', "cli-*")[1] == [b'() "/" "cli-b"']
    message = b"Subject: cli\r\nFrom: a@example.org\r\n\r\nhello\r\n"
    typ, data = client.append("cli-b", "(\\Flagged)", '"05-Mar-2021 10:11:12 +0200"', message)
    assert typ == "OK" and data[0].startswith(b"[APPENDUID ")
    assert client.select("cli-b") == ("OK", [b"1"])
    typ, data = client.fetch("1", "(FLAGS INTERNALDATE BODY.PEEK[])")
    assert data[0][0].startswith(
        b'1 (FLAGS (\\Flagged \\Recent) INTERNALDATE "05-Mar-2021 10:11:12 +0200"'
    )
    assert data[0][1] == message
    assert client.close()[0] == "OK"
    assert client.delete("cli-b")[0] == "OK"
    client.logout()


def test_implicit_tls(ready: dict[str, object]) -> None:
    context = ssl.create_default_context(cafile=str(ready["ca_file"]))
    client = imaplib.IMAP4_SSL("127.0.0.1", int(ready["imaps"]), ssl_context=context,  # type: ignore[call-overload]
                               timeout=TIMEOUT)  # fmt: skip
    assert client.login(USER, PASSWORD)[0] == "OK"
    client.logout()


def test_inbox_after_folder_work_shows_no_foreign_message(ready: dict[str, object]) -> None:
    """After test_folders_and_messages_with_imaplib (CREATE, RENAME, SUBSCRIBE, APPEND,
    SELECT, FETCH, CLOSE, DELETE of another folder), INBOX must still be empty."""
    client = imaplib.IMAP4("127.0.0.1", int(ready["imap"]), timeout=TIMEOUT)  # type: ignore[call-overload]
    client.login(USER, PASSWORD)
    status = client.status("INBOX", "(MESSAGES UIDNEXT)")[1][0]
    client.logout()
    assert status == b"INBOX (MESSAGES 0 UIDNEXT 1)"


def test_one_inbox_for_smtp_pop3_and_imap(ready: dict[str, object]) -> None:
    user, password = "mailspec2", USERS["mailspec2"]
    client = imaplib.IMAP4("127.0.0.1", int(ready["imap"]), timeout=TIMEOUT)  # type: ignore[call-overload]
    client.login(user, password)
    _typ, data = client.select("INBOX")
    before = int(data[0])
    with smtplib.SMTP("127.0.0.1", int(ready["smtp"]), timeout=TIMEOUT) as smtp:  # type: ignore[call-overload]
        smtp.sendmail("x@example.org", [f"{user}@localhost"], b"Subject: shared\r\n\r\nboth\r\n")
    client.noop()
    assert client.response("EXISTS")[1][-1] == b"%d" % (before + 1)
    pop = poplib.POP3("127.0.0.1", int(ready["pop3"]), timeout=TIMEOUT)  # type: ignore[call-overload]
    pop.user(user)
    pop.pass_(password)
    assert pop.stat()[0] == before + 1
    pop.quit()
    client.logout()
