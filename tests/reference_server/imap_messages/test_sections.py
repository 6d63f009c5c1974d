"""BODY[section]<partial> and BINARY[section] (RFC 3501 §6.4.5, RFC 3516 §4)."""

from __future__ import annotations

import pytest

from reference_server.imap.parsed_message import parse_message
from reference_server.imap.sections import (
    Section,
    apply_partial,
    extract,
    extract_binary,
    parse_section,
    resolve,
)
from reference_server.imap.wire import ArgumentError

from .helpers import crlf

MESSAGE = crlf(
    "From: a@b\n"
    "Subject: test\n  folded\n"
    "To: c@d\n"
    "Content-Type: multipart/mixed; boundary=o\n\n"
    "--o\n"
    "Content-Type: text/plain\n\n"
    "first part\n"
    "--o\n"
    "Content-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n\n"
    "AAECAw==\n"
    "--o\n"
    "Content-Type: message/rfc822\n\n"
    "Subject: inner\n"
    "Content-Type: multipart/alternative; boundary=i\n\n"
    "--i\n\ninner one\n--i\nContent-Type: text/html\n\n<i>two</i>\n--i--\n"
    "--o\n"
    "Content-Type: message/rfc822\n\n"
    "Subject: simple\n\nsimple body\n"
    "--o--\n"
)
ROOT = parse_message(MESSAGE)


def get(spec: str) -> bytes | None:
    return extract(ROOT, parse_section(spec))


def test_whole_message_header_and_text() -> None:
    assert get("") == MESSAGE
    header = MESSAGE[: MESSAGE.index(b"\r\n\r\n") + 4]
    assert get("HEADER") == header
    assert get("TEXT") == MESSAGE[len(header) :]
    assert get("header") == header  # case-insensitive


def test_header_fields_keep_order_folding_and_the_blank_line() -> None:
    assert get("HEADER.FIELDS (TO SUBJECT)") == b"Subject: test\r\n  folded\r\nTo: c@d\r\n\r\n"
    assert get("HEADER.FIELDS (subject)") == b"Subject: test\r\n  folded\r\n\r\n"
    assert get("HEADER.FIELDS (X-NOPE)") == b"\r\n"
    assert get('HEADER.FIELDS ("To")') == b"To: c@d\r\n\r\n"
    assert get("HEADER.FIELDS.NOT (SUBJECT CONTENT-TYPE)") == b"From: a@b\r\nTo: c@d\r\n\r\n"


def test_header_fields_match_exact_names_only() -> None:
    assert get("HEADER.FIELDS (SUBJ)") == b"\r\n"
    assert get("HEADER.FIELDS (FROM)") == b"From: a@b\r\n\r\n"


def test_no_blank_line_without_a_body() -> None:
    bare = parse_message(b"Subject: x\r\nFrom: y\r\n")
    assert extract(bare, parse_section("HEADER")) == b"Subject: x\r\nFrom: y\r\n"
    assert extract(bare, parse_section("HEADER.FIELDS (FROM)")) == b"From: y\r\n"
    assert extract(bare, parse_section("TEXT")) == b""


