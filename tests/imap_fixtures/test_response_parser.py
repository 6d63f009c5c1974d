"""The response parser against RFC examples, edge cases and errors with positions."""

from __future__ import annotations

import datetime

import pytest
from mailspec.fixtures.imap.response_parser import (
    ImapSyntaxError,
    Incomplete,
    ParserOptions,
    parse_greeting,
    parse_next,
    parse_response,
)
from mailspec.fixtures.imap.response_types import (
    Continuation,
    Literal8,
    Multipart,
    ResponseCode,
    SinglePart,
    Tagged,
    UidSet,
)

DEFAULT = ParserOptions()


def error_at(data: bytes, options: ParserOptions = DEFAULT) -> ImapSyntaxError:
    with pytest.raises(ImapSyntaxError) as caught:
        parse_response(data, options)
    return caught.value


# -- RFC 3501 §8 (the sample session) and §7 examples ---------------------------------


def test_rfc3501_sample_session_lines():
    lines = [
        b"* OK IMAP4rev1 Service Ready\r\n",
        b"a001 OK LOGIN completed\r\n",
        b"* 18 EXISTS\r\n",
        b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n",
        b"* 2 RECENT\r\n",
        b"* OK [UNSEEN 17] Message 17 is the first unseen message\r\n",
        b"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n",
        b"a002 OK [READ-WRITE] SELECT completed\r\n",
        b"* 12 FETCH (BODY[HEADER] {342}\r\n" + b"x" * 342 + b")\r\n",
        b"* BYE IMAP4rev1 server terminating connection\r\n",
    ]
    parsed = [parse_response(line) for line in lines]
    assert parsed[2].kind == "EXISTS" and parsed[2].number == 18
    assert parsed[3].data == ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
    assert parsed[5].code == ResponseCode("UNSEEN", 17)
    assert parsed[6].code == ResponseCode("UIDVALIDITY", 3857529045)
    assert parsed[7] == Tagged("a002", "OK", ResponseCode("READ-WRITE"), "SELECT completed")
    assert parsed[8].data["BODY[HEADER]"] == b"x" * 342
    assert parsed[9].kind == "BYE"


def test_fetch_envelope_and_body_from_rfc3501_7_4_2():
    data = (
        b'* 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" '
        b'RFC822.SIZE 4286 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" '
        b'"IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) '
        b'(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) '
        b'((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")'
        b'("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>") '
        b'BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))\r\n'
    )
    fetch = parse_response(data).data
    zone = datetime.timezone(datetime.timedelta(hours=-7))
    assert fetch["INTERNALDATE"] == datetime.datetime(1996, 7, 17, 2, 44, 25, tzinfo=zone)
    assert fetch["rfc822.size"] == 4286
    envelope = fetch["ENVELOPE"]
    assert envelope.from_[0].mailbox == "gray" and envelope.bcc is None
    assert [a.mailbox for a in envelope.cc] == ["minutes", "KLENSIN"]
    body = fetch["BODY"]
    assert isinstance(body, SinglePart) and (body.type, body.subtype, body.lines) == (
        "TEXT",
        "PLAIN",
        92,
    )
    assert body.params == (("CHARSET", "US-ASCII"),) and body.extension_count == 0


def test_bodystructure_multipart_with_extensions_and_message_rfc822():
    data = (
        b'* 3 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 20 2 NIL NIL NIL NIL)'
        b'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 300 (NIL "inner" NIL NIL NIL NIL NIL NIL NIL NIL) '
        b'("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1) 12 NIL ("ATTACHMENT" ("FILENAME" "m.eml")) ("EN" "DE") "loc" 7 (1 "x"))'
        b' "MIXED" ("BOUNDARY" "b") NIL "EN"))\r\n'
    )
    body = parse_response(data).data["BODYSTRUCTURE"]
    assert isinstance(body, Multipart) and body.subtype == "MIXED"
    assert (
        body.params == (("BOUNDARY", "b"),)
        and body.language == ("EN",)
        and body.extension_count == 3
    )
    text, message = body.parts
    assert text.extension_count == 4 and text.location is None
    assert message.envelope.subject == "inner" and message.body.size == 10 and message.lines == 12
    assert message.disposition.type == "ATTACHMENT" and message.language == ("EN", "DE")
    assert message.extensions == (7, (1, "x"))


