"""Storage behind an interface (interface.py): one mbox text file per folder, an index
beside it. POP3, IMAP and SMTP/LMTP delivery share one store (``MboxStore``).

Theory of operation
-------------------
Layout, per user::

    <data>/mail/<user>/INBOX.mbox            INBOX: delivery appends, POP3 reads (mboxrd)
    <data>/mail/<user>/Work.mbox             folder "Work"
    <data>/mail/<user>/Work/2024.mbox        folder "Work/2024" ("/" is the delimiter)
    <data>/mail/<user>/Archive/              a level without Archive.mbox: \\Noselect
    <data>/mail/<user>/.index.sqlite (-wal)  the index of every folder of the account
    <data>/mail/<user>/.account.lock         flock: one folder-namespace change at a time
    <data>/mail/<user>/<f>.mbox.lock         dot-lock, only while a change is made
    <data>/mail/<user>/INBOX.mbox.session    flock'd by the POP3 session owning the drop

The mbox bytes never carry UIDs or flags (other mbox tools read and append to the files
unchanged); the index maps each record (offset, length, sha1) to a UID and keeps its
flags, keywords, internal date and wire size. folder_names.py maps names to files and
refuses names that could leave the account folder or hit the index's own files.

**Why SQLite in WAL mode** (issue 9: cost per delivery and flag change must not grow
with the folder). The JSON index was rewritten whole on every change. The choices were
an append-only journal per mbox or SQLite; SQLite (stdlib ``sqlite3``) wins because:
a delivery is one row insert and a flag change one row update, each a WAL append plus
one fsync, whatever the folder size; a multi-file operation (RENAME with inferiors,
RENAME INBOX moving every message) is one transaction; a journal would need its own
compaction, its own torn-tail detection and a full replay at open (100,000 messages),
which SQLite's WAL and B-trees already do. ``synchronous=FULL``: a commit is on disk
before the reply. One database per account, not per mbox: subscriptions, the
UIDVALIDITY counter and renames span folders.

Durability (a kill -9 at any point loses no acknowledged message, duplicates none,
shows no half message; the mbox stays a plain mboxrd file):

* **Append** (delivery, IMAP APPEND, COPY's destination), under the file lock: commit
  ``pending = <file size>``; write the records and fsync; commit the rows, UIDNEXT and
  the file's stamp (size, inode, mtime) with ``pending`` cleared. Finding ``pending`` on
  the next lock means the append never finished and was never acknowledged: the file is
  truncated back. A COPY of several messages is one append: all or none.
* **Flags** are rows only: one UPDATE, committed before the reply.
* **Rewrite** (EXPUNGE, POP3 QUIT), under the file lock: copy the kept records to
  ``<f>.mbox.tmp.<pid>``, fsync; commit the UIDs to remove and the temp file's inode
  (``rewrite_ino``); rename over the mbox, fsync the folder; commit the removal and the
  new offsets. On the next lock, ``rewrite_ino`` equal to the file's inode means the
  rename happened (finish the removal), anything else means it did not (forget it).
* **Foreign changes**: a file whose stamp differs from the index was changed by another
  tool. Grown at the end (same inode, the last indexed record unchanged): the new
  records are indexed (flags from Status:/X-Status:, date from the From_ line).
  Otherwise the records are matched to rows by sha1, keeping UIDs and flags; unknown
  records get new UIDs.
* **CREATE**: the empty file, then its row (and its RFC 6154 special uses, in the
  same commit); a file without a row gets one when found.
  **DELETE**: the file goes first, then the rows (a stale row is never used again).
  **RENAME**: an intent and the renamed rows in one commit, then the files move, then
  the intent goes; the next open rolls an interrupted move forward (account.py).
* UIDVALIDITY is the time in seconds, above every value handed out before; a lost
  index gives every folder a new one, so UIDs (and POP3 UIDLs ``<uidvalidity>.<uid>``)
  are never reused under one UIDVALIDITY. \\Recent is a per-folder floor: UIDs at or
  above it have not been claimed by any session yet (claim_recent moves it to UIDNEXT).
* Leftovers of a killed process (temp files, dot-lock candidates, the old JSON index
  and its temp files) are removed the first time this process opens or locks that
  file, dot-locks beside mboxes a killed DELETE/RENAME took away when the account is
  first opened; stale dot-locks are recognised as in locking.py (our own PID from an
  earlier life, a start token that does not match, a dead PID, or older than five
  minutes).

Reading (folder.py, folder_cache.py): no lock; a read checks that its descriptor is on
the inode the index names. ``messages()`` is one tuple per folder shared by all open
Folder objects, refreshed from the rows whose ``modseq`` is above the cached version
(a delivery into a 100,000-message folder costs the sessions one row), rebuilt after a
removal.

Locking: see locking.py (dot-lock + fcntl for every change, interoperable with mutt,
procmail, mailutils, and a per-file queue for the threads of this process in front of
them; flock session lock for POP3). While a POP3 session holds INBOX,
Folder.expunge / move_to on INBOX and RENAME INBOX raise FolderError INUSE; appends and
flag changes go ahead (the POP3 view is fixed by byte offsets).

Crash points for the kill tests (crashpoints.py): ``append-mid``, ``append-after-fsync``,
``rewrite-before-rename``, ``rewrite-after-rename``, ``create-before-index``,
``delete-before-index``, ``rename-before-move``, ``rename-mid``, ``flags-before-commit``.
"""

from .interface import (
    Folder,
    FolderEntry,
    FolderError,
    FolderStore,
    MaildropInUse,
    MailStore,
    MessageInfo,
    StorageError,
    StoredMessage,
)
from .mbox_store import MboxStore

__all__ = [
    "Folder",
    "FolderEntry",
    "FolderError",
    "FolderStore",
    "MailStore",
    "MaildropInUse",
    "MboxStore",
    "MessageInfo",
    "StorageError",
    "StoredMessage",
]
