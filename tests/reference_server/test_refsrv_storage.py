"""The mbox store: format round trip, stable UIDs, locking, recovery."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mailspec.reference_server.storage import MaildropInUse, MboxStore, StorageError, mboxrd

USER = "mailspec1"


def fresh(tmp_path: Path, **kw: float) -> MboxStore:
    return MboxStore(tmp_path, **kw)


def contents(store: MboxStore, user: str = USER) -> list[tuple[str, bytes]]:
    drop = store.open_maildrop(user)
    try:
        return [(m.uid, drop.read(i)) for i, m in enumerate(drop.messages)]
    finally:
        drop.release()


messages = st.lists(
    st.sampled_from(
        [
            b"From ",
            b">From ",
            b">>From x",
            b"\r\n",
            b"\n",
            b"\r",
            b".",
            b"a",
            b" ",
            b"From:",
            b"\x00",
            b"\xff",
            b"\r\n\r\n",
            b"\nFrom ",
        ]
    ),
    max_size=25,
).map(b"".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(messages, min_size=1, max_size=4))
def test_round_trip_is_exact(batch: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = MboxStore(Path(tmp))
        for m in batch:
            store.deliver(USER, m, envelope_from="x@y")
        got = contents(store)
        assert [data for _, data in got] == [mboxrd.normalize_crlf(m) for m in batch]
        drop = store.open_maildrop(USER)
        assert [m.size for m in drop.messages] == [len(d) for _, d in got]
        drop.release()


@given(messages)
def test_record_encoding_round_trip(message: bytes) -> None:
    wire = mboxrd.normalize_crlf(message)
    record = mboxrd.encode_record(wire, "a@b")
    assert mboxrd.decode_record(record) == wire
    assert list(mboxrd.split_records(record + record)) == [
        (0, len(record)),
        (len(record), len(record)),
    ]


def test_file_is_mboxrd(tmp_path: Path) -> None:
    store = fresh(tmp_path)
    store.deliver(USER, b"Subject: x\r\n\r\nFrom me\r\n>From you\r\n", envelope_from="s@h")
    text = (tmp_path / "mail" / USER / "INBOX.mbox").read_bytes()
    assert text.startswith(b"From s@h ")
    assert text.endswith(b"\nSubject: x\n\n>From me\n>>From you\n\n")


def test_uids_stable_across_reopen_and_never_reused(tmp_path: Path) -> None:
    store = fresh(tmp_path)
    for i in range(4):
        store.deliver(USER, b"m%d\r\n" % i)
    before = contents(store)
    assert [u for u, _ in contents(fresh(tmp_path))] == [u for u, _ in before]
    drop = store.open_maildrop(USER)
    drop.commit([3])
    drop.release()
    store.deliver(USER, b"new\r\n")
    after = contents(fresh(tmp_path))
    assert [u for u, _ in after[:3]] == [u for u, _ in before[:3]]
    assert after[3][0] not in {u for u, _ in before}
    for uid, _ in after:
        assert 1 <= len(uid) <= 70 and all(0x21 <= c <= 0x7E for c in uid.encode())


def test_lost_index_gives_fresh_ids(tmp_path: Path) -> None:
    store = fresh(tmp_path)
    store.deliver(USER, b"a\r\n")
    old = contents(store)
    for index in (tmp_path / "mail" / USER).glob(".index.sqlite*"):
        index.unlink()
    new = contents(fresh(tmp_path))
    assert [d for _, d in new] == [d for _, d in old]
    assert new[0][0] != old[0][0]


def test_foreign_append_is_indexed_and_ids_kept(tmp_path: Path) -> None:
    store = fresh(tmp_path)
    store.deliver(USER, b"ours\r\n")
    old = contents(store)
    with open(tmp_path / "mail" / USER / "INBOX.mbox", "ab") as f:
        f.write(b"From someone Thu Jan  1 00:00:00 2026\nSubject: theirs\n\nhi\n\n")
    got = contents(store)
    assert got[0] == old[0]
    assert got[1][1] == b"Subject: theirs\r\n\r\nhi\r\n"


def test_unfinished_append_is_truncated(tmp_path: Path) -> None:
    store = fresh(tmp_path)
    store.deliver(USER, b"whole\r\n")
    mbox = tmp_path / "mail" / USER / "INBOX.mbox"
    size = mbox.stat().st_size
    db = sqlite3.connect(mbox.with_name(".index.sqlite"))
    with db:
        db.execute("UPDATE folders SET pending = ? WHERE name = 'INBOX'", (size,))
    db.close()
    with open(mbox, "ab") as f:
        f.write(b"From x Thu Jan  1 00:00:00 2026\nSubject: half")
    assert [d for _, d in contents(fresh(tmp_path))] == [b"whole\r\n"]
    assert mbox.stat().st_size == size


def test_rewrite_crash_leftovers_are_harmless(tmp_path: Path) -> None:
    store = fresh(tmp_path)
    store.deliver(USER, b"a\r\n")
    folder = tmp_path / "mail" / USER
    (folder / "INBOX.mbox.tmp.99999").write_bytes(b"From half")
    assert [d for _, d in contents(fresh(tmp_path))] == [b"a\r\n"]  # the next life
    assert not (folder / "INBOX.mbox.tmp.99999").exists()


def test_session_lock_in_use_and_delivery_meanwhile(tmp_path: Path) -> None:
    store = fresh(tmp_path)
    store.deliver(USER, b"one\r\n")
    store.deliver(USER, b"two\r\n")
    drop = store.open_maildrop(USER)
    with pytest.raises(MaildropInUse):
        fresh(tmp_path).open_maildrop(USER)
    store.deliver(USER, b"three\r\n")  # delivery never waits for a POP3 session
    assert len(drop.messages) == 2
    assert drop.read(1) == b"two\r\n"
    drop.commit([0])
    drop.release()
    assert [d for _, d in contents(store)] == [b"two\r\n", b"three\r\n"]


LOCKER = r"""
import fcntl, os, sys, time
mode, path = sys.argv[1], sys.argv[2]
if mode == "dotlock":
    open(path + ".lock", "w").write(str(os.getpid()))
