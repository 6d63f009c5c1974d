"""The IMAP folder contract (storage.interface.FolderStore / Folder) on the mbox store."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from mailspec.reference_server.storage import FolderError, MaildropInUse, MboxStore, StorageError

USER = "mailspec1"


@pytest.fixture
def store(tmp_path: Path) -> MboxStore:
    return MboxStore(tmp_path, lock_timeout=2.0)


def names(store: MboxStore) -> dict[str, bool]:
    return {e.name: e.selectable for e in store.list_folders(USER)}


def account(tmp_path: Path) -> Path:
    return tmp_path / "mail" / USER


def test_inbox_is_the_delivery_file_and_always_listed(store: MboxStore, tmp_path: Path) -> None:
    assert names(store) == {"INBOX": True}
    store.deliver(USER, b"Subject: one\r\n\r\nhi\r\n")
    inbox = store.open_folder(USER, "inbox")  # any case
    assert inbox.name == "INBOX"
    [m] = inbox.messages()
    assert inbox.read(m.uid) == b"Subject: one\r\n\r\nhi\r\n"
    assert m.size == len(b"Subject: one\r\n\r\nhi\r\n") and m.flags == frozenset()
    uid = inbox.append(b"Subject: two\r\n\r\n", flags=frozenset({"\\seen", "$Label"}))
    assert uid == m.uid + 1
    drop = store.open_maildrop(USER)  # POP3 sees the IMAP append: one store
    assert [drop.read(i) for i in range(len(drop.messages))][1] == b"Subject: two\r\n\r\n"
    drop.release()
    assert inbox.messages()[1].flags == frozenset({"\\Seen", "$Label"})
    assert (account(tmp_path) / "INBOX.mbox").read_bytes().count(b"\nFrom ") == 1


def test_hierarchy_create_list_and_noselect(store: MboxStore, tmp_path: Path) -> None:
    store.create_folder(USER, "Work/2024/Q1")
    assert names(store) == {"INBOX": True, "Work": False, "Work/2024": False, "Work/2024/Q1": True}
    assert (account(tmp_path) / "Work" / "2024" / "Q1.mbox").is_file()
    with pytest.raises(FolderError) as info:
        store.open_folder(USER, "Work")
    assert info.value.code == "NONEXISTENT"
    store.create_folder(USER, "Work")  # a \Noselect level may become a folder
    assert names(store)["Work"] is True
    with pytest.raises(FolderError) as info:
        store.create_folder(USER, "Work")
    assert info.value.code == "ALREADYEXISTS"
    with pytest.raises(FolderError) as info:
        store.create_folder(USER, "INBOX")
    assert info.value.code == "ALREADYEXISTS"
    store.create_folder(USER, "Trailing/")  # RFC 3501 §6.3.3: the delimiter is ignored
    assert names(store)["Trailing"] is True


@pytest.mark.parametrize(
    "bad",
    ["..", "../x", "a/../b", "/abs", "a//b", "a/", "", ".hidden", "x\x00y", "a/.", "x.mbox",
     "a/y.mbox.lock", "INBOX.mbox.session", "tab\there", "star*", "per%cent", "a" * 201],
)  # fmt: skip
def test_names_that_could_escape_or_collide_are_refused(store: MboxStore, bad: str) -> None:
    for action in (
        lambda: store.create_folder(USER, bad + ("/x" if bad == "a/" else "")),
        lambda: store.open_folder(USER, bad),
        lambda: store.subscribe(USER, bad),
        lambda: store.rename_folder(USER, "INBOX", bad),
    ):
        with pytest.raises(FolderError) as info:
            action()
        assert info.value.code == "CANNOT", bad


def test_uidvalidity_uidnext_flags_dates_persist(store: MboxStore, tmp_path: Path) -> None:
    store.create_folder(USER, "Keep")
    folder = store.open_folder(USER, "Keep")
    zone = timezone(timedelta(hours=-5, minutes=-30))
    when = datetime(2020, 2, 29, 23, 59, 58, tzinfo=zone)
    a = folder.append(b"A\r\n", flags=frozenset({"\\Flagged", "kw1"}), internal_date=when)
    b = folder.append(b"B\r\n")
    folder.store_flags({b: frozenset({"\\Answered", "\\Recent"}), 999: frozenset({"\\Seen"})})
    validity, uidnext = folder.uidvalidity, folder.uidnext()
    again = MboxStore(tmp_path).open_folder(USER, "Keep")  # a restart
    assert (again.uidvalidity, again.uidnext()) == (validity, uidnext) == (validity, b + 1)
    ma, mb = again.messages()
    assert ma.internal_date == when and ma.internal_date.utcoffset() == zone.utcoffset(None)
    assert ma.flags == {"\\Flagged", "kw1"} and mb.flags == {"\\Answered"}
    again.expunge([b])
    assert again.uidnext() == b + 1 and [m.uid for m in again.messages()] == [a]
    assert again.append(b"C\r\n") == b + 1  # UIDs are never reused


def test_bytes_come_back_exactly_even_without_final_crlf(store: MboxStore) -> None:
    folder = store.open_folder(USER, "INBOX")
    raw = b"Subject: x\r\n\r\nFrom the start\r\n>From quoted\r\nno final newline"
    uid = folder.append(raw)
    assert folder.read(uid) == raw
    assert folder.messages()[-1].size == len(raw)
    assert b"".join(folder.read_chunks(uid, 1024)) == raw
    big = b"".join(b"From line %d\r\n" % i for i in range(20000))
    uid = folder.append(big)
    chunks = list(folder.read_chunks(uid, 4096))
    assert len(chunks) > 10 and b"".join(chunks) == big


def test_foreign_append_is_indexed_with_status_flags(store: MboxStore, tmp_path: Path) -> None:
    store.create_folder(USER, "Lists")
    folder = store.open_folder(USER, "Lists")
    folder.append(b"ours\r\n")
    version = folder.version()
    with open(account(tmp_path) / "Lists.mbox", "ab") as f:
        f.write(b"From x@y Tue Mar  3 10:11:12 2026\nStatus: RO\nX-Status: F\n\nbody\n\n")
    assert folder.version() != version
    _, theirs = folder.messages()
    assert theirs.flags == {"\\Seen", "\\Flagged"}
    assert theirs.internal_date == datetime(2026, 3, 3, 10, 11, 12, tzinfo=UTC)
    assert folder.read(theirs.uid) == b"Status: RO\r\nX-Status: F\r\n\r\nbody\r\n"


def test_copy_and_move_keep_flags_and_dates(store: MboxStore) -> None:
    store.create_folder(USER, "Src")
    src = store.open_folder(USER, "Src")
    when = datetime(2001, 1, 2, 3, 4, 5, tzinfo=UTC)
    uids = [
        src.append(b"m%d\r\n" % i, flags=frozenset({"\\Seen"}), internal_date=when)
        for i in range(3)
    ]
    with pytest.raises(FolderError) as info:
        src.copy_to(uids, "Nowhere")
    assert info.value.code == "TRYCREATE"
    store.create_folder(USER, "Dst")
    pairs = src.copy_to([uids[2], uids[0], 12345], "Dst")
    dst = store.open_folder(USER, "Dst")
    assert [s for s, _ in pairs] == [uids[0], uids[2]]
    assert [(m.uid, m.flags, m.internal_date) for m in dst.messages()] == [
        (n, frozenset({"\\Seen"}), when) for _, n in pairs
    ]
    assert [dst.read(n) for _, n in pairs] == [b"m0\r\n", b"m2\r\n"]
    assert dst.claim_recent() == {n for _, n in pairs}
    moved = src.move_to([uids[1]], "Dst")
    assert [m.uid for m in src.messages()] == [uids[0], uids[2]]
    assert dst.read(moved[0][1]) == b"m1\r\n"


def test_claim_recent_once_and_persistent(store: MboxStore, tmp_path: Path) -> None:
    store.deliver(USER, b"a\r\n")
    first = store.open_folder(USER, "INBOX")
    [m] = first.messages()
    assert first.recent_uids() == {m.uid} == first.recent_uids()  # STATUS does not claim
    assert first.claim_recent() == {m.uid}
    assert first.recent_uids() == frozenset()
    assert store.open_folder(USER, "INBOX").claim_recent() == frozenset()
    store.deliver(USER, b"b\r\n")
    assert MboxStore(tmp_path).open_folder(USER, "INBOX").claim_recent() == {m.uid + 1}


def test_delete_semantics_rfc3501_6_3_4(store: MboxStore, tmp_path: Path) -> None:
    with pytest.raises(FolderError) as info:
        store.delete_folder(USER, "INBOX")
    assert info.value.code == "CANNOT"
    with pytest.raises(FolderError) as info:
        store.delete_folder(USER, "missing")
    assert info.value.code == "NONEXISTENT"
    store.create_folder(USER, "blurdybloop")
    store.create_folder(USER, "foo")
    store.create_folder(USER, "foo/bar")
    store.open_folder(USER, "foo").append(b"x\r\n")
    store.delete_folder(USER, "blurdybloop")
    store.delete_folder(USER, "foo")  # has inferiors: messages go, the name stays \Noselect
    assert names(store) == {"INBOX": True, "foo": False, "foo/bar": True}
    with pytest.raises(FolderError) as info:
        store.delete_folder(USER, "foo")  # \Noselect with inferiors
    assert info.value.code == "CANNOT"
    store.delete_folder(USER, "foo/bar")
    assert names(store) == {"INBOX": True, "foo": False}
    store.delete_folder(USER, "foo")
    assert names(store) == {"INBOX": True}
    store.create_folder(USER, "foo")  # a new folder of an old name: a new UIDVALIDITY
    assert store.open_folder(USER, "foo").messages() == ()


def test_new_folder_of_old_name_gets_new_uidvalidity(store: MboxStore) -> None:
    store.create_folder(USER, "again")
    before = store.open_folder(USER, "again").uidvalidity
    store.delete_folder(USER, "again")
    store.create_folder(USER, "again")
    assert store.open_folder(USER, "again").uidvalidity > before


def test_rename_moves_inferiors_and_keeps_uids(store: MboxStore, tmp_path: Path) -> None:
    store.create_folder(USER, "a/b")
    store.create_folder(USER, "a")
    a = store.open_folder(USER, "a")
    uid = a.append(b"top\r\n", flags=frozenset({"kw"}))
    inner = store.open_folder(USER, "a/b")
    inner.append(b"inner\r\n")
    validity = a.uidvalidity
    store.rename_folder(USER, "a", "x/y")
    assert names(store) == {"INBOX": True, "x": False, "x/y": True, "x/y/b": True}
    moved = store.open_folder(USER, "x/y")
    assert moved.uidvalidity == validity and moved.messages()[0].flags == {"kw"}
    assert moved.read(uid) == b"top\r\n"
    assert a.name == "x/y" and a.read(uid) == b"top\r\n"  # an open folder follows it
    assert inner.read(inner.messages()[0].uid) == b"inner\r\n"
    for old, new, code in [("missing", "q", "NONEXISTENT"), ("x/y/b", "x/y", "ALREADYEXISTS"),
                           ("x/y", "x/y/z", "CANNOT"), ("x/y", "INBOX", "ALREADYEXISTS")]:  # fmt: skip
        with pytest.raises(FolderError) as info:
            store.rename_folder(USER, old, new)
        assert info.value.code == code


def test_rename_inbox_moves_messages_and_leaves_it_empty(store: MboxStore) -> None:
    store.deliver(USER, b"one\r\n")
    inbox = store.open_folder(USER, "INBOX")
    inbox.store_flags({inbox.messages()[0].uid: frozenset({"\\Seen"})})
    store.create_folder(USER, "INBOX/child")
    store.rename_folder(USER, "INBOX", "Old")
    assert names(store) == {"INBOX": True, "INBOX/child": True, "Old": True}
    old = store.open_folder(USER, "Old")
    [m] = old.messages()
    assert old.read(m.uid) == b"one\r\n" and m.flags == {"\\Seen"}
    assert inbox.messages() == () and inbox.name == "INBOX"
    store.deliver(USER, b"two\r\n")
    [n] = inbox.messages()
    assert n.uid > m.uid  # so no POP3 UIDL comes back
    drop = store.open_maildrop(USER)
    assert [drop.read(0)] == [b"two\r\n"]
    drop.release()


def test_pop3_session_blocks_expunge_not_appends_or_flags(store: MboxStore) -> None:
    store.deliver(USER, b"one\r\n")
    store.deliver(USER, b"two\r\n")
    inbox = store.open_folder(USER, "INBOX")
    first, second = (m.uid for m in inbox.messages())
    drop = store.open_maildrop(USER)
    with pytest.raises(MaildropInUse):
        store.open_maildrop(USER)
    for action in (
        lambda: inbox.expunge([first]),
        lambda: inbox.move_to([first], "INBOX/none"),
        lambda: store.rename_folder(USER, "INBOX", "Elsewhere"),
    ):
        with pytest.raises(FolderError) as info:
            action()
        assert info.value.code in ("INUSE", "TRYCREATE")
    store.create_folder(USER, "Dst")
    with pytest.raises(FolderError) as info:
        inbox.move_to([first], "Dst")
    assert info.value.code == "INUSE"
    assert store.open_folder(USER, "Dst").messages() == ()
    inbox.store_flags({first: frozenset({"\\Deleted"})})
    inbox.append(b"three\r\n")
    assert [m.uid for m in inbox.messages()] == [first, second, second + 1]
    drop.commit([1])  # POP3 QUIT removes "two"
    drop.release()
    assert [m.uid for m in inbox.messages()] == [first, second + 1]
    inbox.expunge([first])
    assert [m.uid for m in inbox.messages()] == [second + 1]


def test_subscriptions_persist_and_survive_delete(store: MboxStore, tmp_path: Path) -> None:
    store.create_folder(USER, "news")
    store.subscribe(USER, "news")
    store.subscribe(USER, "inbox")
    store.subscribe(USER, "not/yet")  # RFC 3501 §6.3.6: need not exist
    store.delete_folder(USER, "news")
    assert MboxStore(tmp_path).subscriptions(USER) == {"news", "INBOX", "not/yet"}
    store.unsubscribe(USER, "news")
    assert store.subscriptions(USER) == {"INBOX", "not/yet"}


def test_watch_is_called_for_delivery_sessions_and_pop3(store: MboxStore) -> None:
    calls: list[str] = []
    lock = threading.Lock()

    def seen() -> None:
        with lock:
            calls.append(threading.current_thread().name)

    stop = store.watch(USER, "INBOX", seen)
    store.deliver(USER, b"a\r\n")
    other = store.open_folder(USER, "INBOX")
    uid = other.messages()[0].uid
    other.store_flags({uid: frozenset({"\\Seen"})})
    thread = threading.Thread(target=store.deliver, args=(USER, b"b\r\n"), name="deliverer")
    thread.start()
    thread.join()
    drop = store.open_maildrop(USER)
    drop.commit([0])
    drop.release()
    assert len(calls) == 4 and "deliverer" in calls
    stop()
    store.deliver(USER, b"c\r\n")
    assert len(calls) == 4


def test_version_and_messages_cache_follow_changes(store: MboxStore) -> None:
    folder = store.open_folder(USER, "INBOX")
    v0 = folder.version()
    snapshot = folder.messages()
    store.deliver(USER, b"x\r\n")
    v1 = folder.version()
    assert v1 != v0 and len(folder.messages()) == len(snapshot) + 1
    uid = folder.messages()[0].uid
    other = store.open_folder(USER, "INBOX")
    other.store_flags({uid: frozenset({"$Done"})})
    assert folder.version() != v1 and folder.messages()[0].flags == {"$Done"}
    other.store_flags({uid: frozenset({"$Done"})})  # no change, no new version
    v2 = folder.version()
    other.store_flags({uid: frozenset({"$Done"})})
    assert folder.version() == v2
    other.expunge([uid])
    assert folder.messages() == ()
    with pytest.raises(FolderError) as info:
        folder.read(uid)
    assert info.value.code == "NONEXISTENT"


def test_deleted_folder_is_gone_for_open_sessions(store: MboxStore) -> None:
    store.create_folder(USER, "tmp")
    folder = store.open_folder(USER, "tmp")
    folder.append(b"x\r\n")
    store.delete_folder(USER, "tmp")
    for action in (folder.messages, lambda: folder.append(b"y\r\n")):
        with pytest.raises(FolderError) as info:
            action()
        assert info.value.code == "NONEXISTENT"


def test_foreign_rewrite_keeps_uids_and_flags(store: MboxStore, tmp_path: Path) -> None:
    # Another mbox tool deletes the middle message and rewrites the file.
    store.create_folder(USER, "Shared")
    folder = store.open_folder(USER, "Shared")
    uids = [folder.append(b"m%d\r\n" % i, flags=frozenset({f"k{i}"})) for i in range(3)]
    path = account(tmp_path) / "Shared.mbox"
    records = path.read_bytes().split(b"\n\nFrom ")
    assert len(records) == 3
    path.write_bytes(records[0] + b"\n\nFrom " + records[2])
    assert [(m.uid, m.flags) for m in folder.messages()] == [
        (uids[0], {"k0"}),
        (uids[2], {"k2"}),
    ]
    assert folder.read(uids[2]) == b"m2\r\n"
    assert folder.append(b"m3\r\n") == uids[2] + 1


def test_threads_appending_flagging_and_expunging_at_once(store: MboxStore) -> None:
    store.create_folder(USER, "Busy")
    errors: list[BaseException] = []
    appended: list[int] = []
    gone: list[int] = []

    def guarded(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            except BaseException as exc:
                errors.append(exc)

        return run

    def appender(n: int) -> None:
        folder = store.open_folder(USER, "Busy")
        for i in range(15):
            appended.append(folder.append(b"t%d-%d\r\n" % (n, i)))
        store.deliver(USER, b"d%d\r\n" % n)

    def flagger() -> None:
        folder = store.open_folder(USER, "Busy")
        for i in range(30):
            folder.store_flags({m.uid: frozenset({f"k{i}"}) for m in folder.messages()[:5]})

    def expunger() -> None:
        folder = store.open_folder(USER, "Busy")
        for _ in range(5):
            doomed = [m.uid for m in folder.messages()[-2:]]
            folder.expunge(doomed)
            gone.extend(doomed)

    workers = [guarded(lambda n=n: appender(n)) for n in range(6)]
    workers += [guarded(flagger), guarded(expunger)]
    threads = [threading.Thread(target=w) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    folder = store.open_folder(USER, "Busy")
    left = {m.uid for m in folder.messages()}
    assert len(set(appended)) == 90 and left == set(appended) - set(gone)
    for uid in left:
        n, i = folder.read(uid)[1:-2].split(b"-")
        assert int(n) < 6 and int(i) < 15
    assert len(store.open_folder(USER, "INBOX").messages()) == 6


FOREIGN_LOCKER = r"""
import fcntl, os, sys, time
mode, path = sys.argv[1], sys.argv[2]
if mode == "dotlock":
    open(path + ".lock", "w").write(str(os.getpid()))