def test_literal_inside_header_list_and_case_insensitive_keywords():
    data = b'* 1 fetch (body[header.fields ({4}\r\nFROM "to")] {3}\r\nabc uid 7)\r\n'
    parsed = parse_response(data)
    assert parsed.kind == "FETCH"
    assert parsed.data.items == {"BODY[HEADER.FIELDS (FROM TO)]": b"abc", "UID": 7}


def test_quoted_string_escapes():
    parsed = parse_response(b'* LIST () "\\\\" "a \\"b\\" \\\\c"\r\n')
    assert parsed.data.delimiter == "\\" and parsed.data.name == 'a "b" \\c'
    assert error_at(b'* LIST () "/" "a\\b"\r\n').offset == 17


def test_response_codes_typed():
    parsed = parse_response(b"a1 OK [APPENDUID 38505 3955] done\r\n")
    assert parsed.code == ResponseCode("APPENDUID", (38505, UidSet(((3955, 3955),))))
    parsed = parse_response(b'* NO [BADCHARSET (UTF-8 "ISO-8859-1")] no\r\n')
    assert parsed.code.value == ("UTF-8", "ISO-8859-1")
    parsed = parse_response(b"a1 NO [BADCHARSET] no\r\n")
    assert parsed.code.value == ()
    parsed = parse_response(b"a1 NO [NOPERM] no\r\n")
    assert parsed.code == ResponseCode("NOPERM")
    parsed = parse_response(b"* OK [X-SOMETHING some text] hi\r\n")
    assert parsed.code == ResponseCode("X-SOMETHING", "some text")
    parsed = parse_response(b"* OK [HIGHESTMODSEQ 715194045007] hi\r\n")
    assert parsed.code.value == 715194045007
    assert list(parse_response(b"a OK [COPYUID 1 3:1,7 5:7,9] x\r\n").code.value[1]) == [3, 2, 1, 7]


@pytest.mark.parametrize(
    ("data", "offset", "fragment"),
    [
        (b"* OK\r\n", 4, "space"),
        (b"* OK [UIDNEXT 0] x\r\n", 14, "non-zero"),
        (b"* OK [UIDNEXT 012] x\r\n", 14, "non-zero"),
        (b"* OK [UIDNEXT 5]x\r\n", 16, "space"),
        (b"* OK [READ-WRITE x] y\r\n", 16, "no argument"),
        (b"* OK [UIDNEXT 4294967296] x\r\n", 14, "exceeds"),
        (b"a1 MAYBE done\r\n", 3, "OK, NO or BAD"),
        (b"+ta\r\n", 1, "space"),
        (b"* 0 FETCH (UID 1)\r\n", 2, "non-zero"),
        (b"* EXISTS\r\n", 2, "number"),
        (b"* 3 LIST () NIL x\r\n", 4, "does not follow a number"),
        (b"* CAPABILITY IDLE\r\n", 12, "IMAP4rev1"),
        (b"* FLAGS (\\*)\r\n", 10, "PERMANENTFLAGS"),
        (b'* LIST (Marked) "/" x\r\n', 15, "backslash"),
        (b'* LIST () "//" x\r\n', 10, "one quoted character"),
        (b"* 1 FETCH (UID 1 UID 2)\r\n", 17, "twice"),
        (b"* 1 FETCH (BODY[] {2}\r\na\0)\r\n", 24, "NUL"),
        (b"* 1 FETCH (BODY[] {2+}\r\nab)\r\n", 20, "'+'"),
        (b'* 1 FETCH (INTERNALDATE "31-Feb-2020 00:00:00 +0000")\r\n', 24, "impossible"),
        (b'* 1 FETCH (INTERNALDATE "1-Feb-2020 00:00:00 +0000")\r\n', 26, "date-time"),
        (b"* OK caf\xc3\xa9\r\n", 8, "8-bit"),
        (b"* OK a\rb\r\n", 7, "CR not followed"),
        (b"* OK done\r\nextra", 11, "after the end"),
        (b"* STATUS x (MESSAGES 1 MESSAGES 2)\r\n", 23, "twice"),
        (b"* THREAD ((1))\r\n", 10, "two thread-lists"),
    ],
)
def test_violations_point_at_the_byte(data, offset, fragment):
    error = error_at(data)
    assert error.offset == offset, str(error)
    assert fragment in str(error)