elif mode == "fcntl":
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.lockf(fd, fcntl.LOCK_EX)
elif mode == "session":
    fd = os.open(path + ".session", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(30)
"""


@pytest.mark.parametrize("mode", ["dotlock", "fcntl"])
def test_delivery_respects_other_lockers(tmp_path: Path, mode: str) -> None:
    store = fresh(tmp_path, lock_timeout=0.3)
    store.deliver(USER, b"first\r\n")
    mbox = tmp_path / "mail" / USER / "INBOX.mbox"
    proc = subprocess.Popen([sys.executable, "-c", LOCKER, mode, str(mbox)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"locked\n"
        started = time.monotonic()
        with pytest.raises(StorageError) as info:
            store.deliver(USER, b"second\r\n")
        assert info.value.temporary and time.monotonic() - started >= 0.25
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    # The locker is dead: its fcntl lock is gone, its dot-lock is stale and broken.
    store.deliver(USER, b"second\r\n")
    assert [d for _, d in contents(store)] == [b"first\r\n", b"second\r\n"]
    assert not mbox.with_name("INBOX.mbox.lock").exists()


def test_session_lock_seen_across_processes(tmp_path: Path) -> None:
    store = fresh(tmp_path)
    mbox = store.mbox_path(USER)
    mbox.parent.mkdir(parents=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCKER, "session", str(mbox)], stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"locked\n"
        with pytest.raises(MaildropInUse):
            store.open_maildrop(USER)
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    store.open_maildrop(USER).release()


@pytest.mark.parametrize("name", ["../x", ".hidden", "a/b", "", "a b"])
def test_bad_user_names_rejected(tmp_path: Path, name: str) -> None:
    with pytest.raises(StorageError):
        fresh(tmp_path).deliver(name, b"x\r\n")


def test_unwritable_folder_is_permanent(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores permissions")
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail").chmod(0o500)
    with pytest.raises(StorageError) as info:
        fresh(tmp_path).deliver(USER, b"x\r\n")
    assert not info.value.temporary
