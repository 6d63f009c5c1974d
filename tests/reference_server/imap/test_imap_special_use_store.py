"""RFC 6154 special uses in the real store (storage/mbox_store.py): kept in the account's
index, across restarts, following RENAME, gone with DELETE; an index file made before
the special_use table existed gains it when opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mailspec.reference_server.storage import MboxStore
from mailspec.reference_server.storage.index_db import DB_NAME


def test_special_use_is_stored_with_the_folder_and_survives_a_restart(tmp_path: Path) -> None:
    store = MboxStore(tmp_path)
    store.create_folder("u1", "Sent", ["\\Sent"])
    store.create_folder("u1", "Old", ["\\Archive", "\\Trash"])
    store.create_folder("u1", "Plain")
    assert store.special_uses("u1") == {
        "Sent": frozenset({"\\Sent"}),
        "Old": frozenset({"\\Archive", "\\Trash"}),
    }
    # A new process (a new store object) reads the same from the index.
    assert MboxStore(tmp_path).special_uses("u1")["Sent"] == frozenset({"\\Sent"})


def test_special_use_follows_rename_and_goes_with_delete(tmp_path: Path) -> None:
    store = MboxStore(tmp_path)
    store.create_folder("u1", "a/Drafts", ["\\Drafts"])
    store.rename_folder("u1", "a", "b")
    assert store.special_uses("u1") == {"b/Drafts": frozenset({"\\Drafts"})}
    store.delete_folder("u1", "b/Drafts")
    assert store.special_uses("u1") == {}
    # The same name created again is a new folder, without the old use.
    store.create_folder("u1", "b/Drafts")
    assert store.special_uses("u1") == {}


def test_an_older_index_file_gains_the_table(tmp_path: Path) -> None:
    store = MboxStore(tmp_path)
    store.create_folder("u1", "x")
    db = next(tmp_path.rglob(DB_NAME))
    del store
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE special_use")
    reopened = MboxStore(tmp_path)
    assert [e.name for e in reopened.list_folders("u1")] == ["INBOX", "x"]
    reopened.create_folder("u1", "Junk", ["\\Junk"])
    assert reopened.special_uses("u1") == {"Junk": frozenset({"\\Junk"})}
