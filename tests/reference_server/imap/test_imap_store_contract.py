"""What the IMAP core relies on from the real FolderStore (storage/mbox_store.py), checked
through the interface: here, that a folder never shows another folder's messages."""

from __future__ import annotations

from pathlib import Path

from mailspec.reference_server.storage import MboxStore


def test_new_folder_never_shows_a_deleted_folders_messages(tmp_path: Path) -> None:
    # Folder ids are reused after DELETE; the messages() cache of the old folder, kept
    # alive by an open Folder object, once answered for INBOX created after it.
    store = MboxStore(tmp_path)
    store.create_folder("u1", "a")
    store.rename_folder("u1", "a", "b")
    kept_open = store.open_folder("u1", "b")
    kept_open.append(b"Subject: x\r\n\r\nhello\r\n")
    assert len(kept_open.messages()) == 1
    store.delete_folder("u1", "b")
    inbox = store.open_folder("u1", "INBOX")
    assert list(inbox.messages()) == []
    assert inbox.uidnext() == 1
    kept_open.close()
