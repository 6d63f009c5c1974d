"""RFC 6154 SPECIAL-USE and CREATE-SPECIAL-USE in the sans-IO session (with RFC 5258
LIST-EXTENDED): uses in LIST, the SPECIAL-USE selection and return options, CREATE's
USE parameter and its refusals. The store is the in-memory test double."""

from __future__ import annotations

import pytest

from .imap_harness import Harness


@pytest.fixture
def logged() -> Harness:
    h = Harness()
    h.login()
    h.ok("c1 CREATE Sent (USE (\\Sent))")
    h.ok("c2 CREATE Old (USE (\\archive \\Trash))")
    h.ok("c3 CREATE Plain")
    h.ok("c4 SUBSCRIBE Old")
    return h


def lists(h: Harness, command: str) -> list[bytes]:
    return [line for line in h.ok(command) if line.startswith(b"* LIST")]


def test_capabilities_announce_special_use_and_create_special_use(logged: Harness) -> None:
    (line,) = [x for x in logged.ok("c CAPABILITY") if x.startswith(b"* CAPABILITY")]
    assert {b"SPECIAL-USE", b"CREATE-SPECIAL-USE"} <= set(line.split())


def test_plain_list_returns_the_uses_in_canonical_spelling(logged: Harness) -> None:
    assert lists(logged, 'l LIST "" *') == [
        b'* LIST (\\HasNoChildren) "/" "INBOX"',
        b'* LIST (\\HasNoChildren \\Archive \\Trash) "/" "Old"',
        b'* LIST (\\HasNoChildren) "/" "Plain"',
        b'* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
    ]


def test_special_use_selection_returns_only_folders_with_a_use(logged: Harness) -> None:
    assert lists(logged, 'l LIST (SPECIAL-USE) "" *') == [
        b'* LIST (\\HasNoChildren \\Archive \\Trash) "/" "Old"',
        b'* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
    ]
    # Selection options combine: subscribed AND with a use.
    assert lists(logged, 'l LIST (SUBSCRIBED SPECIAL-USE) "" *') == [
        b'* LIST (\\HasNoChildren \\Archive \\Trash \\Subscribed) "/" "Old"',
    ]
    # RECURSIVEMATCH with another selection option than REMOTE is not an error; RFC 6154
    # defines no CHILDINFO for SPECIAL-USE, so it changes nothing.
    assert lists(logged, 'l LIST (SPECIAL-USE RECURSIVEMATCH) "" *') == lists(
        logged, 'l LIST (SPECIAL-USE) "" *'
    )
    assert logged.cmd('l LIST (RECURSIVEMATCH REMOTE) "" *')[0].startswith(b"l BAD")


def test_special_use_return_option_adds_no_names(logged: Harness) -> None:
    assert lists(logged, 'l LIST "" % RETURN (SPECIAL-USE)') == lists(logged, 'l LIST "" %')


def test_use_goes_with_delete_and_follows_rename(logged: Harness) -> None:
    logged.ok("r RENAME Sent Archive/Sent")
    assert lists(logged, 'l LIST (SPECIAL-USE) "" Archive/*') == [
        b'* LIST (\\HasNoChildren \\Sent) "/" "Archive/Sent"',
    ]
    logged.ok("d DELETE Archive/Sent")
    logged.ok("c CREATE Archive/Sent")
    assert lists(logged, 'l LIST (SPECIAL-USE) "" Archive/*') == []


@pytest.mark.parametrize("use", ["\\All", "\\Flagged", "\\Important", "\\sent \\Bogus"])
def test_refused_use_is_no_useattr_and_creates_nothing(logged: Harness, use: str) -> None:
    lines = logged.cmd(f"c CREATE New (USE ({use}))")
    assert lines[-1].startswith(b"c NO [USEATTR] "), lines
    assert lists(logged, 'l LIST "" New') == []


@pytest.mark.parametrize(
    "params",
    ["(FOO)", "(USE)", "(USE Sent)", "(USE (Sent))", "()", "(USE (\\Sent) USE (\\Junk))", "USE"],
)
def test_malformed_create_params_are_bad_and_create_nothing(logged: Harness, params: str) -> None:
    lines = logged.cmd(f"c CREATE New {params}")
    assert lines[-1].startswith(b"c BAD "), lines
    assert lists(logged, 'l LIST "" New') == []


def test_empty_use_list_creates_a_plain_folder(logged: Harness) -> None:
    logged.ok("c CREATE New (USE ())")
    assert lists(logged, 'l LIST "" New') == [b'* LIST (\\HasNoChildren) "/" "New"']