def test_utf8_allowed_only_when_enabled():
    data = '* LIST () "/" "café"\r\n'.encode()
    assert error_at(data).offset == 18
    assert parse_response(data, ParserOptions(utf8=True)).data.name == "café"
    assert error_at(b"* OK \xc3(\r\n", ParserOptions(utf8=True)).offset == 5


def test_rendering_puts_the_caret_under_the_byte():
    error = error_at(b"* 0 FETCH (UID 1)\r\n")
    line, caret = error.render().splitlines()
    assert line == "S: * 0 FETCH (UID 1)\\r\\n"
    assert caret.index("^") == line.index("0")


def test_text_ending_in_a_literal_header_is_text_not_a_literal():
    """Framing follows the grammar: resp-text may end with {5}."""
    parsed = parse_response(b"* OK waiting {5}\r\n")
    assert parsed.text == "waiting {5}"


def test_incomplete_reports_the_length_a_literal_needs():
    with pytest.raises(Incomplete) as caught:
        parse_response(b"* 1 FETCH (BODY[] {10}\r\nabc")
    assert caught.value.need >= len(b"* 1 FETCH (BODY[] {10}\r\n") + 10


def test_parse_next_reads_consecutive_responses():
    data = b"* 1 EXISTS\r\n+ go\r\na1 OK done\r\n"
    first, end = parse_next(data)
    second, end = parse_next(data, end)
    third, end = parse_next(data, end)
    assert (first.kind, second, third.tag, end) == ("EXISTS", Continuation("go"), "a1", len(data))


def test_greeting_must_be_ok_preauth_or_bye():
    assert parse_greeting(b"* PREAUTH hi\r\n").kind == "PREAUTH"
    with pytest.raises(ImapSyntaxError):
        parse_greeting(b"* NO hi\r\n")


def test_extensions_and_unknown_kinds_parse_generically():
    assert parse_response(b'* QUOTAROOT INBOX ""\r\n').data == ["INBOX", b""]
    parsed = parse_response(b'* 1 FETCH (X-GM-LABELS (\\Inbox "a b") UID 2)\r\n')
    assert parsed.data["X-GM-LABELS"] == ["\\Inbox", b"a b"]
    parsed = parse_response(b'* LIST (\\HasChildren) "." "a" ("CHILDINFO" ("SUBSCRIBED"))\r\n')
    assert parsed.data.extended == (("CHILDINFO", [b"SUBSCRIBED"]),)
    assert parsed.data.has("\\haschildren")


def test_binary_with_an_origin():
    """RFC 3516 §4.2: "BINARY" section-binary ["<" number ">"] SP (nstring / literal8)."""
    parsed = parse_response(b"* 1 FETCH (BINARY[1]<4> ~{3}\r\nabc BINARY.SIZE[1] 9)\r\n")
    assert parsed.data["BINARY[1]<4>"] == b"abc" and parsed.data["BINARY.SIZE[1]"] == 9
    assert error_at(b"* 1 FETCH (BINARY.SIZE[1]<4> 9)\r\n").offset == 25


# -- RFC 3516 BINARY in FETCH responses ------------------------------------------------
# msg-att-static =/ "BINARY" section-binary SP (nstring / literal8)
#                 / "BINARY.SIZE" section-binary SP number        (RFC 3516 §7)
# section-binary = "[" [section-part] "]"
# §4.3 names the response item BINARY<section-binary>[<<number>>]: "If <number> is
# present it refers to the offset within the DECODED section data" -- the origin of a
# partial FETCH, which §7's ABNF leaves out; servers send it (as for BODY[]<origin>),
# so it is accepted, and only on BINARY (never on BINARY.SIZE).


