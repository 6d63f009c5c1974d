"""The hard rule, tested: a run of the IMAP suite changes no mail it did not create.

A private Dovecot holds mail the suite did not put there - in INBOX and in folders of
the user's own (unread, flagged, answered; one folder whose name starts like the
suite's but is not a sandbox area) - plus the leftover area of an "earlier run". Then
the IMAP suite modules that exist run against it as an external server
(``imap://...``: the suite does not own INBOX), with two xdist workers (one account
each). tests/safety/ runs the whole suite as one worker with POP3 and IMAP together;
this one adds the per-worker areas, the sweep of an earlier run's area next to a user
folder that merely starts like one, and the subscriptions. Afterwards
every foreign message must be byte-, flag-, INTERNALDATE- and UID-identical, the user's
folders and subscriptions unchanged, the earlier run's area swept and no area of this
run left behind.

The snapshot is taken with EXAMINE and BODY.PEEK[] only (a FETCH BODY[] would set \\Seen).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mailspec.fixtures.core.target import Target
from mailspec.fixtures.core.transcript import Transcript
from mailspec.fixtures.imap.client import ImapClient
from mailspec.fixtures.imap.command_args import Astring, Literal
from mailspec.fixtures.imap.response_types import ListData
from mailspec.fixtures.imap.sandbox import AREA_NAME, imap_date_time
from mailspec.fixtures.providers import get_provider
from mailspec.fixtures.providers.base import ProviderSettings, ProviderUnavailable

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "suites" / "imap"
RUN_TIMEOUT = 1500  # seconds for the whole IMAP suite, two workers, on a shared machine

FOREIGN_FOLDERS = ("Archive", "Archive/2019", "mailspec-notes", "Travel plans")
STALE_AREA = "mailspec-0123456789ab-gw0"  # an earlier run's area, left by a crash


def message(n: int, subject: str) -> bytes:
    return (
        f"From: Owner <owner@example.org>\r\nTo: owner@example.org\r\n"
        f"Subject: {subject}\r\nDate: Mon, 02 Nov 2026 10:{n:02d}:00 +0100\r\n"
        f"Message-ID: <foreign-{n}@example.org>\r\n\r\n"
        f"Mail the suite did not create, number {n}.\r\n"
    ).encode()


@pytest.fixture
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """A fresh Dovecot per test: the sensitivity test changes the owner's mail."""
    provide = get_provider("dovecot")
    settings = ProviderSettings(workdir=tmp_path_factory.mktemp("dovecot"), accounts=2)
    try:
        with provide(settings) as target:
            yield target
    except ProviderUnavailable as exc:
        pytest.skip(f"Dovecot is not installed: {exc}")


def connect(target: Target, user: int = 0) -> ImapClient:
    assert target.imap is not None
    account = target.accounts[user]
    client = ImapClient(
        target.imap.host, target.imap.port, timeout=10, transcript=Transcript("safety")
    )
    client.connect()
    assert client.login(account.user, account.password).ok
    return client


def populate(client: ImapClient) -> None:
    """The owner's own mail: INBOX and folders, with flags and dates of their own."""
    when = datetime.datetime(2019, 5, 17, 8, 30, 0, tzinfo=datetime.UTC)
    folders = ("INBOX", *FOREIGN_FOLDERS, f"{STALE_AREA}/t3")
    for folder in folders[1:]:
        assert client.command("CREATE", Astring(folder)).ok
    assert client.command("SUBSCRIBE", Astring("Archive")).ok
    assert client.command("SUBSCRIBE", Astring("mailspec-notes")).ok
    n = 0
    for folder in folders:
        for flags in ((), ("\\Flagged",), ("\\Seen", "\\Answered"), ("$Label1",)):
            n += 1
            args = [Astring(folder), list(flags), f'"{imap_date_time(when)}"']
            result = client.command("APPEND", *args, Literal(message(n, f"{folder} {n}")))
            assert result.ok, result


def snapshot(client: ImapClient) -> dict[str, object]:
    """Every folder outside the sandbox areas: its messages as UID -> (flags, date,
    bytes), plus the folder list and the subscriptions."""
    listing = client.command("LIST", '""', Astring("*"))
    names = sorted(d.name for d in listing.data_of("LIST") if isinstance(d, ListData))
    subscribed = client.command("LSUB", '""', Astring("*"))
    state: dict[str, object] = {
        "folders": names,
        "subscriptions": sorted(d.name for d in subscribed.data_of("LSUB")),
    }
    for name in names:
        if AREA_NAME.match(name.split("/", 1)[0]):
            continue
        examined = client.command("EXAMINE", Astring(name))
        assert examined.ok, examined
        validity = examined.code_of("UIDVALIDITY")
        messages = {}
        exists = [r.number for r in examined.untagged_of("EXISTS")][-1]
        if exists:
            fetched = client.command("UID", "FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])")
            assert fetched.ok, fetched
            for response in fetched.untagged_of("FETCH"):
                data = response.data
                messages[data["UID"]] = (
                    tuple(sorted(f for f in data["FLAGS"] if f != "\\Recent")),
                    data["INTERNALDATE"],
                    data["BODY[]"],
                )
        state[name] = (validity.value if validity else None, messages)
    return state


