"""FETCH items and responses (RFC 3501 §6.4.5, §6.4.8, §7.4.2; RFC 3516)."""

from __future__ import annotations

import pytest

from reference_server.imap.fetch import (
    FetchItem,
    fetch_response,
    parse_fetch_items,
    render_fetch,
    render_flags,
)
from reference_server.imap.sections import Section
from reference_server.imap.tokens import Atom
from reference_server.imap.wire import ArgumentError

from .helpers import counting, crlf, view

TEXT = "From: a@b\nSubject: hi\n\nline 1\nline 2\n"
BINARY_MESSAGE = (
    "Subject: bin\nContent-Type: multipart/mixed; boundary=b\n\n"
    "--b\nContent-Transfer-Encoding: base64\nContent-Type: application/octet-stream\n\nAAEC\n"
    "--b\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9\n"
    "--b\nContent-Transfer-Encoding: x-custom\n\nzz\n--b--\n"
)


def items(*names: str) -> list[Atom]:
    return [Atom(n) for n in names]


def fetch(data: str, *names: str, **kwargs: bool) -> bytes:
    request = parse_fetch_items(items(*names) if len(names) != 1 else Atom(names[0]))
    return render_fetch(view(data, seq=3, uid=42, flags=("\\Seen", "$Label")), request, **kwargs)


