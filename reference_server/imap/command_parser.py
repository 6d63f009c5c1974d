"""Sans-IO IMAP command framing and tokenising (RFC 3501 §2.2, §4, §9; RFC 7888 LITERAL+;
RFC 3516 literal8).

Theory of operation
-------------------
``CommandParser`` holds the octets received and turns them into events, one per call
of ``next_event()``:

* ``CommandReady(command)`` -- a complete command: tag, upper-cased name, and the
  argument tokens of ``tokens.py`` (atoms, bytes, ``Literal8``, nested lists).
* ``LiteralRequest(tag, name, size)`` -- a line ended in a synchronising literal
  ``{n}``. The parser stops until the session decides: ``accept_literal()`` (the session
  sends ``+ ...`` and the octets are read) or ``reject_literal()`` (the session sends a
  tagged NO/BAD; RFC 3501 §7.5: the client then does not send the literal).
* ``CommandError(tag, code, text)`` -- the command is malformed, too long or carries a
  literal over the limit: the session answers ``tag BAD`` (``* BAD`` when no tag could
  be read) and the parser has already skipped the rest of that command.
* ``None`` -- nothing complete yet: feed more octets.

Framing happens line by line. A command is a line, or a line ending in a literal
announcement, the literal's octets, and another such line, and so on; only the last
line has no announcement. Literal octets are never scanned for line ends. Whether a
line ends in an announcement is decided with the line's quoting state (a quoted string
cannot span lines), so ``"{3}`` inside a quoted string is not taken for a literal.

Nothing grows without bound: a line longer than ``max_line`` is answered BAD and
skipped octet by octet (only its last few octets are kept, to see whether it announced
a non-synchronising literal that must be skipped too); a literal larger than
``max_literal`` or a command larger than ``max_command`` is refused before its octets are
buffered (``{n}``: the session refuses it and the client never sends it; ``{n+}``: its
octets are counted and dropped).

Tokenising runs once, over the assembled command, with the RFC 3501 §9 grammar:
single spaces between arguments, quoted strings with only ``\\"`` and ``\\\\`` escapes,
literals of CHAR8 (no NUL), ``literal8`` of any octet, parenthesised lists, and atoms.
An atom that contains ``[`` runs to the matching ``]`` (spaces, parentheses and quoted
strings inside belong to it) and goes on with atom characters, so a fetch-att such as
``BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>`` is one token (see ``tokens.py``).

``read_line()`` gives the session one raw line instead (the AUTHENTICATE client
response, IDLE's ``DONE``: RFC 3501 §6.2.2, RFC 2177).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .tokens import Atom, Literal, Literal8, Token

CR, LF, SP = 0x0D, 0x0A, 0x20

# RFC 3501 §9: tag = 1*<any ASTRING-CHAR except "+">; ASTRING-CHAR = ATOM-CHAR /
# resp-specials; ATOM-CHAR = any CHAR except atom-specials ("(" ")" "{" SP CTL
# list-wildcards quoted-specials resp-specials).
_TAG = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\+]+')
# The command name: an atom of letters (every IMAP command name is alphabetic).
_NAME = re.compile(rb"[A-Za-z]+")
# A literal announcement at the end of a line: ["~"] "{" number ["+"] "}" CRLF.
_ANNOUNCE = re.compile(rb"(~?)\{([0-9]{1,20})(\+?)\}\r\n\Z")
_NUMBER_MAX = 2**32 - 1  # RFC 3501 §9: number = 1*DIGIT, unsigned 32-bit
_TAIL_KEEP = 32  # octets of a skipped line kept to find a final {n+}


@dataclass(frozen=True)
class Command:
    tag: str
    name: str  # upper-case
    args: list[Token] = field(default_factory=list)


@dataclass(frozen=True)
class CommandReady:
    command: Command


@dataclass(frozen=True)
class LiteralRequest:
    tag: str
    name: str  # upper-case, or "" when the line has no valid name yet
    size: int


@dataclass(frozen=True)
class CommandError:
    tag: str | None  # None: answer untagged "* BAD"
    text: str
    code: str = ""  # e.g. "TOOBIG"


@dataclass(frozen=True)
class RawLine:
    data: bytes  # without CRLF; None-free


@dataclass(frozen=True)
class RawLineTooLong:
    pass


ParserEvent = CommandReady | LiteralRequest | CommandError


class SyntaxErr(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


# Texts of the BAD replies the parser produces (the session's replies.py has the rest).
TEXT_LINE_TOO_LONG = "command line too long"
TEXT_LITERAL_TOO_BIG = "literal too large"
TEXT_COMMAND_TOO_BIG = "command too large"
TEXT_NEED_CRLF = "command line must end in CRLF"
TEXT_BAD_TAG = "missing or invalid tag"
TEXT_BAD_NAME = "missing or invalid command name"


class _Mode:
    LINE = "line"
    WAIT_DECISION = "wait-decision"
    LITERAL = "literal"
    SKIP_LINE = "skip-line"
    SKIP_LITERAL = "skip-literal"


class CommandParser:
    def __init__(
        self,
        *,
        max_line: int = 8192,
        max_literal: int = 64 * 1024 * 1024,
        max_command: int = 65 * 1024 * 1024,
    ) -> None:
        # RFC 7162 §4 asks servers to accept command lines of at least 8192 octets.
        self.max_line = max_line
        self.max_literal = max_literal
        self.max_command = max_command
        self._buf = bytearray()
        self._cmd = bytearray()  # the command so far: lines with CRLF, literal octets
        self._mode = _Mode.LINE
        self._need = 0  # octets still to read or skip in a literal
        self._tail = bytearray()  # last octets of a line being skipped
        self._skip_tag: str | None = None

    # -- input -----------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self._buf += data

    def buffered(self) -> int:
        return len(self._buf)

    def discard_input(self) -> None:
        """Forget every octet received and not yet parsed (STARTTLS, RFC 3501 §6.2.1)."""
        self._buf.clear()
        self._reset()

    def _reset(self) -> None:
        self._cmd.clear()
        self._mode = _Mode.LINE
        self._need = 0
        self._tail.clear()

    @property
    def in_command(self) -> bool:
        """True while part of a command has arrived (its first line or more)."""
        return bool(self._cmd) or self._mode != _Mode.LINE

    # -- the session's decision on a synchronising literal ----------------------
    def accept_literal(self) -> None:
        assert self._mode == _Mode.WAIT_DECISION
        self._mode = _Mode.LITERAL

    def reject_literal(self) -> None:
        """RFC 3501 §7.5: after a tagged NO/BAD instead of "+", the client sends
        neither the literal nor the rest of the command."""
        assert self._mode == _Mode.WAIT_DECISION
        self._reset()

    def peek_line(self) -> bytes | None:
        """The next command's first line (with its line end) when it is wholly
        buffered and nothing of the command is consumed yet; ``b""`` when there is
        nothing to act on (no partial command, no line end buffered, under the line
        limit); None otherwise (a literal under way, a refused command being skipped,
        an overlong line). Consumes nothing."""
        if self._mode != _Mode.LINE or self._cmd:
            return None
        nl = self._buf.find(b"\n")
        if nl < 0:
            return b"" if len(self._buf) <= self.max_line else None
        return None if nl >= self.max_line else bytes(self._buf[: nl + 1])

    # -- raw lines (AUTHENTICATE responses, IDLE's DONE) -------------------------
    def read_line(self) -> RawLine | RawLineTooLong | None:
        assert self._mode == _Mode.LINE and not self._cmd
        nl = self._buf.find(b"\n")
        if nl < 0:
            if len(self._buf) > self.max_line:
                self._skip_tag = None
                self._begin_skip_line(self._buf)
                self._buf.clear()
                return RawLineTooLong()
            return None
        raw = bytes(self._buf[: nl + 1])
        del self._buf[: nl + 1]
        if len(raw) > self.max_line:
            return RawLineTooLong()
        return RawLine(raw[:-2] if raw.endswith(b"\r\n") else raw[:-1])

    def skipping(self) -> bool:
        """True while the rest of a refused command is being skipped."""
        return self._mode in (_Mode.SKIP_LINE, _Mode.SKIP_LITERAL)

    # -- commands ----------------------------------------------------------------
    def next_event(self) -> ParserEvent | None:
        while True:
            mode = self._mode
            if mode == _Mode.WAIT_DECISION:
                return None
            if mode == _Mode.LITERAL:
                take = min(self._need, len(self._buf))
                self._cmd += self._buf[:take]
                del self._buf[:take]
                self._need -= take
                if self._need:
                    return None
                self._mode = _Mode.LINE
                continue
            if mode == _Mode.SKIP_LITERAL:
                take = min(self._need, len(self._buf))
                del self._buf[:take]
                self._need -= take
                if self._need:
                    return None
                self._mode = _Mode.SKIP_LINE
                self._tail.clear()
                continue
            if mode == _Mode.SKIP_LINE:
                if not self._skip_rest_of_line():
                    return None
                continue
            event = self._next_line()
            if event is not None or (self._mode == _Mode.LINE and not self._has_line()):
                return event

    def _has_line(self) -> bool:
        return b"\n" in self._buf

    def _begin_skip_line(self, seen: bytes | bytearray) -> None:
        self._cmd.clear()
        self._mode = _Mode.SKIP_LINE
        self._tail = bytearray(seen[-_TAIL_KEEP:])

    def _skip_rest_of_line(self) -> bool:
        """Drop octets up to the line end; True once the skipped line is over."""
        nl = self._buf.find(b"\n")
        if nl < 0:
            self._tail = (self._tail + self._buf)[-_TAIL_KEEP:]
            self._buf.clear()
            return False
        end = (self._tail + self._buf[: nl + 1])[-_TAIL_KEEP:]
        del self._buf[: nl + 1]
        self._tail.clear()
        match = _ANNOUNCE.search(bytes(end))
        if match and match.group(3):
            # A non-synchronising literal follows whether we like it or not (RFC 7888).
            self._need = int(match.group(2))
            self._mode = _Mode.SKIP_LITERAL
        else:
            self._mode = _Mode.LINE
        return True

    def _current_tag(self, data: bytes | bytearray) -> str | None:
        match = _TAG.match(data)
        if match and data[match.end() : match.end() + 1] == b" ":
            return match.group().decode("ascii")
        return None

    def _current_name(self, data: bytes | bytearray) -> str:
        match = _TAG.match(data)
        if not match:
            return ""
        name = _NAME.match(data, match.end() + 1)
        return name.group().decode("ascii").upper() if name else ""

    def _refuse(self, text: str, code: str = "") -> CommandError:
        return CommandError(self._current_tag(self._cmd or self._buf), text, code)

    def _next_line(self) -> ParserEvent | None:
        nl = self._buf.find(b"\n")
        if nl < 0:
            if len(self._buf) > self.max_line:
                error = self._refuse(TEXT_LINE_TOO_LONG)
                self._begin_skip_line(self._buf)
                self._buf.clear()
                return error
            return None
        line = bytes(self._buf[: nl + 1])
        del self._buf[: nl + 1]
        if len(line) > self.max_line:
            self._cmd += line[:64]
            error = self._refuse(TEXT_LINE_TOO_LONG)
            self._begin_skip_line(line)
            self._skip_announced(line)
            return error
        if not line.endswith(b"\r\n"):
            self._cmd += line
            error = self._refuse(TEXT_NEED_CRLF)
            self._reset()
            return error
        self._cmd += line
        if len(self._cmd) > self.max_command:
            error = self._refuse(TEXT_COMMAND_TOO_BIG, "TOOBIG")
            self._skip_announced(line)
            self._cmd.clear()
            return error
        announce = _ANNOUNCE.search(line) if not _ends_inside_quotes(line) else None
        if announce is None:
            data = bytes(self._cmd)
            self._reset()
            return self._tokenise(data)
        size = int(announce.group(2))
        synchronising = not announce.group(3)
        too_big = size > self.max_literal or len(self._cmd) + size > self.max_command
        if too_big:
            text = TEXT_LITERAL_TOO_BIG if size > self.max_literal else TEXT_COMMAND_TOO_BIG
            error = self._refuse(text, "TOOBIG")
            if synchronising:
                # The client waits for "+" and gets the tagged reply instead.
                self._reset()
            else:
                self._cmd.clear()
                self._need = size
                self._mode = _Mode.SKIP_LITERAL
            return error
        self._need = size
        if synchronising:
            self._mode = _Mode.WAIT_DECISION
            return LiteralRequest(
                self._current_tag(self._cmd) or "", self._current_name(self._cmd), size
            )
        self._mode = _Mode.LITERAL
        return None

    def _skip_announced(self, line: bytes) -> None:
        """After refusing a command at ``line``: skip a {n+} literal it announced."""
        match = _ANNOUNCE.search(line[-_TAIL_KEEP:])
        if match and match.group(3):
            self._need = int(match.group(2))
            self._mode = _Mode.SKIP_LITERAL
        elif self._mode != _Mode.SKIP_LITERAL:
            self._mode = _Mode.LINE

    def _tokenise(self, data: bytes) -> CommandReady | CommandError:
        tag = self._current_tag(data)
        if tag is None:
            return CommandError(None, TEXT_BAD_TAG)
        pos = len(tag) + 1
        name_match = _NAME.match(data, pos)
        if not name_match:
            return CommandError(tag, TEXT_BAD_NAME)
        name = name_match.group().decode("ascii").upper()
        pos = name_match.end()
        try:
            args, end = _Tokeniser(data).arguments(pos)
        except SyntaxErr as exc:
            return CommandError(tag, exc.text)
        assert end == len(data)
        return CommandReady(Command(tag, name, args))


def _ends_inside_quotes(line: bytes) -> bool:
    """True when ``line`` ends inside a quoted string (so a final {n} is not a literal)."""
    inside = False
    i = 0
    n = len(line)
    while i < n:
        c = line[i]
        if inside:
            if c == 0x5C:  # backslash
                i += 2
                continue
            if c == 0x22:
                inside = False
        elif c == 0x22:
            inside = True
        i += 1
    return inside


# Octets that end an atom (outside brackets): atom-specials other than the ones that
# ATOM-CHAR-like arguments legitimately carry here. "*" and "%" (list-wildcards,
# sequence sets), "\" (flags) and "]" (astring) are accepted inside atoms; the command
# handlers check the finer grammar of each argument.
_ATOM_STOP = frozenset(b'(){ "') | frozenset(range(0x00, 0x20)) | {0x7F}


class _Tokeniser:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def arguments(self, pos: int) -> tuple[list[Token], int]:
        data = self.data
        args: list[Token] = []
        while True:
            if data.startswith(b"\r\n", pos) and pos + 2 == len(data):
                return args, pos + 2
            if data[pos : pos + 1] != b" ":
                raise SyntaxErr(self._where("expected a space or the end of the line", pos))
            pos += 1
            token, pos = self.token(pos)
            args.append(token)

    def _where(self, text: str, pos: int) -> str:
        return f"{text} at octet {pos}"

    def token(self, pos: int) -> tuple[Token, int]:
        data = self.data
        if pos >= len(data):
            raise SyntaxErr(self._where("unexpected end of command", pos))
        c = data[pos]
        if c == 0x22:
            return self.quoted(pos)
        if c == 0x28:
            return self.parenthesised(pos)
        if c == 0x7B or (c == 0x7E and data[pos + 1 : pos + 2] == b"{"):
            return self.literal(pos)
        if c in _ATOM_STOP or c == 0x29 or c >= 0x80:
            raise SyntaxErr(self._where(f"unexpected octet 0x{c:02x}", pos))
        return self.atom(pos)

    def quoted(self, pos: int) -> tuple[bytes, int]:
        # quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = <any TEXT-CHAR except
        # quoted-specials> / "\" quoted-specials (RFC 3501 §9), plus UTF-8 as RFC 9051
        # §9 allows (QUOTED-CHAR =/ UTF8-2 / UTF8-3 / UTF8-4).
        data = self.data
        out = bytearray()
        i = pos + 1
        while True:
            if i >= len(data):
                raise SyntaxErr(self._where("unterminated quoted string", pos))
            c = data[i]
            if c == 0x22:
                break
            if c == 0x5C:
                nxt = data[i + 1 : i + 2]
                if nxt not in (b'"', b"\\"):
                    raise SyntaxErr(self._where('only \\" and \\\\ may be escaped', i))
                out += nxt
                i += 2
                continue
            if c in (CR, LF, 0x00):
                raise SyntaxErr(self._where("CR, LF or NUL inside a quoted string", i))
            out.append(c)
            i += 1
        if not out.isascii():
            try:
                bytes(out).decode("utf-8")
            except UnicodeDecodeError:
                raise SyntaxErr(self._where("8-bit quoted string is not UTF-8", pos)) from None
        return bytes(out), i + 1

    def literal(self, pos: int) -> tuple[bytes, int]:
        data = self.data
        binary = data[pos] == 0x7E
        match = re.compile(rb"~?\{([0-9]+)\+?\}\r\n").match(data, pos)
        if not match:
            raise SyntaxErr(self._where("a literal must end its line", pos))
        size = int(match.group(1))
        if size > _NUMBER_MAX:
            raise SyntaxErr(self._where("literal size out of range", pos))
        start = match.end()
        body = data[start : start + size]
        if len(body) != size:
            raise SyntaxErr(self._where("literal shorter than announced", pos))
        if binary:
            return Literal8(body), start + size
        # literal = "{" number "}" CRLF *CHAR8; CHAR8 = %x01-ff (RFC 3501 §9)
        if b"\x00" in body:
            raise SyntaxErr(self._where("NUL inside a literal (use literal8)", pos))
        return Literal(body), start + size

    def parenthesised(self, pos: int) -> tuple[list[Token], int]:
        data = self.data
        items: list[Token] = []
        i = pos + 1
        if data[i : i + 1] == b")":
            return items, i + 1
        while True:
            token, i = self.token(i)
            items.append(token)
            nxt = data[i : i + 1]
            if nxt == b")":
                return items, i + 1
            if nxt != b" ":
                raise SyntaxErr(self._where("expected a space or ')' in a list", i))
            i += 1

    def atom(self, pos: int) -> tuple[Atom, int]:
        data = self.data
        i = pos
        n = len(data)
        while i < n:
            c = data[i]
            if c == 0x5B:  # "[": runs to the matching "]"
                i = self._bracket(i)
                continue
            if c in _ATOM_STOP or c == 0x29 or c >= 0x80:
                break
            i += 1
        return Atom(data[pos:i].decode("ascii")), i

    def _bracket(self, pos: int) -> int:
        data = self.data
        depth = 0
        i = pos
        while i < len(data):
            c = data[i]
            if c == 0x5B:
                depth += 1
            elif c == 0x5D:
                depth -= 1
                if depth == 0:
                    return i + 1
            elif c == 0x22:
                _, i = self.quoted(i)
                continue
            elif c in (CR, LF) or c == 0x7B or c == 0x00 or c >= 0x80:
                raise SyntaxErr(self._where("unterminated or invalid '[' section", pos))
            i += 1
        raise SyntaxErr(self._where("unterminated '[' section", pos))
