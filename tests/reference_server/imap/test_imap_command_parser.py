"""The sans-IO command parser: framing, literals, limits, tokens (RFC 3501 §4, §7.5, §9)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mailspec.reference_server.imap.command_parser import (
    Command,
    CommandError,
    CommandParser,
    CommandReady,
    LiteralRequest,
    RawLine,
    RawLineTooLong,
)
from mailspec.reference_server.imap.tokens import Atom, Literal8


def run(parser: CommandParser, data: bytes, *, accept: bool = True) -> list[object]:
    parser.feed(data)
    out: list[object] = []
    while (event := parser.next_event()) is not None:
        out.append(event)
        if isinstance(event, LiteralRequest):
            if accept:
                parser.accept_literal()
            else:
                parser.reject_literal()
    return out


def one(data: bytes, **limits: int) -> Command:
    events = run(CommandParser(**limits), data)
    assert len(events) == 1 and isinstance(events[0], CommandReady), events
    return events[0].command


def error(data: bytes, **limits: int) -> CommandError:
    events = [e for e in run(CommandParser(**limits), data) if not isinstance(e, LiteralRequest)]
    assert len(events) == 1 and isinstance(events[0], CommandError), events
    return events[0]


def test_tag_name_and_atoms() -> None:
    command = one(b"a1 fetch 1:3,5,* (FLAGS \\Seen)\r\n")
    assert command == Command("a1", "FETCH", [Atom("1:3,5,*"), [Atom("FLAGS"), Atom("\\Seen")]])
    assert isinstance(command.args[0], Atom)


def test_quoted_string_escapes() -> None:
    assert one(b'a LOGIN "fr\\"ed" "back\\\\slash"\r\n').args == [b'fr"ed', b"back\\slash"]


@pytest.mark.parametrize(
    "line",
    [b'a LOGIN "a\\b" x\r\n', b'a LOGIN "unterminated\r\n', b'a LOGIN "\xff\xfe" x\r\n'],
    ids=["bad-escape", "unterminated", "not-utf8"],
)
def test_bad_quoted_strings(line: bytes) -> None:
    assert error(line).tag == "a"


def test_utf8_quoted_string_allowed() -> None:
    # RFC 9051 §9: QUOTED-CHAR =/ UTF8-2 / UTF8-3 / UTF8-4
    assert one('a SEARCH CHARSET UTF-8 SUBJECT "grüß"\r\n'.encode()).args[-1] == "grüß".encode()


def test_synchronising_literal_waits_for_decision() -> None:
    parser = CommandParser()
    parser.feed(b"a LOGIN {4}\r\n")
    event = parser.next_event()
    assert event == LiteralRequest("a", "LOGIN", 4)
    assert parser.next_event() is None  # nothing more until the session decides
    parser.accept_literal()
    parser.feed(b"fred {3}\r\n")
    event = parser.next_event()
    assert event == LiteralRequest("a", "LOGIN", 3)
    parser.accept_literal()
    parser.feed(b"pw\x01\r\n")
    event = parser.next_event()
    assert event == CommandReady(Command("a", "LOGIN", [b"fred", b"pw\x01"]))


def test_rejected_literal_resets() -> None:
    parser = CommandParser()
    events = run(parser, b"a APPEND x {4}\r\nb NOOP\r\n", accept=False)
    assert events == [LiteralRequest("a", "APPEND", 4), CommandReady(Command("b", "NOOP"))]


def test_literal_plus_needs_no_decision() -> None:
    command = one(b"a LOGIN {4+}\r\nfred {2+}\r\npw\r\n")
    assert command.args == [b"fred", b"pw"]


def test_literal_octets_are_not_scanned_for_line_ends() -> None:
    command = one(b"a APPEND x {8+}\r\nb NOOP\r\n\r\n")
    assert command.args == [Atom("x"), b"b NOOP\r\n"]


def test_literal8() -> None:
    command = one(b"a APPEND x ~{3+}\r\n\x00\x01\x02\r\n")
    assert command.args[1] == b"\x00\x01\x02" and isinstance(command.args[1], Literal8)


def test_nul_in_literal_is_bad() -> None:
    # literal = "{" number "}" CRLF *CHAR8; CHAR8 excludes NUL (RFC 3501 §9)
    assert "NUL" in error(b"a APPEND x {3+}\r\na\x00b\r\n").text


def test_literal_announcement_inside_quotes_is_not_a_literal() -> None:
    assert one(b'a LIST "" "{3}"\r\n').args == [b"", b"{3}"]


def test_bracket_atom_keeps_spaces_parentheses_and_quotes() -> None:
    command = one(b'a FETCH 1 (BODY.PEEK[HEADER.FIELDS (FROM "TO")]<0.100> BODY[])\r\n')
    assert command.args[1] == [Atom('BODY.PEEK[HEADER.FIELDS (FROM "TO")]<0.100>'), Atom("BODY[]")]


def test_unterminated_bracket() -> None:
    assert "section" in error(b"a FETCH 1 BODY[HEADER\r\n").text


def test_nested_and_empty_lists() -> None:
    assert one(b"a X (() (a (b)) c)\r\n").args == [[[], [Atom("a"), [Atom("b")]], Atom("c")]]


@pytest.mark.parametrize(
    ("line", "tag"),
    [
        (b"* NOOP\r\n", None),
        (b"+x NOOP\r\n", None),
        (b"\r\n", None),
        (b"a\r\n", None),
        (b"a  NOOP\r\n", "a"),
        (b"a NOOP \r\n", "a"),
        (b"a 123\r\n", "a"),
        (b"a X (a\r\n", "a"),
        (b"a X a)\r\n", "a"),
        (b"a X {3}x\r\n", "a"),
    ],
)
def test_malformed_lines_are_bad_not_crashes(line: bytes, tag: str | None) -> None:
    assert error(line).tag == tag


def test_bare_lf_is_bad() -> None:
    assert error(b"a NOOP\n").text == "command line must end in CRLF"


def test_long_line_is_refused_without_buffering_it() -> None:
    parser = CommandParser(max_line=100)
    parser.feed(b"a1 NOOP " + b"x" * 500)
    event = parser.next_event()
    assert isinstance(event, CommandError) and event.tag == "a1"
    assert parser.buffered() == 0
    for _ in range(100):
        parser.feed(b"y" * 1000)
        assert parser.next_event() is None
        assert parser.buffered() == 0
    assert run(parser, b"\r\na2 NOOP\r\n") == [CommandReady(Command("a2", "NOOP"))]


def test_long_line_ending_in_literal_plus_skips_the_literal() -> None:
    events = run(CommandParser(max_line=50), b"a " + b"x" * 80 + b" {5+}\r\n12345\r\nb NOOP\r\n")
    assert isinstance(events[0], CommandError)
    assert events[1:] == [CommandReady(Command("b", "NOOP"))]


def test_synchronising_literal_over_the_limit_is_refused_before_the_octets() -> None:
    events = run(CommandParser(max_literal=10), b"a APPEND x {11}\r\nb NOOP\r\n")
    assert events[0] == CommandError("a", "literal too large", "TOOBIG")
    assert events[1:] == [CommandReady(Command("b", "NOOP"))]


def test_literal_plus_over_the_limit_is_skipped() -> None:
    parser = CommandParser(max_literal=10)
    events = run(parser, b"a APPEND x {50+}\r\n")
    assert events == [CommandError("a", "literal too large", "TOOBIG")]
    parser.feed(b"z" * 50)
    assert parser.next_event() is None and parser.buffered() == 0
    assert run(parser, b" {2+}\r\nzz\r\nb NOOP\r\n") == [CommandReady(Command("b", "NOOP"))]


def test_command_size_limit_counts_literals() -> None:
    parser = CommandParser(max_literal=100, max_command=150)
    events = run(parser, b"a APPEND x {100+}\r\n" + b"q" * 100 + b" {100}\r\n")
    assert events == [CommandError("a", "command too large", "TOOBIG")]


def test_raw_lines_for_sasl_and_idle() -> None:
    parser = CommandParser(max_line=20)
    parser.feed(b"DONE\r\n" + b"x" * 30 + b"\r\nb NOOP\r\n")
    assert parser.read_line() == RawLine(b"DONE")
    assert parser.read_line() == RawLineTooLong()
    assert parser.next_event() == CommandReady(Command("b", "NOOP"))


def test_discard_input() -> None:
    parser = CommandParser()
    parser.feed(b"b NOOP\r\n")
    parser.discard_input()
    assert parser.next_event() is None


@given(st.binary(max_size=300))
def test_arbitrary_octets_never_crash(data: bytes) -> None:
    parser = CommandParser(max_line=64, max_literal=32, max_command=128)
    for i in range(0, len(data), 7):
        run(parser, data[i : i + 7])


@given(
    st.lists(
        st.one_of(
            st.binary(max_size=20).filter(lambda b: b"\x00" not in b).map(lambda b: ("lit", b)),
            st.from_regex(rb"\A[A-Za-z0-9.:\\]{1,12}\Z").map(lambda a: ("atom", a)),
            st.binary(max_size=20)
            .filter(lambda b: all(0 < c < 0x80 and c not in (10, 13) for c in b))
            .map(lambda b: ("quoted", b)),
        ),
        max_size=6,
    )
)
def test_generated_commands_round_trip(items: list[tuple[str, bytes]]) -> None:
    wire = b"t1 X"
    expected: list[object] = []
    for kind, value in items:
        if kind == "lit":
            wire += b" {%d+}\r\n" % len(value) + value
            expected.append(value)
        elif kind == "atom":
            wire += b" " + value
            expected.append(Atom(value.decode()))
        else:
            wire += b' "' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
            expected.append(value)
    assert one(wire + b"\r\n").args == expected
