"""Real IMAP clients against the reference server, unchanged (issue 9): folders created,
listed, renamed, deleted and subscribed, mail fetched and synchronised.

Each client is the one a user has: Python's imaplib and imapclient, and from Debian
curl, mbsync (isync), fetchmail, getmail6 and mutt (driven in tmux, as a person would).
Tests skip, with the reason, where a client is not installed.
"""

from __future__ import annotations

import contextlib
import imaplib
import shutil
import smtplib
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mailspec.fixtures.core.target import Target
from mailspec.fixtures.providers import reference
from mailspec.fixtures.providers.base import ProviderSettings

MESSAGE = (
    b"From: Interop <interop@example.org>\r\n"
    b"To: Alice <alice@example.org>\r\n"
    b"Subject: interop %d\r\n"
    b"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
    b"Message-ID: <interop-%d@example.org>\r\n"
    b"\r\n"
    b"Hello from the interop test, message %d.\r\n"
)


def message(n: int) -> bytes:
    return MESSAGE % (n, n, n)


def needs(*programs: str) -> pytest.MarkDecorator:
    missing = [p for p in programs if shutil.which(p) is None]
    return pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Target]:
    with reference.provide(ProviderSettings(workdir=tmp_path / "server", accounts=1, tls=False)) as target:
        assert target.imap is not None, "the reference server offers no IMAP endpoint"
        yield target


def deliver(target: Target, *numbers: int) -> None:
    assert target.seed is not None
    account = target.accounts[0]
    with smtplib.SMTP(target.seed.host, target.seed.port, timeout=30) as smtp:
        for n in numbers:
            smtp.sendmail("interop@example.org", [account.address], message(n))


@contextlib.contextmanager
def imap(target: Target) -> Iterator[imaplib.IMAP4]:
    assert target.imap is not None
    client = imaplib.IMAP4(target.imap.host, target.imap.port, timeout=30)
    account = target.accounts[0]
    client.login(account.user, account.password)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def folder_names(client: imaplib.IMAP4, pattern: str = "*") -> set[str]:
    typ, data = client.list('""', pattern)
    assert typ == "OK", data
    names = set()
    for line in data:
        if isinstance(line, bytes):
            names.add(line.rsplit(b" ", 1)[-1].strip(b'"').decode())
    return names


