"""The search oracle: each RFC 3501 §6.4.4 key on a small hand-made mailbox."""

import datetime as dt

import pytest
from mailspec.fixtures import corpus
from mailspec.fixtures.imap import search_oracle as so

UTC = dt.UTC
WEST = dt.timezone(dt.timedelta(hours=-11))


def message(name, uid, *, flags=(), when=dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
            recent=False):
    raw = corpus.load(name).with_marker(f"t{uid}@oracle")
    return so.ModelMessage(uid, raw, when, set(flags), recent)


@pytest.fixture
def box():
    return [
        message("plain", 3, flags={"\\Seen", "$Work"}, recent=True),
        message("base64-text", 7, flags={"\\Answered", "\\Flagged"},
                when=dt.datetime(2026, 11, 21, 23, 30, tzinfo=WEST)),
        message("encoded-words", 8, flags={"\\Deleted", "\\Draft"}, recent=True),
        message("odd-date", 12, when=dt.datetime(2026, 11, 19, 0, 5, tzinfo=UTC)),
        message("no-date", 13, flags={"\\Seen"}),
    ]


def run(text, box):
    return so.search(so.parse_program(text), box)


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ("ALL", [1, 2, 3, 4, 5]),
        ("ANSWERED", [2]),
        ("UNANSWERED", [1, 3, 4, 5]),
        ("DELETED", [3]),
        ("UNDELETED", [1, 2, 4, 5]),
        ("DRAFT", [3]),
        ("UNDRAFT", [1, 2, 4, 5]),
        ("FLAGGED", [2]),
        ("UNFLAGGED", [1, 3, 4, 5]),
        ("SEEN", [1, 5]),
        ("UNSEEN", [2, 3, 4]),
        ("RECENT", [1, 3]),
        ("NEW", [3]),
        ("OLD", [2, 4, 5]),
        ("KEYWORD $work", [1]),
        ("UNKEYWORD $Work", [2, 3, 4, 5]),
        ("FROM alice", [1]),
        ("FROM \"andré\"", [3]),  # the oracle reads 8-bit quoted text leniently
        ("FROM {6}\r\nandré", [3]),
        ("TO taro", [3]),
        ("TO {14}\r\nнаталья", [3]),  # noqa: RUF001 (Cyrillic on purpose)
        ("CC Françoise".replace("Françoise", "{10}\r\nFrançoise"), [3]),
        ("BCC bob", []),
        ("SUBJECT {8}\r\nprüfung", [3]),
        ("SUBJECT \"PLAIN TEXT\"", [1]),
        ("HEADER In-Reply-To earlier", [4]),
        ("HEADER Date \"\"", [1, 2, 3, 4]),
        ("HEADER X-Absent \"\"", []),
        ("BODY ZANZIBAR", [2]),
        ("BODY subject", [3]),  # "...Cc and Subject fields." is body text
        ("TEXT subject", [1, 2, 3, 4, 5]),
        ("TEXT zanzibar", [2]),
        ("BEFORE 20-Nov-2026", [4]),
        ("ON 21-Nov-2026", [2]),  # 23:30 -1100 is 22 Nov in UTC: the zone's date counts
        ("SINCE 20-Nov-2026", [1, 2, 3, 5]),
        ("SENTBEFORE 3-Nov-2026", [1]),
        ("SENTON 1-Jan-2027", [4]),  # 23:30 -1100 stays 1 Jan, whatever UTC says
        ("SENTSINCE 13-Nov-2026", [2, 4]),
        ("LARGER 400", None),
        ("2:4", [2, 3, 4]),
        ("4:2", [2, 3, 4]),
        ("*", [5]),
        ("1,3:*", [1, 3, 4, 5]),
        ("UID 7:12", [2, 3, 4]),
        ("UID 12:7", [2, 3, 4]),
        ("UID *", [5]),
        ("UID 100:*", [5]),
        ("NOT SEEN", [2, 3, 4]),
        ("OR SEEN FLAGGED", [1, 2, 5]),
        ("OR (SEEN RECENT) DRAFT", [1, 3]),
        ("NOT (OR SEEN (FLAGGED ANSWERED))", [3, 4]),
        ("SEEN UNKEYWORD $Work", [5]),
    ],
)
def test_each_key(box, program, expected):
    if expected is None:  # sizes follow from the messages: computed from the raw bytes
        expected = [seq for seq, m in enumerate(box, 1) if len(m.raw) > 400]
    assert run(program, box) == expected


def test_smaller_and_larger_are_strict(box):
    size = box[0].size
    assert 1 not in so.search(so.Size("LARGER", size), box)
    assert 1 not in so.search(so.Size("SMALLER", size), box)
    assert 1 in so.search(so.Size("LARGER", size - 1), box)
    assert 1 in so.search(so.Size("SMALLER", size + 1), box)


def test_search_uids(box):
    assert so.search_uids(so.parse_program("SEEN"), box) == [3, 13]


def test_render_round_trips(box):
    program = so.And((
        so.Not(so.Or(so.Flag("SEEN"), so.group(so.Keyword("$Work"), so.Body("zanzibar")))),
        so.DateKey("SENTSINCE", dt.date(2026, 1, 2)),
        so.FieldText("SUBJECT", "prüfung"),
        so.Header("X-Mailspec-Seed", ""),
        so.SequenceSet("1:*"),
        so.SequenceSet("3,7:9", uid=True),
    ))
    text = program.render()
    assert "SENTSINCE 2-Jan-2026" in text
    assert so.parse_program(text) == program
    assert so.search(program, box) == so.search(so.parse_program(text), box)


@pytest.mark.parametrize("bad", ["", "FROM", "OR SEEN", "(SEEN", "BEFORE 2026-01-01", "FROBNICATE"])
def test_malformed_programs_are_refused(bad):
    with pytest.raises(so.ProgramError):
        so.parse_program(bad)


def test_header_dates():
    assert so.parse_header_date("Thu, 05 Nov 2026 23:59:59 +1400") == dt.date(2026, 11, 5)
    assert so.parse_header_date("1 Jan 2027 23:30:00 -1100") == dt.date(2027, 1, 1)
    assert so.parse_header_date(" (comment) 3 Feb 99 07:08:09 EST") == dt.date(1999, 2, 3)
    assert so.parse_header_date("yesterday") is None
    assert so.parse_header_date("31 Feb 2026 00:00:00 +0000") is None


def test_imap_date_has_no_zero_padding_of_the_day():
    assert so.imap_date(dt.date(2026, 3, 4)) == "4-Mar-2026"
