"""ENVELOPE (RFC 3501 §7.4.2) and address parsing (RFC 5322 §3.4, §4.4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.imap.envelope import Address, envelope, parse_address_list
from reference_server.imap.parsed_message import parse_message

from .helpers import crlf


def rendered(value: bytes) -> list[bytes]:
    return [a.render() for a in parse_address_list(value)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"joe@example.com", [b'(NIL NIL "joe" "example.com")']),
        (b"Joe Q. Public <joe@example.com>", [b'("Joe Q. Public" NIL "joe" "example.com")']),
        (b'"Doe, John" <john@x.org>, jane@y.org',
         [b'("Doe, John" NIL "john" "x.org")', b'(NIL NIL "jane" "y.org")']),
        (b'"quoted local"@x.org', [b'(NIL NIL "quoted local" "x.org")']),
        (b"john.doe@sub.example.com", [b'(NIL NIL "john.doe" "sub.example.com")']),
        (b"<@r1.example,@r2.example:joe@x.org>", [b'(NIL "@r1.example,@r2.example" "joe" "x.org")']),
        (b"joe@[192.0.2.1]", [b'(NIL NIL "joe" "[192.0.2.1]")']),
        (b"joe@x.org (Joe Public)", [b'(NIL NIL "joe" "x.org")']),  # comments are not names
        (b"=?utf-8?q?J=C3=B6?= <j@x>", [b'("=?utf-8?q?J=C3=B6?=" NIL "j" "x")']),  # left encoded
        (b", ,a@b,,", [b'(NIL NIL "a" "b")']),  # obs-addr-list empty elements
        (b"<>", []),
        (b"", []),
        (b"user", [b'(NIL NIL "user" ".MISSING-HOST-NAME.")']),
        (b'"Back\\\\slash \\"q\\"" <b@x>', [b'("Back\\\\slash \\"q\\"" NIL "b" "x")']),
    ],
)  # fmt: skip
def test_addresses(value: bytes, expected: list[bytes]) -> None:
    assert rendered(value) == expected


def test_groups() -> None:
    assert rendered(b"undisclosed-recipients:;") == [
        b'(NIL NIL "undisclosed-recipients" NIL)',
        b"(NIL NIL NIL NIL)",
    ]
    assert rendered(b"Team: a@b.c, Bob <bob@d.e>; carol@f.g") == [
        b'(NIL NIL "Team" NIL)',
        b'(NIL NIL "a" "b.c")',
        b'("Bob" NIL "bob" "d.e")',
        b"(NIL NIL NIL NIL)",
        b'(NIL NIL "carol" "f.g")',
    ]


def test_unterminated_group_still_closes() -> None:
    assert rendered(b"G: a@b")[-1] == b"(NIL NIL NIL NIL)"


def test_eight_bit_name_is_a_literal() -> None:
    (address,) = parse_address_list("Jöe <j@x>".encode())
    assert address == Address("Jöe".encode(), None, b"j", b"x")
    assert address.render() == b'({4}\r\nJ\xc3\xb6e NIL "j" "x")'


def test_envelope_full() -> None:
    m = parse_message(
        crlf(
            "Date: Tue, 1 Feb 1994 21:14:03 +0100\n"
            "Subject: Re: =?utf-8?q?caf=C3=A9?=\n  folded\n"
            "From: Joe <joe@a.example>\n"
            "Sender: sec@a.example\n"
            "Reply-To: list@b.example\n"
            "To: x@c.example, y@c.example\n"
            "Cc: z@d.example\n"
            "Bcc: hidden@e.example\n"
            "In-Reply-To: <orig@a.example>\n"
            "Message-ID: <id@a.example>\n\nbody\n"
        )
    )
    assert envelope(m) == (
        b'("Tue, 1 Feb 1994 21:14:03 +0100" "Re: =?utf-8?q?caf=C3=A9?=  folded" '
        b'(("Joe" NIL "joe" "a.example")) ((NIL NIL "sec" "a.example")) '
        b'((NIL NIL "list" "b.example")) ((NIL NIL "x" "c.example")(NIL NIL "y" "c.example")) '
        b'((NIL NIL "z" "d.example")) ((NIL NIL "hidden" "e.example")) '
        b'"<orig@a.example>" "<id@a.example>")'
    )


def test_address_lists_have_no_space_between_addresses() -> None:
    # RFC 3501 §9: env-to = "(" 1*address ")"
    m = parse_message(crlf("To: a@b, c@d, g: e@f;\n\n"))
    assert (
        b'((NIL NIL "a" "b")(NIL NIL "c" "d")(NIL NIL "g" NIL)(NIL NIL "e" "f")(NIL NIL NIL NIL))'
        in envelope(m)
    )


def test_envelope_defaults_sender_and_reply_to_to_from() -> None:
    m = parse_message(crlf("From: joe@a.example\nSender:\nTo:\n\n"))
    assert envelope(m) == (
        b'(NIL NIL ((NIL NIL "joe" "a.example")) ((NIL NIL "joe" "a.example")) '
        b'((NIL NIL "joe" "a.example")) NIL NIL NIL NIL NIL)'
    )


def test_envelope_of_an_empty_header() -> None:
    assert envelope(parse_message(b"\r\nbody")) == b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"


def test_envelope_subject_with_quotes_and_8bit() -> None:
    m = parse_message(crlf('Subject: say "hi" \\o/\n\n'))
    assert envelope(m).startswith(b'(NIL "say \\"hi\\" \\\\o/" ')
    m = parse_message("Subject: café\r\n\r\n".encode())
    assert envelope(m).startswith(b"(NIL {5}\r\ncaf\xc3\xa9 NIL")


def test_envelope_of_encapsulated_message() -> None:
    m = parse_message(crlf("Content-Type: message/rfc822\n\nSubject: inner\nFrom: i@x\n\nb\n"))
    assert m.message is not None
    assert envelope(m.message).startswith(b'(NIL "inner" ((NIL NIL "i" "x"))')


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"a@b)", [b'(NIL NIL "a" "b")']),  # a stray ")" once made the tokenizer spin
        (b")(", []),
        (b'"unterminated <a@b>', [b'(NIL NIL "unterminated <a@b>" ".MISSING-HOST-NAME.")']),
        (b"a@b (unterminated comment", [b'(NIL NIL "a" "b")']),
        (b"a@[1.2.3.4", [b'(NIL NIL "a" "[1.2.3.4")']),
        (b"<a@b", [b'(NIL NIL "a" "b")']),
        (b"a@b>", [b'(NIL NIL "a" "b")']),
        (b"@", []),
    ],
)
def test_malformed_addresses_end(value: bytes, expected: list[bytes]) -> None:
    assert rendered(value) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab @.,;:<>()[]"\\\r\n\té', max_size=40))
def test_any_address_text_gives_well_formed_structures(text: str) -> None:
    addresses = parse_address_list(text.encode())
    depth = 0
    for address in addresses:
        if address.host is None:  # group markers alternate: start, then end
            depth += 1 if address.mailbox is not None else -1
            assert depth in (0, 1)
        else:
            assert address.mailbox is not None
        assert address.render().startswith(b"(")
    assert depth == 0
