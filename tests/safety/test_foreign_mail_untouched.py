"""A suite run leaves mail it did not create exactly as it was (README: "Your mail is
safe"). Against Dovecot — where RETR and FETCH BODY[] set \\Seen — with pre-existing
mail in INBOX and in a folder of the user's own (unread, flagged, answered), the POP3
suite runs with an IMAP endpoint beside it (so seeding and the suite's own IMAP use
happen too), then every foreign message is compared with its state before: bytes,
flags, internal date, UID; and the folder list. The IMAP suites have the same check,
with two workers, subscriptions and the sweep of earlier runs, in
tests/imap_fixtures/test_sandbox_safety.py; together the two cover the whole suite.

Only the standard library talks to Dovecot here (imaplib, smtplib), with BODY.PEEK so
that taking the snapshots changes nothing.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import shutil
import smtplib
import subprocess
import sys
from email.utils import formatdate
from pathlib import Path

import pytest
from mailspec.fixtures.core.target import Target
from mailspec.fixtures.providers import get_provider
from mailspec.fixtures.providers.base import ProviderSettings, ProviderUnavailable

pytestmark = pytest.mark.skipif(shutil.which("dovecot") is None, reason="Dovecot is not installed")

OWN_FOLDER = "Private"


def _message(n: int, address: str) -> bytes:
    return (
        f"From: Someone <someone{n}@example.org>\r\n"
        f"To: {address}\r\n"
        f"Subject: the user's own message {n}\r\n"
        f"Date: {formatdate()}\r\n"
        f"Message-ID: <own-{n}@example.org>\r\n"
        "\r\n"
        f"Mail the suite did not create ({n}).\r\n"
    ).encode()


def _imap(target: Target) -> imaplib.IMAP4:
    assert target.imap is not None
    client = imaplib.IMAP4(target.imap.host, target.imap.port, timeout=30)
    account = target.accounts[0]
    client.login(account.user, account.password)
    return client


def _snapshot(target: Target) -> dict[str, object]:
    client = _imap(target)
    try:
        typ, listing = client.list()
        assert typ == "OK", listing
        names = sorted(
            re.sub(rb'^\([^)]*\) (?:"[^"]*"|NIL) ', b"", line).decode().strip('"')
            for line in listing
            if isinstance(line, bytes)
        )
        state: dict[str, object] = {"folders": names}
        for folder in ("INBOX", OWN_FOLDER):
            typ, _ = client.select(folder, readonly=True)  # EXAMINE
            assert typ == "OK"
            typ, data = client.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])")
            assert typ == "OK", data
            messages = {}
            for item in data:
                if isinstance(item, tuple):
                    meta, body = item
                    uid = re.search(rb"UID (\d+)", meta)
                    flags = re.search(rb"FLAGS \(([^)]*)\)", meta)
                    date = re.search(rb'INTERNALDATE "([^"]+)"', meta)
                    assert uid and flags is not None and date, meta
                    if b"X-Mailspec-Seed:" in body.split(b"\r\n\r\n", 1)[0]:
                        continue  # the suite's own (a stale one would be swept)
                    messages[int(uid[1])] = (sorted(flags[1].split()), date[1], body)
            state[folder] = messages
        return state
    finally:
        with contextlib.suppress(Exception):
            client.logout()


@pytest.fixture
def dovecot_with_user_mail(tmp_path: Path):
    provide = get_provider("dovecot")
    try:
        with provide(ProviderSettings(workdir=tmp_path, accounts=2, tls=False)) as target:
            account = target.accounts[0]
            assert target.seed is not None and target.seed.kind == "lmtp"
            with smtplib.LMTP(target.seed.host, target.seed.port, timeout=30) as lmtp:
                for n in range(1, 5):
                    lmtp.sendmail("someone@example.org", [account.address], _message(n, account.address))
            client = _imap(target)
            try:
                client.create(OWN_FOLDER)
                for n in range(5, 8):
                    typ, data = client.append(OWN_FOLDER, r"(\Flagged)" if n == 5 else None, None, _message(n, account.address))
                    assert typ == "OK", data
                client.select("INBOX")
                # INBOX: 1 and 2 unread, 3 flagged, 4 read and answered.
                client.store("3", "+FLAGS", r"(\Flagged)")
                client.store("4", "+FLAGS", r"(\Seen \Answered)")
            finally:
                client.logout()
            yield target
    except ProviderUnavailable as exc:
        pytest.skip(str(exc))


def test_a_full_suite_run_leaves_foreign_mail_as_it_was(dovecot_with_user_mail: Target) -> None:
    target = dovecot_with_user_mail
    before = _snapshot(target)
    assert len(before["INBOX"]) == 4 and len(before[OWN_FOLDER]) == 3  # type: ignore[arg-type]
    account = target.accounts[0]
    assert target.pop3 is not None and target.imap is not None and target.seed is not None
    run = subprocess.run(
        [
            sys.executable, "-m", "mailspec", "-q", "-p", "no:cacheprovider",
            "--pyargs", "mailspec.suites.pop3",
            "--target", target.pop3.url, "--target", target.imap.url,
            "--user", account.user, "--password", account.password,
            "--seed", target.seed.url,
        ],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    # Dovecot has known deviations (exit 1); anything else means the run did not happen.
    assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    assert re.search(r"\d+ passed", run.stdout), run.stdout[-3000:]
    after = _snapshot(target)
    assert after["folders"] == before["folders"], "the suite left or removed folders"
    for folder in ("INBOX", OWN_FOLDER):
        for uid, (flags, date, body) in before[folder].items():  # type: ignore[union-attr]
            assert uid in after[folder], f"{folder} UID {uid} is gone"  # type: ignore[operator]
            got_flags, got_date, got_body = after[folder][uid]  # type: ignore[index]
            assert got_flags == flags, f"{folder} UID {uid}: flags {flags} became {got_flags}"
            assert got_date == date, f"{folder} UID {uid}: INTERNALDATE changed"
            assert got_body == body, f"{folder} UID {uid}: the message's bytes changed"
        assert set(after[folder]) == set(before[folder]), f"{folder}: foreign messages appeared"  # type: ignore[arg-type]
