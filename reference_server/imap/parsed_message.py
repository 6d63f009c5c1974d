"""One message's MIME structure, by byte offsets into its wire form.

Theory of operation
-------------------
FETCH BODY[section] must return exact octets, so the structure is found here by
scanning the CRLF wire form, never by re-serialising an ``email.message.Message``:

* An :class:`Entity` is a header block plus a body, both ranges of the one ``data``
  bytes object of the whole message (``start <= body_start <= end``).  The header block
  runs to and includes the empty line that ends it; ``has_blank_line`` is False for a
  message that has none (then the body is empty).  A top-level message and an
  encapsulated message/rfc822 are Entities; so is every MIME part.
* ``parts``: for multipart/*, the body parts found between the boundary delimiter lines
  (RFC 2046 §5.1.1: the CRLF before a delimiter belongs to the delimiter, transport
  padding after it is allowed; a missing close-delimiter ends the last part at the end
  of the body).  A multipart with no delimiter at all gets one empty text/plain part,
  because BODYSTRUCTURE needs at least one (RFC 3501 §9 ``body-type-mpart``).
* ``message``: for message/rfc822 (and message/global), the encapsulated message.
* Content-Type, Content-Transfer-Encoding and the RFC 2231 parameter rules are
  interpreted here once; the standard library's ``email`` package decodes RFC 2047
  encoded words (``email.header.decode_header``).
* Nesting deeper than ``MAX_DEPTH`` levels is not parsed (see there).
* Everything below a top-level Entity is computed on first use and kept
  (``functools.cached_property``), so a flag-only SEARCH or a FETCH BODY[] never walks
  the MIME tree.

Public API (for the other message-library modules and the protocol core's cache)::

    parse_message(data: bytes) -> Entity
    ParsedCache(max_bytes=32 MiB).get(key, load: () -> bytes) -> Entity     (LRU)
    Entity.header_bytes() / body_bytes() / whole_bytes()
    Entity.fields -> list[HeaderField];  Entity.first(name) -> HeaderField | None
    Entity.maintype / subtype (lower case) / params / encoding / parts / message
    Entity.decoded_body() -> bytes | None      (CTE removed; None: unknown encoding)
    Entity.text() -> str                       (decoded body as text, charset applied)
    Entity.memo(key, compute)                  (derived values kept with the Entity)
    decode_words(value: bytes) -> str          (RFC 2047, for SEARCH)
"""

from __future__ import annotations

import binascii
import email.errors
import email.header
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple, TypeVar

T = TypeVar("T")

CRLF = b"\r\n"


class HeaderField(NamedTuple):
    # The field name as written ("" for a line without a colon), the field's complete
    # lines (with their line ends), the value after the colon, unfolded (line ends
    # removed, the whitespace after them kept) and stripped, and the lower-case name.
    name: str
    raw: bytes
    value: bytes
    key: str


def _field(lines: list[bytes], raw: bytes) -> HeaderField:
    """One field from its lines (without line ends) and its exact octets."""
    first = lines[0]
    colon = first.find(b":")
    if colon < 0:
        return HeaderField("", raw, b"", "")
    # obs-optional allows whitespace between the field name and the colon.
    name = first[:colon].rstrip(b" \t").decode("latin-1")
    value = b"".join([first[colon + 1 :], *lines[1:]]).strip(b" \t")
    return HeaderField(name, raw, value, name.lower())


def _split_header(data: bytes, start: int, end: int) -> tuple[list[HeaderField], int, bool]:
    """The fields of the header at ``start``; where the body starts; blank line seen."""
    if data.startswith(b"\r\n", start, end):
        return [], start + 2, True
    stop = data.find(b"\r\n\r\n", start, end)
    if stop >= 0:
        block = data[start : stop + 2]
        if block.count(b"\n") == block.count(b"\r\n"):
            # The usual case, all CRLF: split at once instead of line by line.
            return _group(block.split(b"\r\n")[:-1], b"\r\n"), stop + 4, True
    return _split_header_slowly(data, start, end)


