"""SEARCH (RFC 3501 §6.4.4), CHARSET/BADCHARSET (§7.1), ESEARCH (RFC 4731), SEARCHRES
(RFC 5182)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from reference_server.imap.search import (
    ReturnOptions,
    SearchContext,
    matches,
    parse_search,
    render_esearch,
    render_search,
    saved_result,
    search,
)
from reference_server.imap.tokens import Atom
from reference_server.imap.wire import ArgumentError

from .helpers import atoms, counting, view

PLUS1 = dt.timezone(dt.timedelta(hours=1))
MINUS8 = dt.timezone(dt.timedelta(hours=-8))

M1 = view(
    "Date: Tue, 1 Feb 1994 21:14:03 +0100\n"
    "From: Joe Public <joe@a.example>\n"
    "To: x@c.example\n"
    "Cc: Carbon <cc@d.example>\n"
    "Bcc: blind@e.example\n"
    "Subject: =?utf-8?q?caf=C3=A9?= Meeting\n"
    "X-Priority: 1\n\n"
    "Hello World, plain text.\n",
    seq=1, uid=10, flags=("\\Seen", "\\Answered"),
    when=dt.datetime(1994, 2, 1, 21, 14, 3, tzinfo=PLUS1),
)  # fmt: skip
_B64 = base64.b64encode(b"Geheimnis im Anhang").decode()
M2 = view(
    "Date: 2 Feb 94 10:00 GMT\n"
    "From: =?iso-8859-1?q?J=F6rg?= <jorg@b.example>\n"
    "To: team: x@c.example, y@c.example;\n"
    "Subject: Report\n"
    "Content-Type: multipart/mixed; boundary=zz\n\n"
    "--zz\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
    f"{_B64}\n"
    "--zz\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
    "Stra=DFe und soft=\nbreak\n"
    "--zz\nContent-Type: application/octet-stream\n\nbinaryneedle\n"
    "--zz--\n",
    seq=2, uid=20, flags=("\\Flagged", "\\Deleted", "\\Draft", "$Work", "\\Recent"),
    # 07:30 UTC on 2 Feb, but 1 Feb in its own zone
    when=dt.datetime(1994, 2, 1, 23, 30, 0, tzinfo=MINUS8),
)  # fmt: skip
M3 = view(
    "From: carol@c.example\n"
    "Subject: fwd\n"
    "Content-Type: multipart/mixed; boundary=q\n\n"
    "--q\n\nsee attached\n"
    "--q\nContent-Type: message/rfc822\n\n"
    "Subject: nested secret\nFrom: deep@x.example\n\ninner words\n"
    "--q--\n" + "padding line\n" * 50,
    seq=3, uid=30, flags=("\\Recent",),
    when=dt.datetime(2000, 3, 10, 12, 0, 0, tzinfo=dt.UTC),
)  # fmt: skip
MAILBOX = [M1, M2, M3]
CONTEXT = SearchContext(count=3, largest_uid=30)


def run(args: list[object], context: SearchContext = CONTEXT) -> list[int]:
    program = parse_search(args)
    return [v.seq for v in search(program, MAILBOX, context)]


def key(text: str, *strings: bytes) -> list[object]:
    """Atoms from ``text``, then the given strings (quoted strings arrive as bytes)."""
    return [*atoms(text), *strings]


# Every RFC 3501 §6.4.4 key: the program, the matching messages.
CASES = [
    (key("ALL"), [1, 2, 3]),
    (key("ANSWERED"), [1]),
    (key("UNANSWERED"), [2, 3]),
    (key("DELETED"), [2]),
    (key("UNDELETED"), [1, 3]),
    (key("DRAFT"), [2]),
    (key("UNDRAFT"), [1, 3]),
    (key("FLAGGED"), [2]),
    (key("UNFLAGGED"), [1, 3]),
    (key("SEEN"), [1]),
    (key("UNSEEN"), [2, 3]),
    (key("RECENT"), [2, 3]),
    (key("NEW"), [2, 3]),  # recent and unseen
    (key("OLD"), [1]),
    (key("KEYWORD $Work"), [2]),
    (key("KEYWORD $work"), [2]),  # keywords compare case-insensitively
    (key("UNKEYWORD $Work"), [1, 3]),
    (key("KEYWORD $Nope"), []),
    (key(f"LARGER {len(M1.data)}"), [m.seq for m in MAILBOX if m.size > M1.size]),
    (key(f"SMALLER {len(M1.data)}"), [m.seq for m in MAILBOX if m.size < M1.size]),
    (key(f"LARGER {len(M1.data) - 1}"), [m.seq for m in MAILBOX if m.size >= M1.size]),
    (key("BEFORE 1-Feb-1994"), []),
    (key("BEFORE 2-Feb-1994"), [1, 2]),  # M2 is 1 Feb in its own zone (2 Feb in UTC)
    (key("ON 1-Feb-1994"), [1, 2]),
    (key("ON 2-Feb-1994"), []),
    (key("SINCE 2-Feb-1994"), [3]),
    (key("SINCE 1-Feb-1994"), [1, 2, 3]),
    (key("SENTBEFORE 2-Feb-1994"), [1]),  # M3 has no Date: matches no SENT* key
    (key("SENTON 2-Feb-1994"), [2]),  # "94" is 1994
    (key("SENTSINCE 2-Feb-1994"), [2]),
    (key("NOT SENTON 2-Feb-1994"), [1, 3]),
    (key("SENTSINCE", b"1-Feb-1994"), [1, 2]),  # quoted date
    (key("FROM", b"JOE"), [1]),  # case-insensitive substring
    (key("FROM", b"a.example"), [1]),
    (key("FROM JOR"), [2]),  # from the decoded encoded word: Jörg
    (key("CHARSET UTF-8 FROM", "jörg".encode()), [2]),
    (key("TO x@c.example"), [1, 2]),
    (key("TO team"), [2]),
    (key("CC carbon"), [1]),
    (key("BCC blind"), [1]),
    (key("SUBJECT", b"CAF"), [1]),
    (key("CHARSET UTF-8 SUBJECT", "CAFÉ".encode()), [1]),  # decoded and case-folded
    (key("SUBJECT report"), [2]),
    (key("SUBJECT", b""), [1, 2, 3]),
    (key("HEADER X-Priority", b""), [1]),  # empty string: has the field
    (key("HEADER x-priority 1"), [1]),
    (key("HEADER Content-Type", b"MULTIPART"), [2, 3]),
    (key("HEADER X-Missing", b""), []),
    (key("BODY hello"), [1]),
    (key("BODY geheimnis"), [2]),  # base64 decoded
    (key("CHARSET UTF-8 BODY", "straße".encode()), [2]),  # quoted-printable + Latin-1
    (key("BODY softbreak"), [2]),  # a soft line break joins the words
    (key("BODY binaryneedle"), []),  # non-text parts are not body text
    (key("BODY inner"), [3]),  # an encapsulated message's body text is searched...
    (key("BODY", b"nested secret"), []),  # ...its header is not (no header block is)
    (key("TEXT", b"nested secret"), []),
    (key("BODY Meeting"), []),  # the header is not the body
    (key("TEXT Meeting"), [1]),  # TEXT: header or body
    (key("TEXT hello"), [1]),
    (key("TEXT", b"subject: report"), [2]),
    (key("TEXT", b"=?utf-8?q?caf"), [1]),  # TEXT also sees the header as written
    (key("SUBJECT", b"=?utf-8?q?caf"), []),  # SUBJECT only the decoded value
    (key("1"), [1]),
    (key("2:*"), [2, 3]),
    (key("*"), [3]),
    (key("3:1"), [1, 2, 3]),
    (key("UID 20"), [2]),
    (key("UID 15:*"), [2, 3]),
    (key("UID 31:*"), [3]),  # "*" is the last UID, so 31:* is 30:31
    (key("UID 1:9"), []),
    (key("NOT SEEN"), [2, 3]),
    (key("NOT NOT SEEN"), [1]),
    (key("OR SEEN FLAGGED"), [1, 2]),
    (key("OR SEEN OR FLAGGED UID 30"), [1, 2, 3]),
    (key("RECENT UNSEEN UNDELETED"), [3]),  # implicit AND
    (key("(RECENT UNSEEN) NOT DELETED"), [3]),
    (key("OR (SEEN ANSWERED) (DELETED DRAFT)"), [1, 2]),
    (key("NOT (OR SEEN DELETED)"), [3]),
    (key("NOT (SEEN OR DELETED FLAGGED)"), [1, 2, 3]),  # SEEN and (DELETED or FLAGGED): none
    (key("((((ALL))))"), [1, 2, 3]),
]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=lambda v: repr(v)[:60])
def test_search_key(args: list[object], expected: list[int]) -> None:
    assert run(args) == expected
    # NOT inverts every key exactly.
    negated: list[object] = [Atom("NOT"), args]
    if args[0] == Atom("CHARSET"):
        negated = [*args[:2], Atom("NOT"), args[2:]]
    assert run(negated) == [m.seq for m in MAILBOX if m.seq not in expected]


def test_all_35_rfc3501_keys_are_known() -> None:
    names = [
        "ALL",
        "ANSWERED",
        "BCC",
        "BEFORE",
        "BODY",
        "CC",
        "DELETED",
        "DRAFT",
        "FLAGGED",
        "FROM",
        "HEADER",
        "KEYWORD",
        "LARGER",
        "NEW",
        "NOT",
        "OLD",
        "ON",
        "OR",
        "RECENT",
        "SEEN",
        "SENTBEFORE",
        "SENTON",
        "SENTSINCE",
        "SINCE",
        "SMALLER",
        "SUBJECT",
        "TEXT",
        "TO",
        "UID",
        "UNANSWERED",
        "UNDELETED",
        "UNDRAFT",
        "UNFLAGGED",
        "UNKEYWORD",
        "UNSEEN",
    ]
    covered = {str(a).upper() for args, _ in CASES for a in _flatten(args) if isinstance(a, Atom)}
    assert len(names) == 35 and set(names) <= covered


def _flatten(args: list[object]) -> list[object]:
    out: list[object] = []
    for a in args:
        out.extend(_flatten(a) if isinstance(a, list) else [a])
    return out


def test_saved_result_in_a_search() -> None:
    context = SearchContext(count=3, largest_uid=30, saved_uids=frozenset({10, 30}))
    assert run(key("$"), context) == [1, 3]
    assert run(key("UID $"), context) == [1, 3]
    assert run(key("NOT $"), context) == [2]
    assert run(key("$"), CONTEXT) == []  # nothing saved: empty


def test_unknown_charset_is_no_badcharset() -> None:
    with pytest.raises(ArgumentError) as caught:
        parse_search(key("CHARSET KOI8-R TEXT x"))
    error = caught.value
    assert (error.status, error.code) == ("NO", "BADCHARSET (US-ASCII UTF-8)")
    assert str(error).startswith("NO [BADCHARSET (US-ASCII UTF-8)] ")


def test_charset_names_are_case_insensitive_and_may_be_quoted() -> None:
    assert parse_search([Atom("CHARSET"), b"utf-8", Atom("ALL")]).charset == "UTF-8"
    assert parse_search(key("charset us-ascii ALL")).charset == "US-ASCII"
    assert parse_search(key("ALL")).charset == "US-ASCII"


@pytest.mark.parametrize(
    "args",
    [
        [],
        key("CHARSET"),
        key("CHARSET UTF-8"),
        key("NOPE"),
        key("FROM"),
        key("OR SEEN"),
        key("NOT"),
        key("LARGER x"),
        key("LARGER -1"),
        key("SMALLER 4294967296"),
        key("BEFORE 1994-02-01"),
        key("ON 31-Feb-1994"),
        key("KEYWORD \\Seen"),
        key("UID"),
        key("UID x"),
        key("0"),
        key("1:0"),
        [[]],
        key("TEXT", b"caf\xc3\xa9"),  # 8-bit in a US-ASCII search string
        key("CHARSET UTF-8 TEXT", b"\xff"),  # not UTF-8
        key("HEADER", b"", b"x"),
        key("HEADER", b"Bad:Name", b"x"),
        key("RETURN (MIN) ALL"),  # RETURN only where ESEARCH is announced
        [Atom("NOT")] * 200 + [Atom("ALL")],  # nested too deeply
    ],
    ids=repr,
)
def test_bad_programs(args: list[object]) -> None:
    with pytest.raises(ArgumentError) as caught:
        parse_search(args)
    assert caught.value.status == "BAD"


def test_parse_return_options() -> None:
    program = parse_search(key("RETURN (MIN count) CHARSET UTF-8 SEEN"), esearch=True)
    assert program.returns == ReturnOptions(frozenset({"MIN", "COUNT"}))
    assert program.charset == "UTF-8"
    assert parse_search(key("RETURN () ALL"), esearch=True).returns == ReturnOptions(
        frozenset({"ALL"})
    )
    assert parse_search(key("ALL"), esearch=True).returns is None
    for bad in ("RETURN (FOO) ALL", "RETURN MIN ALL", "RETURN"):
        with pytest.raises(ArgumentError):
            parse_search(key(bad), esearch=True)


def test_render_search() -> None:
    assert render_search([]) == b"* SEARCH\r\n"
    assert render_search([2, 5]) == b"* SEARCH 2 5\r\n"


def test_render_esearch() -> None:
    every = ReturnOptions(frozenset({"MIN", "MAX", "ALL", "COUNT"}))
    assert render_esearch([5, 2, 3, 9], every, tag="a1", uid=True) == (
        b'* ESEARCH (TAG "a1") UID MIN 2 MAX 9 ALL 2:3,5,9 COUNT 4\r\n'
    )
    # Nothing matched: no MIN/MAX/ALL, COUNT 0 (RFC 4731 §3.1).
    assert render_esearch([], every, tag="t", uid=False) == b'* ESEARCH (TAG "t") COUNT 0\r\n'
    assert render_esearch([1], ReturnOptions(frozenset({"MAX"})), tag=None, uid=False) == (
        b"* ESEARCH MAX 1\r\n"
    )
    save = ReturnOptions(frozenset({"SAVE"}))
    assert render_esearch([1, 2], save, tag="t", uid=False) is None  # RFC 5182 §2.4


def test_saved_result_rules() -> None:
    options = lambda *names: ReturnOptions(frozenset(names))  # noqa: E731
    assert saved_result([3, 1, 2], options("SAVE")) == [1, 2, 3]
    assert saved_result([3, 1, 2], options("SAVE", "MIN")) == [1]
    assert saved_result([3, 1, 2], options("SAVE", "MIN", "MAX")) == [1, 3]
    assert saved_result([3, 1, 2], options("SAVE", "MIN", "COUNT")) == [1, 2, 3]
    assert saved_result([], options("SAVE", "MAX")) == []


def test_flag_and_size_programs_read_no_content() -> None:
    message = counting("Subject: x\n\nbody\n", flags=("\\Seen",))
    context = SearchContext(count=1, largest_uid=1)
    for text in ("SEEN", "UNSEEN LARGER 3", "OR FLAGGED SMALLER 100", "NOT UID 1:*",
                 "1 SINCE 1-Jan-1990", "KEYWORD x", "NEW", "OLD"):  # fmt: skip
        program = parse_search(key(text))
        assert not program.needs_content
        matches(program, message, context)
    assert message.reads == 0


def test_cheap_keys_decide_before_the_body_is_read() -> None:
    message = counting("Subject: x\n\nbody\n")  # not \Seen
    context = SearchContext(count=1, largest_uid=1)
    program = parse_search(key("BODY body SEEN"))  # the client wrote BODY first
    assert program.needs_content
    assert not matches(program, message, context)
    assert message.reads == 0
    assert matches(parse_search(key("BODY body UNSEEN")), message, context)
    assert message.reads == 1


def test_content_is_read_once_per_message_for_many_keys() -> None:
    message = counting("Subject: hello\nFrom: a@b\n\nbody words\n")
    program = parse_search(key("SUBJECT hello FROM a BODY words TEXT body HEADER From a"))
    assert matches(program, message, SearchContext(count=1, largest_uid=1))
    assert message.reads == 1
