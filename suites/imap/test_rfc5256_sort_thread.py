"""RFC 5256 SORT and THREAD, on messages whose order the RFC fixes."""

import datetime as dt

import pytest
from mailspec.fixtures.requirements import expect_equal

from ._message_helpers import new_box

# (subject, From mailbox, Date:, body lines) — sizes grow with the body
MESSAGES = [
    ("Gamma report", "carol", "Mon, 05 Jan 2026 10:00:00 +0000", 3),
    ("Re: alpha plan", "Bob", "Sat, 03 Jan 2026 10:00:00 +0000", 9),
    ("alpha plan", "alice", "Thu, 01 Jan 2026 10:00:00 +0000", 1),
    ("Fwd: Beta", "dave", "Fri, 02 Jan 2026 10:00:00 +0000", 5),
    ("RE: Alpha plan", "Eve", "Sun, 04 Jan 2026 10:00:00 +0000", 7),
]


def _raw(index, subject, sender, date, lines):
    body = "".join(f"line {n} of message {index}\r\n" for n in range(lines))
    return (f"From: {sender} <{sender.lower()}@example.org>\r\nTo: bob@example.org\r\n"
            f"Subject: {subject}\r\nDate: {date}\r\n"
            f"Message-ID: <sort{index}@mailspec.invalid>\r\nX-Mailspec-Seed: sort{index}\r\n\r\n"
            + body).encode()


def _box(imap, imap_sandbox):
    box = new_box(imap, imap_sandbox, stem="sort")
    for index, (subject, sender, date, lines) in enumerate(MESSAGES, 1):
        arrival = dt.datetime(2025, 1, index, 12, tzinfo=dt.UTC)
        box.add(_raw(index, subject, sender, date, lines), date=arrival)
    box.select()
    return box


def _sorted(box, *criteria):
    result = box.client.command("SORT", list(criteria), "UTF-8", "ALL")
    expect_equal(result.status, "OK", f"SORT ({' '.join(criteria)}) UTF-8 ALL")
    [data] = result.data_of("SORT") or [None]
    return list(getattr(data, "numbers", ()) or ())


@pytest.mark.rfc(5256, "3", "MUST")
@pytest.mark.imap_capability("SORT")
@pytest.mark.parametrize(
    ("criteria", "order"),
    [
        (("ARRIVAL",), [1, 2, 3, 4, 5]),
        (("REVERSE", "ARRIVAL"), [5, 4, 3, 2, 1]),
        (("DATE",), [3, 4, 2, 5, 1]),
        (("REVERSE", "DATE"), [1, 5, 2, 4, 3]),
        (("SIZE",), [3, 1, 4, 5, 2]),
        (("FROM",), [3, 2, 1, 4, 5]),  # addr-mailbox, case-insensitive: alice bob carol dave eve
        # base subjects: gamma report / alpha plan / alpha plan / beta / alpha plan; ties
        # keep mailbox order (§3: "sorted according to the order in which they appear").
        (("SUBJECT",), [2, 3, 5, 4, 1]),
        (("SUBJECT", "REVERSE", "DATE"), [5, 2, 3, 4, 1]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_sort(imap, imap_sandbox, criteria, order):
    """SORT returns the message numbers in the order of the sort criteria (§3), with
    base subjects (§2.1: "Re:", "Fwd:" removed, case-insensitive) for SUBJECT, the
    Date: header for DATE, and mailbox order to break ties."""
    box = _box(imap, imap_sandbox)
    expect_equal(_sorted(box, *criteria), order, f"SORT ({' '.join(criteria)})")


@pytest.mark.rfc(5256, "3", "MUST")
@pytest.mark.imap_capability("THREAD=ORDEREDSUBJECT")
def test_thread_orderedsubject(imap, imap_sandbox):
    """THREAD=ORDEREDSUBJECT groups messages by base subject, each group sorted by sent
    date; the first message is the parent, the rest its children; groups are ordered
    by the sent date of their first message."""
    box = _box(imap, imap_sandbox)
    result = box.client.command("THREAD", "ORDEREDSUBJECT", "UTF-8", "ALL")
    expect_equal(result.status, "OK", "THREAD ORDEREDSUBJECT UTF-8 ALL")
    [threads] = result.data_of("THREAD") or [None]
    # alpha plan: 3 (1 Jan), then 2 (3 Jan), 5 (4 Jan); beta: 4; gamma report: 1.
    expect_equal(threads, [[3, [2], [5]], [4], [1]], "the threads")