def _group(lines: list[bytes], line_end: bytes) -> list[HeaderField]:
    fields: list[HeaderField] = []
    current: list[bytes] = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and current:
            current.append(line)
            continue
        if current:
            fields.append(_field(current, line_end.join(current) + line_end))
        current = [line]
    if current:
        fields.append(_field(current, line_end.join(current) + line_end))
    return fields


def _split_header_slowly(data: bytes, start: int, end: int) -> tuple[list[HeaderField], int, bool]:
    """Line by line, for headers with bare LF line ends or without an ending blank line."""
    groups: list[list[bytes]] = []  # each field's lines, with their line ends
    pos = start
    while pos < end:
        newline = data.find(b"\n", pos, end)
        line_end = end if newline < 0 else newline + 1
        line = data[pos:line_end]
        if line in (b"\r\n", b"\n"):
            return _fields(groups), line_end, True
        if line[:1] in (b" ", b"\t") and groups:
            groups[-1].append(line)
        else:
            groups.append([line])
        pos = line_end
    return _fields(groups), end, False


def _fields(groups: list[list[bytes]]) -> list[HeaderField]:
    return [_field([re.sub(rb"\r?\n\Z", b"", line) for line in g], b"".join(g)) for g in groups]


# -- Content-Type and friends (RFC 2045 §5.1, RFC 2231) ---------------------------------

# RFC 2045 token: any CHAR except SPACE, CTLs and tspecials ()<>@,;:\"/[]?= (8-bit
# octets, decoded as Latin-1, are let through: real mail has them).
_TOKEN = re.compile(r'[^\x00-\x20\x7f()<>@,;:\\"/\[\]?=]+')
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
_QUOTED_PAIR = re.compile(r"\\(.)", re.S)
_BLANKS = re.compile(r"[ \t\r\n]+")