def test_part_numbers() -> None:
    assert get("1") == b"first part"
    assert get("2") == b"AAECAw=="
    assert get("1.MIME") == b"Content-Type: text/plain\r\n\r\n"
    assert (
        get("2.MIME")
        == b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    assert get("5") is None
    assert get("1.1") is None  # text/plain has no subparts
    assert get("1.HEADER") is None  # HEADER applies to message/rfc822 parts only


def test_message_rfc822_parts() -> None:
    inner = get("3")
    assert (
        inner is not None
        and inner.startswith(b"Subject: inner\r\n")
        and inner.endswith(b"\r\n--i--")
    )
    assert (
        get("3.HEADER")
        == b"Subject: inner\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
    )
    assert get("3.HEADER.FIELDS (SUBJECT)") == b"Subject: inner\r\n\r\n"
    assert get("3.TEXT") is not None and get("3.TEXT").startswith(b"--i\r\n")  # type: ignore[union-attr]
    assert get("3.MIME") == b"Content-Type: message/rfc822\r\n\r\n"
    assert get("3.1") == b"inner one"
    assert get("3.2") == b"<i>two</i>"
    assert get("3.2.MIME") == b"Content-Type: text/html\r\n\r\n"
    assert get("3.3") is None
    # A non-multipart encapsulated message: its part 1 is its body.
    assert get("4.1") == b"simple body"
    assert get("4.TEXT") == b"simple body"
    assert get("4.2") is None


def test_non_multipart_message_part_one_is_its_body() -> None:
    m = parse_message(crlf("Subject: s\n\nthe body\n"))
    assert extract(m, parse_section("1")) == b"the body\r\n"
    assert extract(m, parse_section("1.MIME")) == b"Subject: s\r\n\r\n"
    assert extract(m, parse_section("2")) is None
    assert extract(m, parse_section("1.1")) is None


def test_binary_decodes_the_transfer_encoding() -> None:
    assert extract_binary(ROOT, parse_section("2", binary=True)) == b"\x00\x01\x02\x03"
    assert extract_binary(ROOT, parse_section("1", binary=True)) == b"first part"
    assert extract_binary(ROOT, parse_section("", binary=True)) == MESSAGE
    assert extract_binary(ROOT, parse_section("9", binary=True)) is None


def test_binary_unknown_encoding_is_no_unknown_cte() -> None:
    m = parse_message(crlf("Content-Transfer-Encoding: x-gzip64\n\nzzz\n"))
    with pytest.raises(ArgumentError) as caught:
        extract_binary(m, parse_section("1", binary=True))
    assert caught.value.status == "NO" and caught.value.code == "UNKNOWN-CTE"
    assert str(caught.value).startswith("NO [UNKNOWN-CTE] ")


@pytest.mark.parametrize(
    ("data", "partial", "out"),
    [(b"0123456789", None, b"0123456789"), (b"0123456789", (0, 3), b"012"),
     (b"0123456789", (3, 4), b"3456"), (b"0123456789", (8, 10), b"89"),
     (b"0123456789", (10, 1), b""), (b"0123456789", (99, 5), b"")],
)  # fmt: skip
def test_partial(data: bytes, partial: tuple[int, int] | None, out: bytes) -> None:
    assert apply_partial(data, partial) == out


@pytest.mark.parametrize(
    ("spec", "section", "echo"),
    [
        ("", Section(), b""),
        ("HEADER", Section((), "HEADER"), b"HEADER"),
        ("1.2.3", Section((1, 2, 3)), b"1.2.3"),
        ("1.2.mime", Section((1, 2), "MIME"), b"1.2.MIME"),
        ("2.TEXT", Section((2,), "TEXT"), b"2.TEXT"),
        ("header.fields (From to)", Section((), "HEADER.FIELDS", ("From", "to")), b"HEADER.FIELDS (From to)"),
        ('1.HEADER.FIELDS.NOT ("X-A" B)', Section((1,), "HEADER.FIELDS.NOT", ("X-A", "B")),
         b"1.HEADER.FIELDS.NOT (X-A B)"),
    ],
)  # fmt: skip
def test_parse_section(spec: str, section: Section, echo: bytes) -> None:
    assert parse_section(spec) == section
    assert section.render() == echo


@pytest.mark.parametrize(
    "spec",
    ["0", "01", "1.", ".1", "1..2", "MIME", "FOO", "1.FOO", "HEADER.FIELDS", "HEADER.FIELDS ()",
     "HEADER.FIELDS FROM", "HEADER.FIELDS (FR:OM)", "TEXT (X)", "HEADER.FIELDS(FROM)",
     "1.HEADER.FIELDS.NOT", "HEADER.TEXT"],
)  # fmt: skip
def test_bad_sections(spec: str) -> None:
    with pytest.raises(ArgumentError):
        parse_section(spec)


@pytest.mark.parametrize("spec", ["HEADER", "1.TEXT", "1.MIME", "TEXT"])
def test_binary_sections_take_part_numbers_only(spec: str) -> None:
    with pytest.raises(ArgumentError):
        parse_section(spec, binary=True)
    assert parse_section("1.2", binary=True) == Section((1, 2))


# RFC 3501 §6.4.5's own part-numbering example, built as a message.
RFC_EXAMPLE = crlf(
    "Subject: rfc example\n"
    "Content-Type: MULTIPART/MIXED; boundary=top\n\n"
    "--top\nContent-Type: TEXT/PLAIN\n\npart 1\n"
    "--top\nContent-Type: APPLICATION/OCTET-STREAM\n\npart 2\n"
    "--top\nContent-Type: MESSAGE/RFC822\n\n"
    "Subject: three\nContent-Type: MULTIPART/MIXED; boundary=m3\n\n"
    "--m3\nContent-Type: TEXT/PLAIN\n\npart 3.1\n"
    "--m3\nContent-Type: APPLICATION/OCTET-STREAM\n\npart 3.2\n--m3--\n"
    "--top\nContent-Type: MULTIPART/MIXED; boundary=m4\n\n"
    "--m4\nContent-Type: IMAGE/GIF\n\npart 4.1\n"
    "--m4\nContent-Type: MESSAGE/RFC822\n\n"
    "Subject: four two\nContent-Type: MULTIPART/MIXED; boundary=m42\n\n"
    "--m42\nContent-Type: TEXT/PLAIN\n\npart 4.2.1\n"
    "--m42\nContent-Type: MULTIPART/ALTERNATIVE; boundary=m422\n\n"
    "--m422\nContent-Type: TEXT/PLAIN\n\npart 4.2.2.1\n"
    "--m422\nContent-Type: TEXT/RICHTEXT\n\npart 4.2.2.2\n--m422--\n"
    "--m42--\n"
    "--m4--\n"
    "--top--\n"
)


@pytest.mark.parametrize(
    ("spec", "media"),
    [("1", "text/plain"), ("2", "application/octet-stream"), ("3", "message/rfc822"),
     ("3.1", "text/plain"), ("3.2", "application/octet-stream"), ("4", "multipart/mixed"),
     ("4.1", "image/gif"), ("4.2", "message/rfc822"), ("4.2.1", "text/plain"),
     ("4.2.2", "multipart/alternative"), ("4.2.2.1", "text/plain"), ("4.2.2.2", "text/richtext")],
)  # fmt: skip
def test_rfc3501_part_numbering_example(spec: str, media: str) -> None:
    root = parse_message(RFC_EXAMPLE)
    node = resolve(root, tuple(int(n) for n in spec.split(".")))
    assert node is not None and f"{node.maintype}/{node.subtype}" == media
    if media.startswith(("text/", "image/", "application/")):
        assert extract(root, parse_section(spec)) == f"part {spec}".encode()


def test_rfc3501_example_header_and_text_sections() -> None:
    root = parse_message(RFC_EXAMPLE)
    assert extract(root, parse_section("3.HEADER")) == (
        b"Subject: three\r\nContent-Type: MULTIPART/MIXED; boundary=m3\r\n\r\n"
    )
    text = extract(root, parse_section("3.TEXT"))
    assert text is not None and text.startswith(b"--m3\r\n") and text.endswith(b"--m3--")
    assert (
        extract(root, parse_section("4.2.HEADER.FIELDS (SUBJECT)")) == b"Subject: four two\r\n\r\n"
    )
    assert extract(root, parse_section("4.1.MIME")) == b"Content-Type: IMAGE/GIF\r\n\r\n"
    text = extract(root, parse_section("4.2.TEXT"))
    assert text is not None and text.startswith(b"--m42\r\n")
    assert extract(root, parse_section("4.HEADER")) is None  # multipart, not message/rfc822
