"""RFC 3501 §6.4.4: BEFORE / ON / SINCE judge the internal date, SENTBEFORE / SENTON /
SENTSINCE the Date: header, each "disregarding time and timezone"."""

import datetime as dt

import pytest
from mailspec.fixtures.imap.search_oracle import imap_date
from mailspec.fixtures.requirements import expect_equal

from ._message_helpers import append_attempt, date_time, fetch_one, new_box, search


def _header_message(date_header: str) -> bytes:
    return (
        "From: Dates <dates@example.org>\r\nTo: Bob Example <bob@example.org>\r\n"
        f"Subject: dated {date_header}\r\nDate: {date_header}\r\n\r\nA dated message.\r\n"
    ).encode()


def _single(imap, imap_sandbox, *, raw=None, name="plain", date=None):
    box = new_box(imap, imap_sandbox, stem="dates")
    message = raw if raw is not None else name
    if date is not None:
        result, stored = append_attempt(box.client, box.name, message, date=date)
        if not result.ok:
            _date_refused(box, message, date, result)
        box.messages.append(stored)
    else:
        stored = box.add(message)
    box.select()
    return box, stored


def _date_refused(box, message, date, result):
    """An APPEND refused for its (valid) date-time leaves the SEARCH requirement
    untestable with that date: skip, naming the deviation, which is the subject of
    imap/rfc3501/6.3.11/append-sets-the-internal-date (SHOULD). Refused without the
    date too, the setup itself is broken."""
    box.add(message)  # raises SetupError if APPEND fails whatever the date
    answer = str(result).splitlines()[-1]
    pytest.skip(f"the server refuses APPEND with the date-time {date_time(date)!r} ({answer}) "
                "but accepts it without one; RFC 3501 §6.3.11: the internal date SHOULD be set")


def _require_internal_date(box, moment):
    """These cases judge SEARCH against the internal date APPEND was given; APPEND
    setting it is only a SHOULD (RFC 3501 §6.3.11: "If a date-time is specified, the
    internal date SHOULD be set in the resulting message"). Where INTERNALDATE shows
    another instant, skip, naming that deviation (append-sets-the-internal-date)."""
    shown = fetch_one(box.client, 1, "INTERNALDATE")["INTERNALDATE"]
    if shown != moment:
        pytest.skip(f"APPEND with {date_time(moment)!r} gave INTERNALDATE {shown}; RFC 3501 "
                    "§6.3.11: the internal date SHOULD be set")


def _matches(box, *criteria):
    result, got = search(box.client, *criteria)
    expect_equal(result.status, "OK", f"SEARCH {' '.join(map(str, criteria))}")
    return got == [1]


INTERNAL = dt.datetime(2025, 6, 15, 12, 0, 0, tzinfo=dt.UTC)


@pytest.mark.rfc(3501, "6.4.4", "MUST")
@pytest.mark.parametrize(
    ("criteria", "matches"),
    [
        (("SINCE", "1-Jan-2026"), False),  # internal date 2025, Date: header 2026
        (("SENTSINCE", "1-Jan-2026"), True),
        (("BEFORE", "1-Jan-2026"), True),
        (("SENTBEFORE", "1-Jan-2026"), False),
        (("ON", "15-Jun-2025"), True),
        (("SENTON", "15-Jun-2025"), False),
        (("ON", "2-Nov-2026"), False),
        (("SENTON", "2-Nov-2026"), True),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_internal_date_keys_and_sent_keys_use_different_dates(imap, imap_sandbox, criteria,
                                                              matches):
    """BEFORE, ON and SINCE compare the message's internal date; SENTBEFORE, SENTON and
    SENTSINCE its [RFC-2822] Date: header (here 2 Nov 2026 vs an internal date of
    15 Jun 2025)."""
    box, _ = _single(imap, imap_sandbox, date=INTERNAL)
    _require_internal_date(box, INTERNAL)
    expect_equal(_matches(box, *criteria), matches, f"SEARCH {' '.join(criteria)} matches")


@pytest.mark.rfc(3501, "6.4.4", "MUST")
@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2025, 6, 15, 23, 59, 59, tzinfo=dt.UTC),
        dt.datetime(2025, 6, 15, 0, 0, 1, tzinfo=dt.UTC),
        dt.datetime(2025, 6, 15, 23, 30, 0, tzinfo=dt.timezone(dt.timedelta(hours=-11))),
        dt.datetime(2025, 6, 15, 0, 30, 0, tzinfo=dt.timezone(dt.timedelta(hours=13))),
    ],
    ids=["late-utc", "early-utc", "late-minus11", "early-plus13"],
)
def test_internal_date_keys_ignore_the_time(imap, imap_sandbox, moment):
    """"disregarding time and timezone": ON matches the calendar date of the internal
    date, SINCE is that date or later, BEFORE earlier — at any time of day. The date
    judged is the one the server's own INTERNALDATE shows (a server may keep the zone
    given at APPEND or convert the instant to its own)."""
    box, _ = _single(imap, imap_sandbox, date=moment)
    shown = fetch_one(box.client, 1, "INTERNALDATE")["INTERNALDATE"].date()
    next_day = shown + dt.timedelta(days=1)
    expect_equal(_matches(box, "ON", imap_date(shown)), True, f"ON {imap_date(shown)}")
    expect_equal(_matches(box, "SINCE", imap_date(shown)), True, f"SINCE {imap_date(shown)}")
    expect_equal(_matches(box, "BEFORE", imap_date(shown)), False, f"BEFORE {imap_date(shown)}")
    expect_equal(_matches(box, "BEFORE", imap_date(next_day)), True,
                 f"BEFORE {imap_date(next_day)}")
    expect_equal(_matches(box, "SINCE", imap_date(next_day)), False,
                 f"SINCE {imap_date(next_day)}")


