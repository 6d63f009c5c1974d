"""IMAP dates and the Date: header.

Public API::

    parse_search_date(token: str | bytes) -> datetime.date
        RFC 3501 §9 ``date`` (SEARCH BEFORE/ON/SINCE/SENT*): ``1-Feb-1994``, also quoted
        (the command parser has already removed the quotes: a quoted string arrives as
        bytes).  ArgumentError BAD otherwise.
    parse_date_time(token: str | bytes) -> datetime.datetime
        RFC 3501 §9 ``date-time`` (APPEND): ``01-Feb-1994 21:14:03 +0100`` with the day as
        two digits or space + digit; returns an aware datetime in the given zone.
        ArgumentError BAD otherwise.
    format_date_time(moment: datetime) -> bytes
        The INTERNALDATE value, quoted: ``b'"01-Feb-1994 21:14:03 +0100"'`` (the zone is
        the datetime's own; a naive datetime is taken as UTC).
    header_date(value: str | bytes) -> datetime.date | None
        The calendar date written in a Date: header (RFC 5322 §3.3, with the obsolete
        forms of §4.3: comments anywhere, no day of week, 2- and 3-digit years, missing
        seconds, alphabetic zones), ignoring time and zone as SEARCH SENT* requires
        (RFC 3501 §6.4.4).  Lenient about what it ignores (the day name, what follows
        the year).  None when no day-month-year can be read: such a message matches no
        SENT* key.

Month names are English and case-insensitive (ABNF strings are); nothing here depends
on the process locale.
"""

from __future__ import annotations

import datetime as dt
import re

from .wire import ArgumentError

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBER = {name.lower(): number for number, name in enumerate(MONTHS, start=1)}


def _text(token: str | bytes) -> str:
    if isinstance(token, bytes):
        try:
            return token.decode("ascii")
        except UnicodeDecodeError:
            raise ArgumentError("Invalid date") from None
    return str(token)


def _calendar(year: int, month_name: str, day: int) -> dt.date:
    month = _MONTH_NUMBER.get(month_name.lower())
    if month is None:
        raise ValueError(month_name)
    return dt.date(year, month, day)  # ValueError for 31-Feb


# date-text = date-day "-" date-month "-" date-year ; date-day = 1*2DIGIT
_SEARCH_DATE = re.compile(r"([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})\Z")


def parse_search_date(token: str | bytes) -> dt.date:
    text = _text(token)
    match = _SEARCH_DATE.match(text)
    if match is None:
        raise ArgumentError(f"Invalid date {text!r} (expected e.g. 1-Feb-1994)")
    try:
        return _calendar(int(match.group(3)), match.group(2), int(match.group(1)))
    except ValueError:
        raise ArgumentError(f"Invalid date {text!r}") from None


# date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
# date-day-fixed = (SP DIGIT) / 2DIGIT ; time = 2DIGIT ":" 2DIGIT ":" 2DIGIT
# zone = ("+" / "-") 4DIGIT
_DATE_TIME = re.compile(
    r"( [0-9]|[0-9]{2})-([A-Za-z]{3})-([0-9]{4}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})\Z"
)


def parse_date_time(token: str | bytes) -> dt.datetime:
    text = _text(token)
    match = _DATE_TIME.match(text)
    if match is None:
        raise ArgumentError(
            f"Invalid date-time {text!r} (expected e.g. 01-Feb-1994 21:14:03 +0100)"
        )
    day, month, year, hour, minute, second, sign, zh, zm = match.groups()
    try:
        date = _calendar(int(year), month, int(day))
        # A leap second (60) is legal in RFC 5322 time; datetime cannot hold it.
        clock = dt.time(int(hour), int(minute), min(int(second), 59))
        if int(zm) >= 60:
            raise ValueError(zm)
        offset = dt.timedelta(hours=int(zh), minutes=int(zm))
        zone = dt.timezone(-offset if sign == "-" else offset)
    except ValueError:
        raise ArgumentError(f"Invalid date-time {text!r}") from None
    return dt.datetime.combine(date, clock, tzinfo=zone)


def format_date_time(moment: dt.datetime) -> bytes:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    text = (
        f'"{moment.day:02d}-{MONTHS[moment.month - 1]}-{moment.year:04d} '
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} "
        f'{sign}{minutes // 60:02d}{minutes % 60:02d}"'
    )
    return text.encode("ascii")


# -- the Date: header ---------------------------------------------------------------------


def _strip_comments(text: str) -> str:
    """Remove RFC 5322 comments (nested, with quoted-pairs), leaving a space each."""
    out: list[str] = []
    depth = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and depth:
            index += 2
            continue
        if char == "(":
            depth += 1
            if depth == 1:
                out.append(" ")
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
        index += 1
    return "".join(out)


# After comments are gone: [day-of-week ","] day month year, then anything. Only the
# calendar date matters to SENT*, so what follows the year (time, zone, junk) and the
# spelling of the day name are not checked: a readable date is used, as mail readers do.
_HEADER_DATE = re.compile(r"\s*(?:[A-Za-z]+\s*,)?\s*([0-9]{1,2})\s+([A-Za-z]{3})\s+([0-9]{2,})\b")


def header_date(value: str | bytes) -> dt.date | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    text = _strip_comments(value)
    match = _HEADER_DATE.match(text)
    if match is None:
        return None
    day, month, year_text = match.groups()
    year = int(year_text)
    # RFC 5322 §4.3 obs-year: two digits are 19xx from 50 on, 20xx below; three digits
    # are added to 1900.
    if len(year_text) == 2:
        year += 2000 if year < 50 else 1900
    elif len(year_text) == 3:
        year += 1900
    try:
        return _calendar(year, month, int(day))
    except ValueError:
        return None
