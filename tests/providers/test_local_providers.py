"""Start each local-process provider for real and talk to it with the standard library.

Each provider is skipped, with its ProviderUnavailable reason, where its server is not
installed. After every ``with`` no process the provider started may be left running.
"""

from __future__ import annotations

import imaplib
import os
import poplib
import select
import shutil
import ssl
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from mailspec.fixtures.core.target import Target

from conftest import ProcessTracker, StartProvider, make_message, seed_message

LOCAL = [
    pytest.param("dovecot", None, id="dovecot-maildir"),
    pytest.param("dovecot", "mbox", id="dovecot-mbox"),
    pytest.param("mailutils", None, id="mailutils"),
    pytest.param("cyrus", None, id="cyrus"),
    pytest.param("courier", None, id="courier"),
]
TIMEOUT = 20


def pop3_stat(target: Target, n: int = 0) -> tuple[int, int]:
    """USER / PASS / STAT / QUIT on the plain POP3 endpoint."""
    assert target.pop3 is not None
    account = target.accounts[n]
    client = poplib.POP3(target.pop3.host, target.pop3.port, timeout=TIMEOUT)
    try:
        assert client.getwelcome().startswith(b"+OK")
        assert client.user(account.user).startswith(b"+OK")
        assert client.pass_(account.password).startswith(b"+OK")
        count, size = client.stat()
    finally:
        quit_reply = client.quit()
    assert quit_reply.startswith(b"+OK")
    return count, size


def imap_round_trip(target: Target, n: int = 0) -> int:
    """LOGIN / SELECT INBOX / LOGOUT; returns the EXISTS count SELECT reported."""
    assert target.imap is not None
    account = target.accounts[n]
    client = imaplib.IMAP4(target.imap.host, target.imap.port, timeout=TIMEOUT)
    try:
        typ, _ = client.login(account.user, account.password)
        assert typ == "OK"
        typ, data = client.select("INBOX")
        assert typ == "OK", data
        exists = int(data[0] or b"0")
    finally:
        typ, _ = client.logout()
    assert typ == "BYE"  # imaplib reports the untagged BYE of a clean LOGOUT
    return exists


@pytest.mark.parametrize(("name", "variant"), LOCAL)
def test_login_seed_and_clean_exit(
    name: str, variant: str | None, start_provider: StartProvider, tracker: ProcessTracker
) -> None:
    with start_provider(name, variant=variant, accounts=2) as target:
        tracker.snapshot()
        assert target.name == name
        assert len(target.accounts) == 2
        assert pop3_stat(target) == (0, 0)
        assert imap_round_trip(target) == 0

        account = target.accounts[0]
        seed_message(target, account, make_message(account, uuid.uuid4().hex))
        count, size = pop3_stat(target)
        assert count == 1
        assert size > 0
        assert imap_round_trip(target) == 1
        # The second account is separate.
        assert pop3_stat(target, 1) == (0, 0)
        tracker.snapshot()  # again: some servers start helpers on first use
    tracker.assert_all_gone()


@pytest.mark.parametrize(("name", "variant"), LOCAL)
def test_tls_endpoints(
    name: str, variant: str | None, start_provider: StartProvider, tracker: ProcessTracker
) -> None:
    """With settings.tls the CA verifies STLS, STARTTLS and the implicit-TLS ports."""
    with start_provider(name, variant=variant, accounts=1, tls=True) as target:
        tracker.snapshot()
        assert target.ca_file is not None
        assert target.pop3 is not None and target.imap is not None
        context = ssl.create_default_context(cafile=target.ca_file)
        account = target.accounts[0]
        info = dict(target.info)

        pop3 = poplib.POP3(target.pop3.host, target.pop3.port, timeout=TIMEOUT)
        pop3.stls(context)
        pop3.user(account.user)
        pop3.pass_(account.password)
        assert pop3.stat() == (0, 0)
        pop3.quit()

        imap = imaplib.IMAP4(target.imap.host, target.imap.port, timeout=TIMEOUT)
        imap.starttls(context)
        assert imap.login(account.user, account.password)[0] == "OK"
        imap.logout()

        host, port = info["pop3s"].rsplit(":", 1)
        pop3s = poplib.POP3_SSL(host, int(port), context=context, timeout=TIMEOUT)
        pop3s.user(account.user)
        pop3s.pass_(account.password)
        pop3s.quit()

        host, port = info["imaps"].rsplit(":", 1)
        imaps = imaplib.IMAP4_SSL(host, int(port), ssl_context=context, timeout=TIMEOUT)
        assert imaps.login(account.user, account.password)[0] == "OK"
        imaps.logout()
    tracker.assert_all_gone()


@pytest.mark.parametrize(("name", "variant"), LOCAL)
def test_interrupt_cleans_up(
    name: str, variant: str | None, start_provider: StartProvider, tracker: ProcessTracker
) -> None:
    """A KeyboardInterrupt inside the with-block passes through and stops everything."""
    with (
        pytest.raises(KeyboardInterrupt),
        start_provider(name, variant=variant, accounts=1, tls=False) as target,
    ):
        tracker.snapshot()
        assert target.pop3 is not None
        # An open session must not keep the server alive either.
        client = poplib.POP3(target.pop3.host, target.pop3.port, timeout=TIMEOUT)
        try:
            raise KeyboardInterrupt
        finally:
            client.sock.close()
            client.file.close()
    tracker.assert_all_gone()


CHILD = """
import sys, pathlib
from mailspec.fixtures.providers import get_provider
from mailspec.fixtures.providers.base import ProviderSettings, ProviderUnavailable
settings = ProviderSettings(
    workdir=pathlib.Path(sys.argv[2]), accounts=1, tls=False,
    variant=sys.argv[3] or None,
)
try:
    with get_provider(sys.argv[1])(settings) as target:
        print("READY", flush=True)
        sys.stdin.read()
except ProviderUnavailable as exc:
    print("UNAVAILABLE", exc, flush=True)
"""


@pytest.mark.parametrize(("name", "variant"), LOCAL)
def test_killed_provider_takes_server_down(
    name: str, variant: str | None, tmp_path: Path, tracker: ProcessTracker
) -> None:
    """SIGKILL of the process holding the provider (no clean-up code runs at all)
    still stops the server: PR_SET_PDEATHSIG, and the inetd listener's parent check."""
    # The killed provider cannot remove its runtime folder: give it a root of its own
    # (short, for socket paths), so that only its leftovers are removed here.
    runtime_root = Path(tempfile.mkdtemp(prefix="mst-", dir="/tmp"))
    runtime_root.chmod(0o755)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, name, str(tmp_path), variant or ""],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "MAILSPEC_RUNTIME_ROOT": str(runtime_root)},
    )
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], 60)
        assert ready, "the provider did not start within 60 s"
        line = child.stdout.readline().strip()
        if line.startswith("UNAVAILABLE"):
            pytest.skip(f"{name}: {line.removeprefix('UNAVAILABLE ')}")
        assert line == "READY", line
        tracker.snapshot(root=child.pid)
    finally:
        child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
    try:
        tracker.assert_all_gone(timeout=15)
    finally:
        shutil.rmtree(runtime_root, ignore_errors=True)
