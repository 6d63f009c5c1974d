"""IMAP folder names <-> files under the account folder, and the folder tree on disk.

A folder ``a/b/c`` is the mbox file ``<account>/a/b/c.mbox``; a hierarchy level ``a``
is the directory ``<account>/a/`` (a level without ``a.mbox`` is \\Noselect). INBOX is
``<account>/INBOX.mbox``, the file delivery appends to; its inferiors live in
``<account>/INBOX/``. The file system is the truth for which folders exist, so an mbox
file another tool drops into the tree is a folder on the next LIST.

A name is refused (FolderError CANNOT) when it could leave the account folder or
collide with a file the store keeps beside the mboxes: an empty component (leading,
trailing or doubled delimiter), ``.`` / ``..`` or any component starting with ``.``
(the index database and account lock are dot files), a component ending in ``.mbox``
or containing ``.mbox.`` (a level ``x.mbox/`` would sit on folder x's file, a level
``x.mbox.lock/`` on its dot-lock), NUL and other control characters, the LIST
wildcards ``*`` and ``%``, and names too long for the file system.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import NamedTuple

from .interface import FolderError

DELIMITER = "/"
SUFFIX = ".mbox"
MAX_COMPONENT_BYTES = 200  # leaves room for ".mbox.lock.<pid>.<thread id>" in NAME_MAX
MAX_NAME_BYTES = 1000
_BAD_COMPONENT = re.compile(r"[\x00-\x1f\x7f*%]|\.mbox(\.|$)")


def canonical(name: str) -> str:
    """INBOX in any case is INBOX, also as the first level of a longer name."""
    head, sep, rest = name.partition(DELIMITER)
    if head.upper() == "INBOX":
        return "INBOX" + sep + rest
    return name


def check(name: str) -> str:
    """The canonical form of a usable folder name, or FolderError CANNOT."""
    if not isinstance(name, str) or not name:
        raise FolderError("empty mailbox name", code="CANNOT")
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        raise FolderError("mailbox name is not valid Unicode", code="CANNOT") from None
    if len(encoded) > MAX_NAME_BYTES:
        raise FolderError("mailbox name too long", code="CANNOT")
    for part in name.split(DELIMITER):
        if not part:
            raise FolderError("empty hierarchy level in mailbox name", code="CANNOT")
        if part.startswith("."):
            raise FolderError("mailbox name levels may not start with '.'", code="CANNOT")
        if _BAD_COMPONENT.search(part):
            raise FolderError(f"unusable mailbox name level {part!r}", code="CANNOT")
        if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
            raise FolderError("mailbox name level too long", code="CANNOT")
    return canonical(name)


def is_inbox(name: str) -> bool:
    return name == "INBOX"


def mbox_path(account: Path, name: str) -> Path:
    """The mbox file of an already checked, canonical name."""
    parts = name.split(DELIMITER)
    return account.joinpath(*parts[:-1], parts[-1] + SUFFIX)


def level_path(account: Path, name: str) -> Path:
    """The directory holding the inferiors of ``name``."""
    return account.joinpath(*name.split(DELIMITER))


def parent(name: str) -> str | None:
    head, sep, _ = name.rpartition(DELIMITER)
    return head if sep else None


def superiors(name: str) -> list[str]:
    """``a/b/c`` -> ``["a", "a/b"]``."""
    parts = name.split(DELIMITER)
    return [DELIMITER.join(parts[:i]) for i in range(1, len(parts))]


class TreeEntry(NamedTuple):
    # A tuple, not a dataclass: walk() makes one per folder on every LIST.
    name: str
    selectable: bool
    has_children: bool


@functools.lru_cache(maxsize=16384)
def _usable(part: str) -> bool:
    # Cached: every LIST walks the tree and checks each level's name again (at 1,000
    # folders the checks were a sixth of LIST's time); the answer depends on the name only.
    try:
        check(part)
    except FolderError:
        return False
    return True


def walk(account: Path) -> dict[str, TreeEntry]:
    """Every folder and hierarchy level on disk, by canonical name (INBOX always)."""
    found: dict[str, list[bool]] = {"INBOX": [True, False]}  # [selectable, has_children]

    def visit(folder: Path, prefix: str) -> bool:
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return False
        any_child = False
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                part = entry.name
                if not _usable(part):
                    continue
            elif entry.name.endswith(SUFFIX) and entry.is_file(follow_symlinks=False):
                part = entry.name[: -len(SUFFIX)]
                if not _usable(part):
                    continue
            else:
                continue
            # Only the first level can be spelled INBOX; below it the prefix is canonical.
            name = prefix + part if prefix else canonical(part)
            if not prefix and name != part:
                continue  # "inbox.mbox" beside INBOX.mbox: not a second INBOX
            slot = found.setdefault(name, [False, False])
            any_child = True
            if entry.is_dir(follow_symlinks=False):
                if visit(Path(entry.path), name + DELIMITER):
                    slot[1] = True
            else:
                slot[0] = True
        return any_child

    visit(account, "")
    return {n: TreeEntry(n, s, c) for n, (s, c) in found.items()}
