"""Sequence sets (RFC 3501 §9 sequence-set, §6.4.8 UID ranges; RFC 5182 "$")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_server.imap.sequence_set import (
    MAX_NUMBER,
    SequenceSet,
    format_sequence_set,
    parse_sequence_set,
)
from reference_server.imap.tokens import Atom
from reference_server.imap.wire import ArgumentError


@pytest.mark.parametrize(
    ("text", "count", "expected"),
    [
        ("1", 5, [1]),
        ("1:3", 5, [1, 2, 3]),
        ("4:2", 5, [2, 3, 4]),  # either order
        ("2,4:5,1", 5, [1, 2, 4, 5]),
        ("*", 5, [5]),
        ("3:*", 5, [3, 4, 5]),
        ("*:3", 5, [3, 4, 5]),
        ("1:*", 0, []),
        ("1,1,1:2", 5, [1, 2]),  # each once
        ("2,4:7,9,12:*", 15, [2, 4, 5, 6, 7, 9, 12, 13, 14, 15]),  # RFC 3501 §9 example
    ],
)
def test_seq_numbers(text: str, count: int, expected: list[int]) -> None:
    assert parse_sequence_set(text).seq_numbers(count) == expected


def test_uid_range_beyond_last_uid_includes_the_last_message() -> None:
    # RFC 3501 §6.4.8: "559:*" always includes the UID of the last message.
    uids = [3, 7, 100]
    assert parse_sequence_set("559:*").select(uids, largest=100) == [100]
    assert parse_sequence_set("101:200").select(uids, largest=100) == []
    assert parse_sequence_set("5:*").select(uids, largest=100) == [7, 100]


def test_uid_star_in_an_empty_mailbox_selects_nothing() -> None:
    # "*" is UIDNEXT in an empty mailbox: still no message.
    assert parse_sequence_set("1:*").select([], largest=12) == []


def test_contains() -> None:
    numbers = parse_sequence_set("2:3,*")
    assert [n for n in range(1, 8) if numbers.contains(n, 7)] == [2, 3, 7]


@pytest.mark.parametrize(
    ("text", "count", "out"),
    [("1:3", 3, False), ("4", 3, True), ("2:4", 3, True), ("*", 0, True), ("1", 0, True),
     ("*", 1, False), ("3:*", 5, False)],
)  # fmt: skip
def test_out_of_range(text: str, count: int, out: bool) -> None:
    assert parse_sequence_set(text).out_of_range(count) is out


def test_saved_result() -> None:
    numbers = parse_sequence_set("$")
    assert numbers.saved and numbers.ranges == ()
    assert numbers.select([1, 2, 3, 4], 4, saved={2, 4}) == [2, 4]
    assert numbers.contains(4, 4, saved={4})
    assert not numbers.contains(3, 4, saved={4})
    assert parse_sequence_set("1,$").select([1, 2, 3], 3, saved={3}) == [1, 3]
    assert parse_sequence_set("$").select([1, 2], 2) == []  # nothing saved yet


def test_saved_refused_where_not_allowed() -> None:
    with pytest.raises(ArgumentError):
        parse_sequence_set("$", allow_saved=False)


@pytest.mark.parametrize(
    "text",
    ["", "0", "01", "1:0", "1:", ":1", "1,,2", "1,", ",1", "a", "1.5", "-1", "1:2:3", "**",
     " 1", "1 ", str(MAX_NUMBER + 1), "$$", "1:$"],
)  # fmt: skip
def test_malformed_sets_are_bad(text: str) -> None:
    with pytest.raises(ArgumentError) as caught:
        parse_sequence_set(text)
    assert caught.value.status == "BAD"
    assert str(caught.value).startswith("BAD ")


def test_accepts_atoms_and_bytes() -> None:
    assert parse_sequence_set(Atom("1:2")).seq_numbers(5) == [1, 2]
    assert parse_sequence_set(b"3").seq_numbers(5) == [3]
    with pytest.raises(ArgumentError):
        parse_sequence_set(b"\xff")
    assert parse_sequence_set(str(MAX_NUMBER)).ranges == ((MAX_NUMBER, MAX_NUMBER),)


def test_str_round_trip() -> None:
    for text in ["1", "1:3", "*", "2:*", "1,3:4,$"]:
        assert str(parse_sequence_set(text)) == text


@pytest.mark.parametrize(
    ("numbers", "text"),
    [([], ""), ([1], "1"), ([1, 2, 3, 5], "1:3,5"), ([5, 3, 1, 2], "1:3,5"), ([7, 7], "7")],
)
def test_format_sequence_set(numbers: list[int], text: str) -> None:
    assert format_sequence_set(numbers) == text


# -- properties -------------------------------------------------------------------------

_number = st.integers(min_value=1, max_value=60)
_bound = st.one_of(_number, st.none())
_ranges = st.lists(st.tuples(_bound, _bound), min_size=1, max_size=6)


def _text(ranges: list[tuple[int | None, int | None]]) -> str:
    def one(b: int | None) -> str:
        return "*" if b is None else str(b)

    return ",".join(one(a) if a == b else f"{one(a)}:{one(b)}" for a, b in ranges)


@given(_ranges, st.integers(min_value=0, max_value=70))
def test_select_agrees_with_a_naive_model(
    ranges: list[tuple[int | None, int | None]], largest: int
) -> None:
    parsed = parse_sequence_set(_text(ranges))
    model: set[int] = set()
    for a, b in ranges:
        low = largest if a is None else a
        high = largest if b is None else b
        model.update(range(min(low, high), max(low, high) + 1))
    existing = list(range(1, largest + 1))
    assert parsed.select(existing, largest) == sorted(model & set(existing))
    assert all(parsed.contains(n, largest) == (n in model) for n in range(1, 75))


@given(st.sets(st.integers(min_value=1, max_value=200)))
def test_format_then_parse_round_trips(numbers: set[int]) -> None:
    text = format_sequence_set(numbers)
    if not numbers:
        assert text == ""
        return
    assert parse_sequence_set(text).select(range(1, 201), 200) == sorted(numbers)


@given(_ranges)
def test_parse_of_str_is_identity(ranges: list[tuple[int | None, int | None]]) -> None:
    parsed = parse_sequence_set(_text(ranges))
    assert parse_sequence_set(str(parsed)) == parsed
    assert isinstance(parsed, SequenceSet)