class _Scanner:
    """A small RFC 2045 tokenizer: tokens, quoted-strings, comments skipped."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r\n":
                self.pos = _BLANKS.match(text, self.pos).end()  # type: ignore[union-attr]
            elif char == "(":
                depth = 0
                while self.pos < len(text):
                    c = text[self.pos]
                    if c == "\\":
                        self.pos += 1
                    elif c == "(":
                        depth += 1
                    elif c == ")":
                        depth -= 1
                        if depth == 0:
                            self.pos += 1
                            break
                    self.pos += 1
            else:
                return

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos : self.pos + 1]

    def take(self, char: str) -> bool:
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def token(self) -> str | None:
        self.skip()
        match = _TOKEN.match(self.text, self.pos)
        if match is None:
            return None
        self.pos = match.end()
        return match.group()

    def value(self) -> tuple[str, bool] | None:
        """A token or a quoted-string; (text, was_quoted)."""
        if self.peek() != '"':
            token = self.token()
            return None if token is None else (token, False)
        quoted = _QUOTED.match(self.text, self.pos)
        if quoted is not None:
            self.pos = quoted.end()
            return _QUOTED_PAIR.sub(r"\1", quoted.group(1)), True
        self.pos += 1
        out = []
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\\" and self.pos + 1 < len(text):
                out.append(text[self.pos + 1])
                self.pos += 2
                continue
            if char == '"':
                self.pos += 1
                return "".join(out), True
            out.append(char)
            self.pos += 1
        return "".join(out), True  # unterminated: take what there is

    def skip_to_semicolon(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] != ";":
            if self.text[self.pos] == '"':
                self.value()
            else:
                self.pos += 1


def parse_params(scanner: _Scanner) -> list[tuple[str, str]]:
    """``*(";" parameter)`` with RFC 2231 continuations merged (see ``merge_rfc2231``)."""
    raw: list[tuple[str, str]] = []
    while True:
        if not scanner.take(";"):
            if scanner.peek() == "":
                break
            scanner.skip_to_semicolon()  # junk between parameters: skip it
            continue
        name = scanner.token()
        if name is None:
            continue  # ";;" or a trailing ";"
        if not scanner.take("="):
            scanner.skip_to_semicolon()
            continue
        value = scanner.value()
        if value is None:
            scanner.skip_to_semicolon()
            continue
        raw.append((name, value[0]))
    return merge_rfc2231(raw)


_SECTION = re.compile(r"(.+?)\*(0|[1-9][0-9]*)(\*?)\Z")
_ATTRIBUTE_CHAR = re.compile(r"[!#$&+\-.0-9A-Z^_`a-z{|}~]")


def _percent_encode(text: str) -> str:
    out = []
    for char in text:
        if _ATTRIBUTE_CHAR.fullmatch(char):
            out.append(char)
        else:
            out.extend(f"%{b:02X}" for b in char.encode("utf-8"))
    return "".join(out)


@dataclass
class _Extended:
    spelling: str
    sections: dict[int, tuple[str, bool]]  # number -> (value, encoded)


def merge_rfc2231(raw: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join RFC 2231 §3 continuations (``name*0``, ``name*1*`` ...) into one parameter.

    RFC 2231 asks IMAP servers to decode continuations in BODY/BODYSTRUCTURE.  A value
    with a charset (``name*=`` or an encoded first section ``name*0*=``) comes out as
    ``name*`` with its ``charset'language'%XX`` form kept, so that it stays 7-bit and
    loses nothing; an unencoded section inside such a value is percent-encoded as it is
    joined.  ``name`` and ``name*`` are different parameters (a sender may give both, the
    plain one for old readers); within each, the first occurrence wins and the order of
    first appearance is kept."""
    order: list[tuple[str, bool]] = []
    plain: dict[str, tuple[str, str]] = {}
    extended: dict[str, _Extended] = {}
    for name, value in raw:
        match = _SECTION.match(name)
        if match is not None:
            base, number, star = match.group(1), int(match.group(2)), bool(match.group(3))
        elif name.endswith("*") and len(name) > 1:
            base, number, star = name[:-1], 0, True
        else:
            if name.lower() not in plain:
                plain[name.lower()] = (name, value)
                order.append((name.lower(), False))
            continue
        key = base.lower()
        if key not in extended:
            extended[key] = _Extended(base, {})
            order.append((key, True))
        extended[key].sections.setdefault(number, (value, star))
    out: list[tuple[str, str]] = []
    for key, is_extended in order:
        if not is_extended:
            out.append(plain[key])
            continue
        record = extended[key]
        encoded = record.sections.get(0, ("", False))[1]
        joined: list[str] = []
        number = 0
        while number in record.sections:  # sections count up from 0 without gaps
            value, is_encoded = record.sections[number]
            joined.append(value if (is_encoded or not encoded) else _percent_encode(value))
            number += 1
        if joined:
            out.append((record.spelling + "*" if encoded else record.spelling, "".join(joined)))
    return out


def parse_content_type(value: bytes | None) -> tuple[str, str, list[tuple[str, str]]] | None:
    """(type, subtype, params) in lower case (values as written), or None when the
    field is absent or not ``type "/" subtype``."""
    if value is None:
        return None
    scanner = _Scanner(value.decode("latin-1"))
    maintype = scanner.token()
    if maintype is None or not scanner.take("/"):
        return None
    subtype = scanner.token()
    if subtype is None:
        return None
    return maintype.lower(), subtype.lower(), parse_params(scanner)


def parse_disposition(value: bytes | None) -> tuple[str, list[tuple[str, str]]] | None:
    """RFC 2183 Content-Disposition: (type as written, params), or None."""
    if value is None:
        return None
    scanner = _Scanner(value.decode("latin-1"))
    kind = scanner.token()
    if kind is None:
        return None
    return kind, parse_params(scanner)


# -- decoding --------------------------------------------------------------------------


def decode_base64(data: bytes) -> bytes:
    """Lenient base64: characters outside the alphabet are ignored, padding repaired."""
    clean = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    if len(clean) % 4 == 1:
        clean = clean[:-1]
    clean += b"=" * (-len(clean) % 4)
    return binascii.a2b_base64(clean)