def differences(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """What changed in the owner's mail, folders and subscriptions (empty: nothing)."""
    found: list[str] = []
    # The earlier run's area is swept; nothing else in the folder list may change.
    expected = [n for n in before["folders"] if not n.startswith(STALE_AREA)]  # type: ignore[attr-defined]
    leftovers = [n for n in after["folders"] if AREA_NAME.match(n.split("/", 1)[0])]  # type: ignore[attr-defined]
    if leftovers:
        found.append(f"sandbox folders left behind: {leftovers}")
    if [n for n in after["folders"] if n not in leftovers] != expected:  # type: ignore[attr-defined]
        found.append(f"folder list changed: {before['folders']} -> {after['folders']}")
    if after["subscriptions"] != before["subscriptions"]:
        found.append(
            f"subscriptions changed: {before['subscriptions']} -> {after['subscriptions']}"
        )
    for name, value in before.items():
        if name in ("folders", "subscriptions") or name.startswith(STALE_AREA):
            continue
        if name not in after:
            found.append(f"{name} is gone")
            continue
        validity, messages = value  # type: ignore[misc]
        after_validity, after_messages = after[name]  # type: ignore[misc]
        if after_validity != validity:
            found.append(f"UIDVALIDITY of {name} changed")
        for uid, foreign in messages.items():
            if after_messages.get(uid) != foreign:
                found.append(f"message UID {uid} in {name} changed or vanished")
        # Mail the suite added (and did not remove) must at least be recognisably its own.
        for uid, (_flags, _date, data) in after_messages.items():
            if uid not in messages and b"X-Mailspec-Seed:" not in data.split(b"\r\n\r\n", 1)[0]:
                found.append(f"{name} holds a new message (UID {uid}) without the suite's marker")
    return found


def run_suite(target: Target, paths: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert target.imap is not None
    url = f"imap://{target.imap.host}:{target.imap.port}"
    command = [
        sys.executable, "-m", "pytest", *paths, "--target", url,
        "--user", "mailspec%d", "--password", "secret-%d", "--users", "1-2",
        "-n", "2", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
        f"--junitxml={tmp_path / 'run.xml'}",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSPEC_")}
    # Every test still runs; the model-based ones with fewer examples (what they touch
    # is the point here, not how many examples they try).
    env["MAILSPEC_HYPOTHESIS_PROFILE"] = "mailspec-quick"
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )


def snapshots(target: Target) -> dict[int, dict[str, object]]:
    taken = {}
    for user in (0, 1):
        client = connect(target, user)
        taken[user] = snapshot(client)
        client.logout()
        client.close()
    return taken


def populated(target: Target) -> dict[int, dict[str, object]]:
    for user in (0, 1):
        client = connect(target, user)
        populate(client)
        client.logout()
        client.close()
    return snapshots(target)


def test_an_imap_suite_run_leaves_foreign_mail_untouched(dovecot: Target, tmp_path: Path):
    if not any(SUITE.glob("test_*.py")):
        pytest.skip("no IMAP suite modules yet")
    before = populated(dovecot)
    run = run_suite(dovecot, [str(SUITE)], tmp_path)
    summary = run.stdout.strip().splitlines()[-1:] if run.stdout.strip() else [run.stderr[-2000:]]
    # 0: all passed, 1: some tests failed - both are real runs; anything else is not.
    assert run.returncode in (0, 1), (
        f"the suite run did not complete: {summary}\n{run.stderr[-3000:]}"
    )
    assert " passed" in summary[0], summary
    after = snapshots(dovecot)
    for user in (0, 1):
        assert differences(before[user], after[user]) == [], f"user {user} (run: {summary})"


ROGUE = r'''
import pytest
from mailspec.fixtures.imap.command_args import Astring, Literal


@pytest.mark.rfc(3501, "6.4.6", "MUST")
def test_rogue(imap):
    """Changes the owner's mail: the comparison must notice each change."""
    client = imap.login()
    assert client.command("SELECT", Astring("Archive")).ok
    assert client.command("STORE", "1", "+FLAGS", ["\\Seen"]).ok
    assert client.command("APPEND", "INBOX", Literal(b"Subject: stray\r\n\r\nno marker\r\n")).ok
    assert client.command("UNSUBSCRIBE", Astring("mailspec-notes")).ok
'''


def test_the_comparison_catches_a_test_that_changes_foreign_mail(dovecot: Target, tmp_path: Path):
    """Sensitivity: a rogue module that flags, appends and unsubscribes is caught."""
    before = populated(dovecot)
    rogue = tmp_path / "test_rogue.py"
    rogue.write_text(ROGUE)
    run = run_suite(dovecot, [str(rogue), "--rootdir", str(tmp_path)], tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    after = snapshots(dovecot)
    found = [d for user in (0, 1) for d in differences(before[user], after[user])]
    assert any("UID 1 in Archive changed" in d for d in found), found
    assert any("INBOX holds a new message" in d for d in found), found
    assert any("subscriptions changed" in d for d in found), found