@pytest.mark.parametrize(
    ("data", "key", "value"),
    [
        (b"* 1 FETCH (BINARY[1]<4> ~{10}\r\n0123\x00\x006789)\r\n", "BINARY[1]<4>",
         Literal8(b"0123\x00\x006789")),
        (b"* 1 FETCH (BINARY[] ~{4}\r\n\x00\xff\r\n)\r\n", "BINARY[]", Literal8(b"\x00\xff\r\n")),
        (b"* 1 FETCH (binary[1]<0> ~{1}\r\n\x00)\r\n", "BINARY[1]<0>", Literal8(b"\x00")),
        (b"* 1 FETCH (BINARY[1]<04> ~{0}\r\n)\r\n", "BINARY[1]<4>", Literal8(b"")),
        (b"* 2 FETCH (BINARY[1.2] {3}\r\nabc)\r\n", "BINARY[1.2]", b"abc"),
        (b'* 2 FETCH (BINARY[1]<7> "")\r\n', "BINARY[1]<7>", b""),
        (b"* 2 FETCH (BINARY[2] NIL)\r\n", "BINARY[2]", None),
        (b"* 2 FETCH (BINARY.SIZE[] 0)\r\n", "BINARY.SIZE[]", 0),
        (b"* 2 FETCH (BINARY.SIZE[3.1] 4294967296)\r\n", "BINARY.SIZE[3.1]", 2**32),
    ],
)  # fmt: skip
def test_binary_fetch_items_accepted(data, key, value):
    """literal8 (any octet, NUL included) only for BINARY[...], with or without the
    partial's origin; a plain literal, quoted string or NIL also serve (nstring)."""
    parsed = parse_response(data)
    assert parsed.data[key] == value
    assert type(parsed.data[key]) is type(value)


def test_binary_literal8_among_other_items():
    data = b"* 3 FETCH (UID 9 BINARY[1]<4> ~{3}\r\n\x00\r\n BINARY.SIZE[1] 7 FLAGS (\\Seen))\r\n"
    parsed = parse_response(data)
    assert parsed.number == 3
    assert dict(parsed.data.items) == {
        "UID": 9, "BINARY[1]<4>": b"\x00\r\n", "BINARY.SIZE[1]": 7, "FLAGS": ("\\Seen",),
    }  # fmt: skip


def test_binary_literal8_cut_short_is_incomplete():
    data = b"* 1 FETCH (BINARY[1]<4> ~{10}\r\n0123\x00\x006789)\r\n"
    for cut in (30, 33, 40, len(data) - 1):
        with pytest.raises(Incomplete):
            parse_response(data[:cut])


@pytest.mark.parametrize(
    ("data", "offset", "fragment"),
    [
        # A plain literal may not hold NUL (CHAR8); only literal8 may.
        (b"* 1 FETCH (BINARY[1]<4> {3}\r\na\x00c)\r\n", 30, "NUL"),
        # BODY[...] and RFC822 values are nstring: no literal8 there.
        (b"* 1 FETCH (BODY[1] ~{3}\r\na\x00c)\r\n", 19, "string"),
        (b"* 1 FETCH (RFC822 ~{1}\r\na)\r\n", 18, "string"),
        # BINARY.SIZE is a number, and has no origin.
        (b"* 1 FETCH (BINARY.SIZE[1] ~{1}\r\n9)\r\n", 26, "number"),
        (b"* 1 FETCH (BINARY.SIZE[1]<4> 9)\r\n", 25, ""),
        # The response's origin is one number, not the request's <start.count>.
        (b"* 1 FETCH (BINARY[1]<4.5> ~{1}\r\na)\r\n", 22, "'>'"),
        (b"* 1 FETCH (BINARY[1]<> ~{1}\r\na)\r\n", 21, "number"),
        # section-binary holds part numbers only, each non-zero.
        (b"* 1 FETCH (BINARY[1.TEXT] ~{1}\r\na)\r\n", 20, "number"),
        (b"* 1 FETCH (BINARY[0] ~{1}\r\na)\r\n", 18, "non-zero"),
        # A server's literal8 has no "+"; its length is exact.
        (b"* 1 FETCH (BINARY[1] ~{3+}\r\nabc)\r\n", 24, "'+'"),
        (b"* 1 FETCH (BINARY[1] ~{3}\r\nabcd)\r\n", 30, "space"),
        (b"* 1 FETCH (BINARY[1] ~ {3}\r\nabc)\r\n", 22, "'{'"),
        (b"* 1 FETCH (BINARY[1]<4> ~{3}\r\nabc BINARY[1]<4> ~{1}\r\nx)\r\n", 34, "twice"),
    ],
)  # fmt: skip
def test_binary_fetch_violations_point_at_the_byte(data, offset, fragment):
    error = error_at(data)
    assert error.offset == offset, str(error)
    assert fragment in str(error)
