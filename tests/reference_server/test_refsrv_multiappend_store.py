"""Folder.append_batch on the mbox store: the storage side of RFC 3502 MULTIAPPEND (all
the messages or none). The kill -9 cases are in test_refsrv_crash_folders.py."""

from __future__ import annotations

import errno
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from mailspec.reference_server.storage import FolderError, MboxStore, StorageError, mbox_file
from mailspec.reference_server.storage.interface import AppendItem

USER = "mailspec1"
WHEN = datetime(2021, 3, 5, 10, 11, 12, tzinfo=timezone(timedelta(hours=2)))


@pytest.fixture
def store(tmp_path: Path) -> MboxStore:
    store = MboxStore(tmp_path, lock_timeout=2.0)
    store.create_folder(USER, "Box")
    return store


def message(n: int) -> bytes:
    return b"Subject: m%d\r\n\r\nFrom the start\r\nline %d\r\n" % (n, n)


def test_every_message_appended_in_order_with_its_flags_and_date(store: MboxStore) -> None:
    box = store.open_folder(USER, "Box")
    first = box.append(message(0))
    items = [
        AppendItem(message(1), frozenset({"\\Seen"}), WHEN),
        AppendItem(message(2)),
        AppendItem(b"Subject: no final line end", frozenset({"\\Flagged", "kw"})),
    ]
    uids = box.append_batch(items)
    assert uids == [first + 1, first + 2, first + 3]
    stored = {m.uid: m for m in box.messages()}
    assert [box.read(uid) for uid in uids] == [i.message for i in items]
    assert [stored[uid].flags for uid in uids] == [i.flags for i in items]
    assert [stored[uid].size for uid in uids] == [len(i.message) for i in items]
    assert stored[uids[0]].internal_date == WHEN
    assert box.uidnext() == first + 4
    # A fresh process sees the same.
    again = MboxStore(store.root).open_folder(USER, "Box")
    assert [m.uid for m in again.messages()] == [first, *uids]


def test_an_empty_batch_changes_nothing(store: MboxStore) -> None:
    box = store.open_folder(USER, "Box")
    version, uidnext = box.version(), box.uidnext()
    assert box.append_batch([]) == []
    assert (box.version(), box.uidnext()) == (version, uidnext)


def test_a_write_error_mid_batch_leaves_none_of_it(
    store: MboxStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = store.open_folder(USER, "Box")
    kept = box.append(message(0))
    size = store_file(store).stat().st_size
    real_write = mbox_file._write_all
    calls = []

    def failing(fd: int, data: bytes) -> None:
        calls.append(len(data))
        if len(calls) == 2:  # the second half of the batch's octets: disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(fd, data)

    monkeypatch.setattr(mbox_file, "_write_all", failing)
    with pytest.raises(StorageError):
        box.append_batch([AppendItem(message(n)) for n in (1, 2, 3)])
    monkeypatch.setattr(mbox_file, "_write_all", real_write)
    assert [m.uid for m in box.messages()] == [kept]
    # The next change under the lock truncates the half-written batch away.
    later = box.append(message(4))
    assert [box.read(m.uid) for m in box.messages()] == [message(0), message(4)]
    assert later == kept + 1  # the failed batch took no UID
    assert store_file(store).stat().st_size > size


def test_a_deleted_folder_takes_no_batch(store: MboxStore) -> None:
    box = store.open_folder(USER, "Box")
    store.delete_folder(USER, "Box")
    with pytest.raises(FolderError) as caught:
        box.append_batch([AppendItem(message(1))])
    assert caught.value.code == "NONEXISTENT"


def store_file(store: MboxStore) -> Path:
    return Path(store.root, "mail", USER, "Box.mbox")


def test_internal_date_default_is_now(store: MboxStore) -> None:
    box = store.open_folder(USER, "Box")
    before = datetime.now(UTC).replace(microsecond=0)
    [uid] = box.append_batch([AppendItem(message(1))])
    [stored] = [m for m in box.messages() if m.uid == uid]
    assert before <= stored.internal_date <= datetime.now(UTC)