else:
    fcntl.lockf(os.open(path, os.O_RDWR), fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(30)
"""


@pytest.mark.parametrize("mode", ["dotlock", "fcntl"])
def test_folder_changes_wait_for_other_mbox_tools(tmp_path: Path, mode: str) -> None:
    store = MboxStore(tmp_path, lock_timeout=0.5)
    store.create_folder(USER, "Work")
    folder = store.open_folder(USER, "Work")
    uid = folder.append(b"x\r\n")
    path = account(tmp_path) / "Work.mbox"
    proc = subprocess.Popen(
        [sys.executable, "-c", FOREIGN_LOCKER, mode, str(path)], stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"locked\n"
        for change in (lambda: folder.append(b"y\r\n"), lambda: folder.expunge([uid])):
            with pytest.raises(StorageError):
                change()
        folder.store_flags({uid: frozenset({"\\Seen"})})  # the index only: no mbox lock
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    assert folder.append(b"y\r\n") == uid + 1
    assert [m.flags for m in folder.messages()] == [{"\\Seen"}, frozenset()]


def test_an_open_folder_of_a_deleted_folder_never_turns_into_a_new_one(
    store: MboxStore,
) -> None:
    # Folder ids key open Folder objects, watchers and caches: a new folder must not get
    # the id of a deleted one (SQLite reuses the highest rowid after a DELETE).
    store.create_folder(USER, "old")
    old = store.open_folder(USER, "old")
    woken: list[int] = []
    store.watch(USER, "old", lambda: woken.append(1))
    store.delete_folder(USER, "old")
    woken.clear()
    store.create_folder(USER, "new")
    store.open_folder(USER, "new").append(b"for new\r\n")
    with pytest.raises(FolderError) as info:
        old.messages()
    assert info.value.code == "NONEXISTENT" and woken == []
