"""MIME structure by offsets: headers, boundaries, parameters, decoding (RFC 2045-2047,
RFC 2231, RFC 5322 §2.2)."""

from __future__ import annotations

import pytest

from reference_server.imap.parsed_message import (
    ParsedCache,
    decode_base64,
    decode_words,
    merge_rfc2231,
    parse_content_type,
    parse_message,
    to_text,
)

from .helpers import crlf


def test_header_fields_keep_their_exact_lines() -> None:
    data = crlf("Subject: one\n two\n\tthree\nX-Empty:\nTo : a@b\n\nbody\n")
    m = parse_message(data)
    assert [f.name for f in m.fields] == ["Subject", "X-Empty", "To"]
    assert m.fields[0].raw == b"Subject: one\r\n two\r\n\tthree\r\n"
    assert m.fields[0].value == b"one two\tthree"  # unfolded: line ends go, blanks stay
    assert m.value("x-empty") == b""
    assert m.value("TO") == b"a@b"  # obs: blanks before the colon
    assert m.header_bytes() == data[: data.index(b"\r\n\r\n") + 4]
    assert m.body_bytes() == b"body\r\n"
    assert m.has_blank_line


def test_message_without_blank_line_is_all_header() -> None:
    m = parse_message(b"Subject: x\r\nFrom: y")
    assert not m.has_blank_line
    assert m.body_bytes() == b""
    assert m.header_bytes() == b"Subject: x\r\nFrom: y"


def test_message_starting_with_blank_line_has_an_empty_header() -> None:
    m = parse_message(b"\r\nbody")
    assert m.fields == [] and m.header_bytes() == b"\r\n" and m.body_bytes() == b"body"


def test_line_without_colon_is_a_nameless_field() -> None:
    m = parse_message(crlf("junk line\nSubject: s\n\n"))
    assert [f.name for f in m.fields] == ["", "Subject"]


def test_first_occurrence_wins() -> None:
    m = parse_message(crlf("Subject: a\nSubject: b\n\n"))
    assert m.value("subject") == b"a"
    assert m.first("nope") is None and m.value("nope") is None


MULTI = crlf(
    'Content-Type: multipart/mixed; boundary="b1"\n\n'
    "preamble\n"
    "--b1\n"
    "Content-Type: text/plain\n\n"
    "one\n"
    "--b1  \n"  # transport padding
    "Content-Type: multipart/alternative; boundary=b2\n\n"
    "--b2\n\ninner a\n--b2\nContent-Type: text/html\n\n<p>b</p>\n--b2--\n"
    "\n--b1\n"
    "Content-Type: message/rfc822\n\n"
    "Subject: enc\n\nencapsulated\n"
    "--b1--\n"
    "epilogue\n"
)


def test_multipart_split_by_boundaries() -> None:
    m = parse_message(MULTI)
    assert m.is_multipart and m.param("BOUNDARY") == "b1"
    one, alt, msg = m.parts
    assert one.body_bytes() == b"one"  # the CRLF before the delimiter is not the part's
    assert one.whole_bytes() == b"Content-Type: text/plain\r\n\r\none"
    assert alt.subtype == "alternative"
    assert [p.body_bytes() for p in alt.parts] == [b"inner a", b"<p>b</p>"]
    assert alt.parts[0].maintype == "text" and alt.parts[1].subtype == "html"
    assert alt.body_bytes().endswith(b"--b2--\r\n")  # the blank line before --b1 ends it
    assert msg.is_message and msg.message is not None
    assert msg.message.value("Subject") == b"enc"
    assert msg.message.body_bytes() == b"encapsulated"


def test_boundary_must_match_the_whole_delimiter_line() -> None:
    data = crlf("Content-Type: multipart/mixed; boundary=ab\n\n--ab\n\nx\n--abc\ny\n--ab--\n")
    (part,) = parse_message(data).parts
    assert part.body_bytes() == b"x\r\n--abc\r\ny"


def test_missing_close_delimiter_runs_to_the_end() -> None:
    data = crlf("Content-Type: multipart/mixed; boundary=ab\n\n--ab\n\nx\n--ab\n\ny\n")
    parts = parse_message(data).parts
    assert [p.body_bytes() for p in parts] == [b"x", b"y\r\n"]


def test_multipart_without_delimiters_gets_one_empty_text_part() -> None:
    for header in ("multipart/mixed; boundary=zz", "multipart/mixed"):
        m = parse_message(crlf(f"Content-Type: {header}\n\nno parts here\n"))
        (part,) = m.parts
        assert (part.maintype, part.subtype, part.body_bytes()) == ("text", "plain", b"")


def test_digest_parts_default_to_message_rfc822() -> None:
    data = crlf("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: in\n\nx\n--d--\n")
    (part,) = parse_message(data).parts
    assert part.is_message and part.message is not None
    assert part.message.value("subject") == b"in"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"text/plain", ("text", "plain", [])),
        (b'TEXT/Plain; CharSet="UTF-8"', ("text", "plain", [("CharSet", "UTF-8")])),
        (
            b"text/plain (comment); charset=us-ascii (c)",
            ("text", "plain", [("charset", "us-ascii")]),
        ),
        (b'a/b; x="q\\"uote"; y=1;', ("a", "b", [("x", 'q"uote'), ("y", "1")])),
        (b"a/b; ; bad; z=2", ("a", "b", [("z", "2")])),
        (b"text", None),
        (b"/plain", None),
        (b"", None),
    ],
)
def test_content_type(value: bytes, expected: object) -> None:
    assert parse_content_type(value) == expected