def to_text(data: bytes, charset: str | None) -> str:
    """Octets as text in ``charset``; undeclared, unknown or wrong charsets fall back to
    UTF-8 and then Latin-1, so that a search always has text to look at."""
    for name in (charset, "utf-8"):
        if not name:
            continue
        try:
            return data.decode(name)
        except (LookupError, ValueError):  # ValueError: UnicodeError ("undefined" codec), ...
            continue
    return data.decode("latin-1")


def decode_words(value: bytes) -> str:
    """A header value with RFC 2047 encoded words decoded (raw 8-bit taken as UTF-8)."""
    text = to_text(value, "utf-8")
    if "=?" not in text:
        return text
    try:
        pieces = email.header.decode_header(text)
    except (ValueError, binascii.Error, email.errors.HeaderParseError):
        return text  # a malformed encoded word is searched as written
    out = []
    for piece, charset in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            out.append(to_text(piece, charset))
    return "".join(out)


# -- the entity ------------------------------------------------------------------------

# RFC 2045 §5.2; the us-ascii charset default is added where it is shown (BODYSTRUCTURE).
_DEFAULT_TYPE: tuple[str, str, list[tuple[str, str]]] = ("text", "plain", [])
_IDENTITY_ENCODINGS = {"7bit", "8bit", "binary"}
# Nesting (multipart in multipart, message in message) beyond this is not looked into: a
# hostile message must not exhaust the recursion of BODYSTRUCTURE or SEARCH.  Deeper
# multiparts show one empty part; deeper message/rfc822 parts have no ``message``.
MAX_DEPTH = 40