@pytest.mark.parametrize(
    ("macro", "names"),
    [("ALL", ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"]),
     ("fast", ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]),
     ("Full", ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"])],
)  # fmt: skip
def test_macros(macro: str, names: list[str]) -> None:
    assert [i.name for i in parse_fetch_items(Atom(macro)).items] == names


def test_macro_inside_a_list_is_bad() -> None:
    with pytest.raises(ArgumentError):
        parse_fetch_items(items("FLAGS", "ALL"))


@pytest.mark.parametrize(
    "token",
    [Atom("NOPE"), [Atom("FLAGS"), Atom("X")], [], b"FLAGS", [b"FLAGS"], Atom("BODY[HEADER"),
     Atom("BODY[]<0>"), Atom("BODY[]<1.0>"), Atom("BODY[]<a.1>"), Atom("BODY[]<0.01>"),
     Atom("BINARY[HEADER]"), Atom("BINARY.SIZE[1]<0.1>"), Atom("BODY.PEEK"), Atom("BODY[0]"),
     Atom("RFC822.PEEK"), Atom("BODY[]<4294967296.1>")],
)  # fmt: skip
def test_bad_items(token: object) -> None:
    with pytest.raises(ArgumentError):
        parse_fetch_items(token)


def test_parse_sectioned_items() -> None:
    (item,) = parse_fetch_items(Atom("body.peek[1.HEADER.FIELDS (From To)]<10.20>")).items
    assert item == FetchItem(
        "BODY[]", Section((1,), "HEADER.FIELDS", ("From", "To")), True, (10, 20)
    )
    assert item.response_name() == b"BODY[1.HEADER.FIELDS (From To)]<10>"
    assert not item.sets_seen


def test_duplicates_are_dropped_and_order_kept() -> None:
    request = parse_fetch_items(items("UID", "FLAGS", "uid", "RFC822.SIZE"))
    assert [i.name for i in request.items] == ["UID", "FLAGS", "RFC822.SIZE"]


@pytest.mark.parametrize(
    ("names", "seen"),
    [(["BODY[]"], True), (["BODY.PEEK[]"], False), (["BODY[TEXT]"], True), (["RFC822"], True),
     (["RFC822.TEXT"], True), (["RFC822.HEADER"], False), (["BINARY[1]"], True),
     (["BINARY.PEEK[1]"], False), (["BINARY.SIZE[1]"], False), (["ENVELOPE", "BODYSTRUCTURE",
     "BODY", "FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE"], False), (["FLAGS", "BODY[1]"], True)],
)  # fmt: skip
def test_sets_seen(names: list[str], seen: bool) -> None:
    assert parse_fetch_items(items(*names)).sets_seen is seen


def test_simple_items() -> None:
    size = len(crlf(TEXT))
    assert fetch(TEXT, "UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE") == (
        b'(UID 42 FLAGS (\\Seen $Label) INTERNALDATE "01-Feb-1994 21:14:03 +0100" RFC822.SIZE %d)'
        % size
    )


def test_rfc822_items() -> None:
    data = crlf(TEXT)
    header = b"From: a@b\r\nSubject: hi\r\n\r\n"
    body = b"line 1\r\nline 2\r\n"
    assert fetch(TEXT, "RFC822") == b"(RFC822 {%d}\r\n%s)" % (len(data), data)
    assert fetch(TEXT, "RFC822.HEADER") == b"(RFC822.HEADER {%d}\r\n%s)" % (len(header), header)
    assert fetch(TEXT, "RFC822.TEXT") == b"(RFC822.TEXT {%d}\r\n%s)" % (len(body), body)


def test_body_sections_and_partial() -> None:
    data = crlf(TEXT)
    assert fetch(TEXT, "BODY[]") == b"(BODY[] {%d}\r\n%s)" % (len(data), data)
    assert fetch(TEXT, "BODY.PEEK[TEXT]<2.3>") == b"(BODY[TEXT]<2> {3}\r\nne )"
    assert fetch(TEXT, "BODY[]<9999.10>") == b"(BODY[]<9999> {0}\r\n)"
    assert fetch(TEXT, "BODY[HEADER.FIELDS (SUBJECT)]") == (
        b"(BODY[HEADER.FIELDS (SUBJECT)] {15}\r\nSubject: hi\r\n\r\n)"
    )
    assert fetch(TEXT, "BODY[1]") == b"(BODY[1] {16}\r\nline 1\r\nline 2\r\n)"
    assert fetch(TEXT, "BODY[2]") == b"(BODY[2] NIL)"


def test_envelope_body_and_bodystructure() -> None:
    out = fetch(TEXT, "ENVELOPE", "BODY", "BODYSTRUCTURE")
    assert out == (
        b'(ENVELOPE (NIL "hi" ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) '
        b"NIL NIL NIL NIL NIL) "
        b'BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 16 2) '
        b'BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 16 2 NIL NIL NIL NIL))'
    )


def test_binary_items() -> None:
    assert fetch(BINARY_MESSAGE, "BINARY[1]") == b"(BINARY[1] ~{3}\r\n\x00\x01\x02)"
    assert fetch(BINARY_MESSAGE, "BINARY.PEEK[2]") == "(BINARY[2] {5}\r\ncafé)".encode()
    assert (
        fetch(BINARY_MESSAGE, "BINARY[1]<1.5>") == b"(BINARY[1]<1> {2}\r\n\x01\x02)"
    )  # no NUL left
    assert fetch(BINARY_MESSAGE, "BINARY[2]<1.2>") == b"(BINARY[2]<1> {2}\r\naf)"
    assert fetch(BINARY_MESSAGE, "BINARY.SIZE[1]", "BINARY.SIZE[2]") == (
        b"(BINARY.SIZE[1] 3 BINARY.SIZE[2] 5)"
    )
    assert fetch(BINARY_MESSAGE, "BINARY[7]") == b"(BINARY[7] NIL)"
    with pytest.raises(ArgumentError) as caught:
        fetch(BINARY_MESSAGE, "BINARY[3]")
    assert caught.value.code == "UNKNOWN-CTE"


def test_uid_fetch_puts_uid_first_once() -> None:
    assert fetch(TEXT, "FLAGS", uid=True) == b"(UID 42 FLAGS (\\Seen $Label))"
    assert fetch(TEXT, "FLAGS", "UID", uid=True) == b"(FLAGS (\\Seen $Label) UID 42)"


def test_add_flags_after_an_implicit_seen() -> None:
    assert fetch(TEXT, "BODY[1]", add_flags=True).endswith(b" FLAGS (\\Seen $Label))")
    assert fetch(TEXT, "FLAGS", "UID", add_flags=True) == b"(FLAGS (\\Seen $Label) UID 42)"


def test_fetch_response_line() -> None:
    request = parse_fetch_items(Atom("UID"))
    assert fetch_response(view(TEXT, seq=7, uid=9), request) == b"* 7 FETCH (UID 9)\r\n"


def test_metadata_only_fetch_reads_no_content() -> None:
    message = counting(TEXT)
    request = parse_fetch_items(items("FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE"))
    assert not request.needs_content
    render_fetch(message, request, uid=True)
    assert message.reads == 0


def test_content_is_read_once_per_fetch() -> None:
    message = counting(TEXT)
    request = parse_fetch_items(items("ENVELOPE", "BODY", "BODY[1]", "BODY[HEADER]", "RFC822"))
    assert request.needs_content
    render_fetch(message, request)
    assert message.reads == 1


def test_render_flags_orders_system_flags_first() -> None:
    assert render_flags(["zeta", "\\Recent", "\\Deleted", "\\Seen", "alpha"]) == (
        b"(\\Seen \\Deleted \\Recent alpha zeta)"
    )
    assert render_flags([]) == b"()"


def test_a_broken_variant_can_replace_one_library_function(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sensitivity variants patch module attributes; FETCH must look them up at call time.
    from reference_server.imap import sections

    monkeypatch.setattr(sections, "apply_partial", lambda data, partial: b"patched")
    assert fetch(TEXT, "BODY[]<0.3>") == b"(BODY[]<0> {7}\r\npatched)"
