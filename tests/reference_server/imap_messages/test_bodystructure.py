"""BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, §9 body)."""

from __future__ import annotations

import pytest

from reference_server.imap.bodystructure import body_structure, line_count
from reference_server.imap.parsed_message import parse_message

from .helpers import crlf


def bs(text: str | bytes, *, extensible: bool = True) -> bytes:
    return body_structure(parse_message(crlf(text)), extensible=extensible)


def test_plain_message_defaults() -> None:
    # No Content-Type: text/plain; charset=us-ascii, 7bit (RFC 2045 §5.2, §6.1).
    assert bs("Subject: x\n\nhello\nworld\n", extensible=False) == (
        b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 14 2)'
    )
    assert bs("Subject: x\n\nhello\nworld\n") == (
        b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 14 2 NIL NIL NIL NIL)'
    )


def test_single_part_fields_and_extension_data() -> None:
    text = (
        'Content-Type: text/html; charset="UTF-8"; format=flowed\n'
        "Content-ID: <part@x>\n"
        "Content-Description: A page\n"
        "Content-Transfer-Encoding: Quoted-Printable\n"
        "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
        'Content-Disposition: inline; filename="page.html"\n'
        "Content-Language: en, de (German)\n"
        "Content-Location: http://example.com/page\n\n"
        "<p>caf=C3=A9</p>"
    )
    assert bs(text) == (
        b'("TEXT" "HTML" ("CHARSET" "UTF-8" "FORMAT" "flowed") "<part@x>" "A page" '
        b'"QUOTED-PRINTABLE" 16 1 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("INLINE" ("FILENAME" "page.html")) '
        b'("en" "de") "http://example.com/page")'
    )


def test_non_text_part_has_no_line_count() -> None:
    text = (
        "Content-Type: image/png; name=a.png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
    )
    assert bs(text, extensible=False) == b'("IMAGE" "PNG" ("NAME" "a.png") NIL NIL "BASE64" 14)'


def test_disposition_without_params_and_single_language() -> None:
    text = (
        "Content-Type: application/pdf\nContent-Disposition: attachment\nContent-Language: fr\n\nx"
    )
    assert bs(text) == b'("APPLICATION" "PDF" NIL NIL NIL "7BIT" 1 NIL ("ATTACHMENT" NIL) "fr" NIL)'


def test_rfc2231_parameters_in_bodystructure() -> None:
    text = (
        "Content-Type: application/octet-stream;\n"
        " name*0*=utf-8''%E2%82%AC;\n name*1*=%20rates.txt\n"
        'Content-Disposition: attachment; filename*0="long "; filename*1="name.txt"\n\nx'
    )
    assert bs(text) == (
        b'("APPLICATION" "OCTET-STREAM" ("NAME*" "utf-8\'\'%E2%82%AC%20rates.txt") NIL NIL "7BIT" 1 '
        b'NIL ("ATTACHMENT" ("FILENAME" "long name.txt")) NIL NIL)'
    )


MIXED = (
    "Content-Type: multipart/mixed; boundary=outer\n\n"
    "--outer\n"
    "Content-Type: text/plain; charset=utf-8\n\n"
    "line one\nline two\n"
    "--outer\n"
    "Content-Type: multipart/alternative; boundary=inner\n\n"
    "--inner\n\nplain\n--inner\nContent-Type: text/html\n\n<b>x</b>\n--inner--\n"
    "--outer\n"
    "Content-Type: message/rfc822\n\n"
    "Subject: fwd\nFrom: a@b\n\nfwd body\n"
    "--outer--\n"
)


def test_nested_multipart_body() -> None:
    assert bs(MIXED, extensible=False) == (
        b'(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 18 2)'
        b'(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 5 1)'
        b'("TEXT" "HTML" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 8 1) "ALTERNATIVE")'
        b'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 35 '
        b'(NIL "fwd" ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) NIL NIL NIL NIL NIL) '
        b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 8 1) 4) "MIXED")'
    )


def test_nested_multipart_bodystructure_has_extension_data_at_every_level() -> None:
    out = bs(MIXED)
    assert out.endswith(b' "MIXED" ("BOUNDARY" "outer") NIL NIL NIL)')
    assert b'"ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL)' in out
    assert b'"7BIT" 18 2 NIL NIL NIL NIL)' in out  # the text part's md5 dsp lang loc
    assert b'"7BIT" 8 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL)' in out  # message/rfc822 too


def test_encapsulated_multipart_message() -> None:
    text = (
        "Content-Type: message/rfc822\n\n"
        "Content-Type: multipart/mixed; boundary=z\n\n--z\n\na\n--z\n\nb\n--z--\n"
    )
    out = bs(text, extensible=False)
    assert out.startswith(b'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" ')
    assert b'(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1 1)' in out
    assert out.endswith(b' "MIXED") 9)')


def test_sizes_are_octets_of_the_encoded_body() -> None:
    body = "SGVsbG8gd29ybGQ=\n"
    out = bs(f"Content-Transfer-Encoding: base64\n\n{body}", extensible=False)
    assert out == b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "BASE64" 18 1)'


def test_eight_bit_parameter_value_goes_as_literal() -> None:
    data = 'Content-Type: text/plain; name="café"\r\n\r\nx'.encode()
    out = body_structure(parse_message(data), extensible=False)
    assert b'("NAME" {5}\r\ncaf\xc3\xa9 "CHARSET" "US-ASCII")' in out


@pytest.mark.parametrize(
    ("body", "lines"),
    [(b"", 0), (b"a", 1), (b"a\r\n", 1), (b"a\r\nb", 2), (b"\r\n\r\n", 2), (b"a\nb\n", 2)],
)
def test_line_count(body: bytes, lines: int) -> None:
    assert line_count(body) == lines