class Entity:
    """A message or MIME part inside ``data``; see the module docstring."""

    def __init__(
        self, data: bytes, start: int, end: int, *, digest: bool = False, depth: int = 0
    ) -> None:
        self.data = data
        self.start = start
        self.end = end
        self.depth = depth
        self._memo: dict[str, object] = {}
        # In multipart/digest, a part without Content-Type is message/rfc822 (RFC 2046 §5.1.5).
        self._digest_default = digest
        self.fields, self.body_start, self.has_blank_line = _split_header(data, start, end)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per Entity: ENVELOPE, BODYSTRUCTURE and the search texts
        are kept with the parsed message, so a cached Entity answers them again cheaply."""
        try:
            return self._memo[key]  # type: ignore[return-value]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    # bytes
    def header_bytes(self) -> bytes:
        return self.data[self.start : self.body_start]

    def body_bytes(self) -> bytes:
        return self.data[self.body_start : self.end]

    def whole_bytes(self) -> bytes:
        return self.data[self.start : self.end]

    @property
    def body_size(self) -> int:
        return self.end - self.body_start

    # fields
    @cached_property
    def _first_by_key(self) -> dict[str, HeaderField]:
        index: dict[str, HeaderField] = {}
        for field in self.fields:
            index.setdefault(field.key, field)
        return index

    def first(self, name: str) -> HeaderField | None:
        return self._first_by_key.get(name.lower())

    def value(self, name: str) -> bytes | None:
        field = self.first(name)
        return None if field is None else field.value

    # MIME
    @cached_property
    def _content_type(self) -> tuple[str, str, list[tuple[str, str]]]:
        parsed = parse_content_type(self.value("Content-Type"))
        if parsed is not None:
            return parsed
        if self._digest_default:
            return ("message", "rfc822", [])
        return _DEFAULT_TYPE

    @property
    def maintype(self) -> str:
        return self._content_type[0]

    @property
    def subtype(self) -> str:
        return self._content_type[1]

    @property
    def params(self) -> list[tuple[str, str]]:
        return self._content_type[2]

    def param(self, name: str) -> str | None:
        key = name.lower()
        for param_name, value in self.params:
            if param_name.lower() == key:
                return value
        return None

    @property
    def encoding(self) -> str:
        value = self.value("Content-Transfer-Encoding")
        if value is None:
            return "7bit"
        text = value.decode("latin-1").strip()
        text = _Scanner(text).token() or text
        return text.lower() or "7bit"

    @property
    def is_multipart(self) -> bool:
        return self.maintype == "multipart"

    @property
    def is_message(self) -> bool:
        """message/rfc822 (or RFC 6532 message/global): has an encapsulated message."""
        return self.maintype == "message" and self.subtype in ("rfc822", "global")

    @cached_property
    def parts(self) -> list[Entity]:
        if not self.is_multipart:
            return []
        boundary = self.param("boundary") if self.depth < MAX_DEPTH else None
        digest = self.subtype == "digest"
        ranges = (
            []
            if not boundary
            else _split_multipart(self.data, self.body_start, self.end, boundary.encode("latin-1"))
        )
        if not ranges:
            return [Entity(b"\r\n", 0, 2)]  # an empty text/plain part; see the docstring
        return [Entity(self.data, a, b, digest=digest, depth=self.depth + 1) for a, b in ranges]

    @cached_property
    def message(self) -> Entity | None:
        if not self.is_message or self.depth >= MAX_DEPTH:
            return None
        return Entity(self.data, self.body_start, self.end, depth=self.depth + 1)

    # decoded content
    def decoded_body(self) -> bytes | None:
        """The body with its Content-Transfer-Encoding removed; None if unknown."""
        encoding = self.encoding
        body = self.body_bytes()
        if encoding in _IDENTITY_ENCODINGS:
            return body
        if encoding == "base64":
            return decode_base64(body)
        if encoding == "quoted-printable":
            return binascii.a2b_qp(body)
        return None

    def text(self) -> str:
        """The decoded body as text (charset parameter, with fallbacks)."""
        decoded = self.decoded_body()
        if decoded is None:
            decoded = self.body_bytes()
        return to_text(decoded, self.param("charset"))


def _split_multipart(data: bytes, start: int, end: int, boundary: bytes) -> list[tuple[int, int]]:
    """Ranges of the body parts between ``--boundary`` delimiter lines."""
    delimiter = b"--" + boundary
    # Candidate delimiter lines: at the very start of the body, or after a line end.
    positions: list[tuple[int, int, bool]] = []  # (line start, content start, is close)
    search = start
    first = True
    while True:
        if first and data.startswith(delimiter, start, end):
            at = start
        else:
            found = data.find(b"\n" + delimiter, search, end)
            if found < 0:
                break
            at = found + 1
        first = False
        after = at + len(delimiter)
        newline = data.find(b"\n", after, end)
        line_end = end if newline < 0 else newline + 1
        rest = data[after:line_end]
        close = rest.startswith(b"--")
        if close:
            rest = rest[2:]
        # Only transport padding may follow: "--b" must not match a line "--bc".
        if rest.strip(b" \t\r\n") == b"":
            positions.append((at, line_end, close))
            if close:
                break
        search = at
    parts: list[tuple[int, int]] = []
    for index, (_at, content, close) in enumerate(positions):
        if close:
            break
        if index + 1 < len(positions):
            next_at = positions[index + 1][0]
            # The line end before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
            part_end = next_at - (2 if data[next_at - 2 : next_at] == CRLF else 1)
            parts.append((content, max(content, part_end)))
        else:
            parts.append((content, end))  # no close-delimiter: runs to the end
    return parts


def parse_message(data: bytes) -> Entity:
    return Entity(data, 0, len(data))


class ParsedCache:
    """A bounded LRU of parsed messages for the protocol core; key it by something that
    identifies the message bytes for good (e.g. (folder, uidvalidity, uid))."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, Entity] = OrderedDict()
        self._bytes = 0

    def get(self, key: Hashable, load: Callable[[], bytes]) -> Entity:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            return entry
        entry = parse_message(load())
        self._entries[key] = entry
        self._bytes += len(entry.data)
        while self._bytes > self.max_bytes and len(self._entries) > 1:
            _, old = self._entries.popitem(last=False)
            self._bytes -= len(old.data)
        return entry

    def discard(self, key: Hashable) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.data)