SENT = [
    ("1 Jan 2027 23:30:00 -1100", dt.date(2027, 1, 1)),  # 2 Jan in UTC
    ("Mon, 02 Feb 2026 00:30:00 +0900", dt.date(2026, 2, 2)),  # 1 Feb in UTC
    ("Thu, 05 Nov 2026 23:59:59 +1400", dt.date(2026, 11, 5)),
    ("Sat, 28 Feb 2026 12:00:00 +0000", dt.date(2026, 2, 28)),
    ("Tue, 3 Mar 2026 08:00:00 -0000", dt.date(2026, 3, 3)),  # one-digit day
    ("Wed, 04 Mar 2026 08:00:00 GMT", dt.date(2026, 3, 4)),  # obsolete zone (RFC 5322 §4.3)
]


@pytest.mark.rfc(3501, "6.4.4", "MUST")
@pytest.mark.parametrize(("header", "day"), SENT, ids=[h for h, _ in SENT])
def test_sent_keys_use_the_header_date_ignoring_time_and_zone(imap, imap_sandbox, header, day):
    """SENTON / SENTSINCE / SENTBEFORE: the Date: header "disregarding time and
    timezone" — the calendar date as written, even where UTC's date differs."""
    box, _ = _single(imap, imap_sandbox, raw=_header_message(header))
    before, after = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
    for criteria, wanted in [
        (("SENTON", imap_date(day)), True),
        (("SENTON", imap_date(after)), False),
        (("SENTON", imap_date(before)), False),
        (("SENTSINCE", imap_date(day)), True),
        (("SENTSINCE", imap_date(after)), False),
        (("SENTBEFORE", imap_date(day)), False),
        (("SENTBEFORE", imap_date(after)), True),
    ]:
        expect_equal(_matches(box, *criteria), wanted,
                     f"SEARCH {' '.join(criteria)} for Date: {header}")


@pytest.mark.rfc(3501, "9", "SHOULD")
@pytest.mark.parametrize("date", ["2026-01-01", "1-Jan-26", "Jan-1-2026", "32-Jan-2026x"])
def test_a_malformed_search_date_is_bad(imap, imap_sandbox, date):
    """date = date-text / DQUOTE date-text DQUOTE; date-text = date-day "-" date-month
    "-" date-year: anything else is a protocol error, best answered BAD (§7.1.5; no MUST
    to refuse — Cyrus 3.6 accepts "1-Jan-26")."""
    box, _ = _single(imap, imap_sandbox)
    result, _ = search(box.client, "SINCE", date)
    expect_equal(result.status, "BAD", f"SEARCH SINCE {date}")


@pytest.mark.rfc(3501, "9", "MUST")
def test_a_quoted_search_date_is_accepted(imap, imap_sandbox):
    """A search date may be quoted (date = DQUOTE date-text DQUOTE)."""
    box, _ = _single(imap, imap_sandbox, date=INTERNAL)
    _require_internal_date(box, INTERNAL)
    expect_equal(_matches(box, "ON", '"15-Jun-2025"'), True, 'SEARCH ON "15-Jun-2025"')