def test_invalid_content_type_means_text_plain() -> None:
    m = parse_message(crlf("Content-Type: garbage\n\nx"))
    assert (m.maintype, m.subtype) == ("text", "plain")


def test_rfc2231_continuations_are_joined() -> None:
    raw = [("title*1", "b c"), ("title*0", "a "), ("name", "plain")]
    assert merge_rfc2231(raw) == [("title", "a b c"), ("name", "plain")]


def test_rfc2231_encoded_values_keep_their_charset() -> None:
    raw = [("filename*0*", "utf-8'en'%E2%82"), ("filename*1*", "%AC"), ("filename*2", " x.txt")]
    assert merge_rfc2231(raw) == [("filename*", "utf-8'en'%E2%82%AC%20x.txt")]
    assert merge_rfc2231([("name*", "us-ascii''a%20b")]) == [("name*", "us-ascii''a%20b")]


def test_rfc2231_plain_and_extended_are_both_kept_first_wins() -> None:
    raw = [("name", "a"), ("name*", "utf-8''b"), ("NAME", "c"), ("x*1", "gap")]
    # x has no section 0: nothing to join, so it is dropped
    assert merge_rfc2231(raw) == [("name", "a"), ("name*", "utf-8''b")]


def test_rfc2231_from_a_header() -> None:
    m = parse_message(crlf('Content-Type: application/x; name*0="long "; name*1=name\n\n'))
    assert m.params == [("name", "long name")]


@pytest.mark.parametrize(
    ("encoding", "body", "decoded"),
    [
        ("base64", "aGVsbG8gd29y\nbGQ=\n", b"hello world"),
        ("BASE64", "aGVsbG8", b"hello"),  # unpadded: repaired
        ("quoted-printable", "caf=C3=A9 soft=\nbreak", "café softbreak".encode()),
        ("7bit", "plain", b"plain"),
        ("8bit", "plain", b"plain"),
        ("binary", "plain", b"plain"),
    ],
)
def test_decoded_body(encoding: str, body: str, decoded: bytes) -> None:
    m = parse_message(crlf(f"Content-Transfer-Encoding: {encoding}\n\n{body}"))
    assert m.decoded_body() == decoded


def test_unknown_encoding_decodes_to_none() -> None:
    m = parse_message(crlf("Content-Transfer-Encoding: x-uuencode\n\nbody"))
    assert m.encoding == "x-uuencode"
    assert m.decoded_body() is None
    assert m.text() == "body"  # search still sees the raw text


def test_text_applies_the_charset() -> None:
    latin = crlf("Content-Type: text/plain; charset=iso-8859-1\n\n") + b"caf\xe9"
    assert parse_message(latin).text() == "café"
    unknown = crlf("Content-Type: text/plain; charset=x-nope\n\n") + "café".encode()
    assert parse_message(unknown).text() == "café"  # falls back to UTF-8
    assert to_text(b"\xff\xfe", "utf-8") == "ÿþ"  # then Latin-1


@pytest.mark.parametrize(
    "charset", ["undefined", "base64", "rot13", "x\x00y", "", "unicode_escape"]
)
def test_hostile_charsets_never_raise(charset: str) -> None:
    data = b"caf\xc3\xa9 \\N{oops"
    assert to_text(data, charset).startswith("caf")
    assert decode_words(b"=?" + charset.encode() + b"?q?caf=C3=A9?=") in ("café", "cafÃ©")


def test_decode_base64_ignores_junk() -> None:
    assert decode_base64(b"aGk=\r\n!!") == b"hi"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (b"=?utf-8?q?caf=C3=A9?=", "café"),
        (b"=?ISO-8859-1?B?Y2Fm6Q==?= au lait", "café au lait"),
        (b"=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # blanks between encoded words go
        (b"plain", "plain"),
        ("caf\u00e9".encode(), "café"),  # raw UTF-8 (RFC 6532)
        (b"=?bogus?q?x?=", "x"),
    ],
)
def test_decode_words(value: bytes, text: str) -> None:
    assert decode_words(value) == text


def test_parsed_cache_is_bounded_lru() -> None:
    loads: list[int] = []

    def loader(n: int):  # type: ignore[no-untyped-def]
        def load() -> bytes:
            loads.append(n)
            return b"Subject: %d\r\n\r\n" % n + b"x" * 100

        return load

    cache = ParsedCache(max_bytes=300)
    first = cache.get(1, loader(1))
    assert cache.get(1, loader(1)) is first
    cache.get(2, loader(2))
    cache.get(1, loader(1))  # 1 is now the most recent
    cache.get(3, loader(3))  # evicts 2
    cache.get(1, loader(1))
    assert loads == [1, 2, 3]
    cache.get(2, loader(2))
    assert loads == [1, 2, 3, 2]
    cache.discard(2)
    cache.get(2, loader(2))
    assert loads == [1, 2, 3, 2, 2]


def test_derived_values_are_kept_with_the_entity() -> None:
    from reference_server.imap.bodystructure import body_structure
    from reference_server.imap.envelope import envelope

    m = parse_message(crlf("Subject: s\n\nbody\n"))
    assert envelope(m) is envelope(m)
    assert body_structure(m, extensible=True) is body_structure(m, extensible=True)
    assert body_structure(m, extensible=False) != body_structure(m, extensible=True)
    calls: list[int] = []

    def compute(value: int) -> int:
        calls.append(value)
        return value

    assert m.memo("k", lambda: compute(5)) == 5
    assert m.memo("k", lambda: compute(6)) == 5
    assert calls == [5]
