"""Dates: SEARCH date, APPEND date-time, INTERNALDATE, and the Date: header (RFC 3501 §9,
RFC 5322 §3.3 and §4.3)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_server.imap.dates import (
    format_date_time,
    header_date,
    parse_date_time,
    parse_search_date,
)
from reference_server.imap.tokens import Atom
from reference_server.imap.wire import ArgumentError


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1-Feb-1994", dt.date(1994, 2, 1)), ("01-Feb-1994", dt.date(1994, 2, 1)),
     ("31-dec-2024", dt.date(2024, 12, 31)), ("29-FEB-2024", dt.date(2024, 2, 29))],
)  # fmt: skip
def test_search_date(text: str, expected: dt.date) -> None:
    assert parse_search_date(Atom(text)) == expected
    assert parse_search_date(text.encode()) == expected  # the quoted form


@pytest.mark.parametrize(
    "text",
    ["", "1-Feb-94", "001-Feb-1994", "1-Fev-1994", "1 Feb 1994", "29-Feb-2023", "32-Jan-2000",
     "1-Feb-1994 ", "1-February-1994", "0-Feb-1994"],
)  # fmt: skip
def test_bad_search_date(text: str) -> None:
    with pytest.raises(ArgumentError) as caught:
        parse_search_date(text)
    assert caught.value.status == "BAD"


def test_date_time_parses_zone_and_both_day_forms() -> None:
    expected = dt.datetime(1994, 2, 1, 21, 14, 3, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert parse_date_time(b"01-Feb-1994 21:14:03 +0100") == expected
    assert parse_date_time(b" 1-Feb-1994 21:14:03 +0100") == expected
    moment = parse_date_time("17-Jul-1996 02:44:25 -0730")
    assert moment.utcoffset() == -dt.timedelta(hours=7, minutes=30)
    assert parse_date_time("30-Jun-2015 23:59:60 +0000").second == 59  # a leap second


@pytest.mark.parametrize(
    "text",
    ["1-Feb-1994 21:14:03 +0100", "01-Feb-1994 21:14 +0100", "01-Feb-1994 21:14:03",
     "01-Feb-1994 24:00:00 +0000", "01-Feb-1994 21:60:00 +0000", "01-Feb-1994 21:14:03 +0160",
     "01-Feb-1994 21:14:03 GMT", "01-Feb-1994  21:14:03 +0100", "30-Feb-1994 21:14:03 +0100"],
)  # fmt: skip
def test_bad_date_time(text: str) -> None:
    with pytest.raises(ArgumentError):
        parse_date_time(text)


def test_format_internal_date() -> None:
    zone = dt.timezone(-dt.timedelta(hours=7, minutes=30))
    assert (
        format_date_time(dt.datetime(1996, 7, 7, 2, 4, 5, tzinfo=zone))
        == b'"07-Jul-1996 02:04:05 -0730"'
    )
    assert format_date_time(dt.datetime(2020, 1, 1)) == b'"01-Jan-2020 00:00:00 +0000"'


_zones = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)


@given(
    st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    _zones,
)
def test_internal_date_round_trips(naive: dt.datetime, zone: dt.timezone) -> None:
    moment = naive.replace(microsecond=0, tzinfo=zone)
    text = format_date_time(moment)
    assert text.startswith(b'"') and text.endswith(b'"')
    back = parse_date_time(text[1:-1])
    assert back == moment and back.utcoffset() == moment.utcoffset()


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_search_date_round_trips(date: dt.date) -> None:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert parse_search_date(f"{date.day}-{months[date.month - 1]}-{date.year:04d}") == date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 1 Feb 1994 21:14:03 +0100", dt.date(1994, 2, 1)),
        ("1 Feb 1994 21:14:03 +0100", dt.date(1994, 2, 1)),  # no day of week
        ("Tue, 01 Feb 1994 23:59 -1200", dt.date(1994, 2, 1)),  # no seconds; the zone is ignored
        ("Tue,1 Feb 1994 00:00:00 +1400", dt.date(1994, 2, 1)),
        ("Tue (comment), 1 (x) Feb 1994 (y) 21:14:03 EST", dt.date(1994, 2, 1)),
        ("1 Feb 94 21:14:03 GMT", dt.date(1994, 2, 1)),  # obs-year: 2 digits
        ("1 Feb 49 21:14:03 UT", dt.date(2049, 2, 1)),
        ("1 Feb 50 21:14:03 Z", dt.date(1950, 2, 1)),
        ("1 Feb 104 21:14:03 +0000", dt.date(2004, 2, 1)),  # 3 digits: + 1900
        ("  1   FEB   1994\r\n 21:14:03 +0000", dt.date(1994, 2, 1)),
        ("1 Feb 1994", dt.date(1994, 2, 1)),
        ("Foo, 1 Feb 1994 21:14:03 +0100", dt.date(1994, 2, 1)),  # the day name is not checked
        ("1 feb 1994 junk", dt.date(1994, 2, 1)),  # nor what follows the year
    ],
)
def test_header_date(value: str, expected: dt.date) -> None:
    assert header_date(value) == expected
    assert header_date(value.encode()) == expected


@pytest.mark.parametrize(
    "value",
    ["", "yesterday", "1994-02-01", "31 Feb 1994 10:00 +0000",
     "1 Fev 1994 10:00 +0000", "Feb 1 1994 10:00:00", "1 Feb", "1 Feb 1994x",
     "1 February 1994"],
)  # fmt: skip
def test_unreadable_header_date(value: str) -> None:
    assert header_date(value) is None
