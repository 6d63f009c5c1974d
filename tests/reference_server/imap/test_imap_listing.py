"""listing.py and the LIST encoding as pure functions: the fast paths taken for speed
(one alternation for all patterns, plain sort with INBOX moved first, shared attribute
tuples, plain-ASCII names) answer exactly what the general paths do."""

from __future__ import annotations

import pytest
from mailspec.reference_server.imap import listing, mailbox_names
from mailspec.reference_server.imap.response_encoding import list_mailbox
from mailspec.reference_server.storage.interface import FolderEntry


def names(request: listing.ListRequest, *folders: str) -> list[tuple[str, tuple[str, ...]]]:
    entries = [FolderEntry(n) for n in ("INBOX", *folders)]
    return [(i.name, i.attributes) for i in listing.list_items(request, entries, ())]


def test_inbox_comes_first_even_where_other_names_sort_before_it() -> None:
    request = listing.ListRequest(patterns=("*",))
    assert [n for n, _ in names(request, "1x", "Archive", "INBOX/sub", "a")] == [
        "INBOX", "1x", "Archive", "INBOX/sub", "a",
    ]  # fmt: skip


def test_superior_levels_are_noselect_with_children() -> None:
    request = listing.ListRequest(patterns=("*",))
    assert names(request, "a/b/c", "a/d") == [
        ("INBOX", ("\\HasNoChildren",)),
        ("a", ("\\Noselect", "\\HasChildren")),
        ("a/b", ("\\Noselect", "\\HasChildren")),
        ("a/b/c", ("\\HasNoChildren",)),
        ("a/d", ("\\HasNoChildren",)),
    ]


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (("%",), ["INBOX", "a"]),
        (("a/%", "inbox"), ["INBOX", "a/b"]),
        (("*c",), ["a/b/c"]),
        (("x", "a/b/*"), ["a/b/c"]),
        ((), []),
    ],
)
def test_several_patterns_match_as_one(patterns: tuple[str, ...], expected: list[str]) -> None:
    request = listing.ListRequest(patterns=patterns)
    assert [n for n, _ in names(request, "a/b/c")] == expected


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("plain", b'"plain"'),
        ("a&b", b'"a&-b"'),
        ("Entw\u00fcrfe", b'"Entw&APw-rfe"'),
        ('quote"d', b'"quote\\"d"'),
        ("back\\slash", b'"back\\\\slash"'),
        ("\u65e5\u672c&x", b'"&ZeVnLA-&-x"'),
    ],
)
def test_list_mailbox_quotes_and_encodes(name: str, wire: bytes) -> None:
    assert list_mailbox(name) == wire
    assert mailbox_names.decode(mailbox_names.encode(name)) == name