def test_imaplib_folders_and_messages(server: Target) -> None:
    deliver(server, 1, 2)
    with imap(server) as client:
        assert client.create("Projects/2026")[0] == "OK"
        assert {"INBOX", "Projects", "Projects/2026"} <= folder_names(client)
        assert client.subscribe("Projects/2026")[0] == "OK"
        typ, data = client.lsub('""', "*")
        assert typ == "OK" and any(b"Projects/2026" in line for line in data), data
        assert client.rename("Projects", "Archive")[0] == "OK"
        assert {"Archive", "Archive/2026"} <= folder_names(client)
        assert "Projects/2026" not in folder_names(client)
        assert client.append("Archive/2026", r"(\Flagged)", None, message(3))[0] == "OK"
        typ, data = client.select("INBOX")
        assert typ == "OK" and data == [b"2"], data
        typ, data = client.fetch("1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert typ == "OK"
        subjects = [item[1] for item in data if isinstance(item, tuple)]
        assert subjects == [b"Subject: interop 1\r\n\r\n", b"Subject: interop 2\r\n\r\n"], data
        typ, data = client.search(None, "SUBJECT", "interop 2")
        assert (typ, data) == ("OK", [b"2"])
        assert client.copy("1", "Archive/2026")[0] == "OK"
        assert client.store("1", "+FLAGS", r"(\Deleted)")[0] == "OK"
        typ, data = client.expunge()
        assert (typ, data) == ("OK", [b"1"]), data
        client.close()
        typ, data = client.status("Archive/2026", "(MESSAGES)")
        assert typ == "OK" and b"MESSAGES 2" in data[0], data
        assert client.delete("Archive/2026")[0] == "OK"
        assert "Archive/2026" not in folder_names(client)


def test_imapclient_folders_and_messages(server: Target) -> None:
    imapclient = pytest.importorskip("imapclient")
    deliver(server, 1)
    assert server.imap is not None
    account = server.accounts[0]
    with imapclient.IMAPClient(server.imap.host, port=server.imap.port, ssl=False, timeout=30) as client:
        client.login(account.user, account.password)
        client.create_folder("Työ/Käynnissä")  # modified UTF-7 on the wire
        names = {name for _flags, _delim, name in client.list_folders()}
        assert {"INBOX", "Työ", "Työ/Käynnissä"} <= names, names
        client.subscribe_folder("Työ/Käynnissä")
        assert "Työ/Käynnissä" in {n for _f, _d, n in client.list_sub_folders()}
        client.rename_folder("Työ/Käynnissä", "Työ/Valmis")
        client.append("Työ/Valmis", message(9), flags=[imapclient.SEEN])
        client.select_folder("Työ/Valmis")
        uids = client.search(["SEEN"])
        assert len(uids) == 1
        fetched = client.fetch(uids, ["ENVELOPE", "RFC822.SIZE"])
        envelope = fetched[uids[0]][b"ENVELOPE"]
        assert envelope.subject == b"interop 9"
        assert fetched[uids[0]][b"RFC822.SIZE"] == len(message(9))
        client.unselect_folder() if client.has_capability("UNSELECT") else client.close_folder()
        client.delete_folder("Työ/Valmis")
        assert "Työ/Valmis" not in {n for _f, _d, n in client.list_folders()}
        client.select_folder("INBOX", readonly=True)
        assert len(client.search("ALL")) == 1
        client.logout()


@needs("curl")
def test_curl_lists_fetches_and_creates(server: Target) -> None:
    deliver(server, 1)
    assert server.imap is not None
    account = server.accounts[0]
    base = f"imap://{server.imap.host}:{server.imap.port}"
    curl = ["curl", "-sS", "--max-time", "20", "-u", f"{account.user}:{account.password}"]
    made = subprocess.run([*curl, f"{base}/", "-X", "CREATE Reports"], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    listing = subprocess.run([*curl, f"{base}/"], capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    assert "INBOX" in listing.stdout and "Reports" in listing.stdout, listing.stdout
    fetched = subprocess.run([*curl, f"{base}/INBOX;UID=1"], capture_output=True, timeout=60)
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.replace(b"\r\n", b"\n").endswith(b"Hello from the interop test, message 1.\n")


@needs("mbsync")
def test_mbsync_synchronises_both_ways(server: Target, tmp_path: Path) -> None:
    deliver(server, 1, 2)
    with imap(server) as client:
        assert client.create("Lists")[0] == "OK"
        assert client.append("Lists", None, None, message(5))[0] == "OK"
    assert server.imap is not None
    account = server.accounts[0]
    local = tmp_path / "Mail"
    local.mkdir()
    rc = tmp_path / "mbsyncrc"
    rc.write_text(
        f"IMAPAccount ref\nHost {server.imap.host}\nPort {server.imap.port}\n"
        f"User {account.user}\nPass {account.password}\nSSLType None\nAuthMechs LOGIN\n\n"
        "IMAPStore ref-remote\nAccount ref\n\n"
        f"MaildirStore ref-local\nPath {local}/\nInbox {local}/INBOX\nSubFolders Verbatim\n\n"
        "Channel ref\nFar :ref-remote:\nNear :ref-local:\nPatterns *\nCreate Both\n"
        "Expunge Both\nSyncState *\n"
    )
    run = subprocess.run(["mbsync", "-c", str(rc), "-a"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(list((local / "INBOX" / "cur").iterdir()) + list((local / "INBOX" / "new").iterdir())) == 2
    assert len(list((local / "Lists" / "new").iterdir()) + list((local / "Lists" / "cur").iterdir())) == 1
    # A folder made locally is created on the server by the next sync.
    for sub in ("cur", "new", "tmp"):
        (local / "Drafts" / sub).mkdir(parents=True)
    (local / "Drafts" / "new" / f"{int(time.time())}.1.local").write_bytes(message(7).replace(b"\r\n", b"\n"))
    run = subprocess.run(["mbsync", "-c", str(rc), "-a"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    with imap(server) as client:
        assert "Drafts" in folder_names(client)
        typ, data = client.status("Drafts", "(MESSAGES)")
        assert typ == "OK" and b"MESSAGES 1" in data[0], data


@needs("fetchmail")
def test_fetchmail_over_imap(server: Target, tmp_path: Path) -> None:
    deliver(server, 1, 2, 3)
    assert server.imap is not None
    account = server.accounts[0]
    out = tmp_path / "delivered"
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        f"poll {server.imap.host} service {server.imap.port} protocol IMAP\n"
        f'  user "{account.user}" password "{account.password}" is root here\n'
        f"  mda \"/bin/sh -c 'cat >> {out}'\"\n  keep\n  sslproto ''\n"
    )
    rc.chmod(0o600)
    run = subprocess.run(
        ["fetchmail", "-f", str(rc), "--nodetach", "-i", str(tmp_path / "ids")],
        capture_output=True, text=True, timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    text = out.read_bytes()
    for n in (1, 2, 3):
        assert b"Subject: interop %d" % n in text
    with imap(server) as client:  # keep: nothing was removed
        _typ, data = client.select("INBOX", readonly=True)
        assert data == [b"3"], data


@needs("getmail")
def test_getmail_over_imap(server: Target, tmp_path: Path) -> None:
    deliver(server, 1, 2)
    assert server.imap is not None
    account = server.accounts[0]
    # getmail refuses to deliver as root: its delivery runs as nobody, in a folder that
    # nobody can reach (pytest's tmp_path lies under a 0700 folder).
    drop = Path(tempfile.mkdtemp(prefix="mailspec-getmail-"))
    drop.chmod(0o777)
    mbox = drop / "inbox.mbox"
    mbox.write_bytes(b"")
    mbox.chmod(0o666)
    rc = tmp_path / "getmailrc"
    rc.write_text(
        "[retriever]\ntype = SimpleIMAPRetriever\n"
        f"server = {server.imap.host}\nport = {server.imap.port}\n"
        f"username = {account.user}\npassword = {account.password}\nmailboxes = ('INBOX',)\n\n"
        f"[destination]\ntype = Mboxrd\npath = {mbox}\nuser = nobody\n\n"
        "[options]\nread_all = true\ndelete = false\n"
    )
    run = subprocess.run(
        ["getmail", "--rcfile", str(rc), "--getmaildir", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    text = mbox.read_bytes()
    shutil.rmtree(drop)
    assert b"Subject: interop 1" in text and b"Subject: interop 2" in text


@needs("mutt", "tmux")
def test_mutt_opens_the_inbox_and_a_folder(server: Target, tmp_path: Path) -> None:
    deliver(server, 1)
    with imap(server) as client:
        assert client.create("Receipts")[0] == "OK"
        assert client.append("Receipts", None, None, message(4))[0] == "OK"
    assert server.imap is not None
    account = server.accounts[0]
    url = f"imap://{account.user}@{server.imap.host}:{server.imap.port}"
    muttrc = tmp_path / "muttrc"
    muttrc.write_text(
        f'set imap_pass="{account.password}"\nset folder="{url}/"\nset spoolfile="{url}/INBOX"\n'
        "set ssl_starttls=no\nset ssl_force_tls=no\nset imap_check_subscribed=no\n"
        "set header_cache=\nset message_cachedir=\nset mail_check=60\nset timeout=0\n"
    )
    session = f"mutt-{tmp_path.name}"[:40]
    tmux = ["tmux", "-L", session]
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "160", "-y", "40", "-s", session,
         f"mutt -n -F {muttrc}"],
        check=True, timeout=30, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "TERM": "xterm"},
    )  # fmt: skip
    try:
        screen = wait_for_screen(tmux, session, "interop 1")
        assert "interop 1" in screen
        subprocess.run([*tmux, "send-keys", "-t", session, "c", f"={'Receipts'}", "Enter"], check=True, timeout=10)
        screen = wait_for_screen(tmux, session, "interop 4")
        assert "interop 4" in screen
        subprocess.run([*tmux, "send-keys", "-t", session, "q"], check=True, timeout=10)
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, timeout=10)


def wait_for_screen(tmux: list[str], session: str, text: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True, timeout=10
        ).stdout
        if text in screen:
            return screen
        time.sleep(0.3)
    return screen
