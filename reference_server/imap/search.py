"""SEARCH: parsing a search program and evaluating it on one message.

Public API::

    parse_search(tokens: Sequence[Token], *, esearch: bool = False) -> SearchProgram
        ``tokens`` are the SEARCH arguments (after ``SEARCH``/``UID SEARCH``):
        ``[RETURN (opts)] [CHARSET name] key...`` — RETURN only when ``esearch`` (RFC
        4731 ESEARCH / RFC 5182 SEARCHRES announced).  Errors: ArgumentError BAD for
        syntax; ``NO [BADCHARSET (US-ASCII UTF-8)]`` for an unsupported charset (RFC 3501
        §6.4.4, §7.1).
    SearchProgram.key / .charset / .returns (ReturnOptions or None: plain SEARCH)
    SearchProgram.needs_content -> bool     False: flags/size/dates/sets only, no raw()
    SearchContext(count, largest_uid, saved_uids=frozenset())
        ``count`` = messages in the mailbox (``*`` of a sequence set), ``largest_uid`` =
        UID of the last message or UIDNEXT when empty (``*`` of a UID set),
        ``saved_uids`` = the RFC 5182 saved result; ``$`` means those messages.
    matches(program, view, context) -> bool
    search(program, views: Iterable[MessageView], context) -> list[MessageView]
    render_search(numbers) -> bytes                   ``* SEARCH 2 5\\r\\n``
    render_esearch(numbers, returns, *, tag, uid) -> bytes | None
        ``* ESEARCH (TAG "a1") UID MIN 2 MAX 5 ALL 2,5 COUNT 2\\r\\n``; None when SAVE is the
        only option (RFC 5182 §2.4: then no ESEARCH response at all).
    saved_result(numbers, returns) -> list[int]
        What SAVE keeps: all matches, or only MIN/MAX when those are asked without ALL or
        COUNT (RFC 5182 §2.1).

Semantics (RFC 3501 §6.4.4):

* String keys match a case-insensitive substring of decoded text: header values with
  RFC 2047 encoded words decoded (FROM, TO, CC, BCC, SUBJECT, HEADER); body text with
  base64 / quoted-printable removed and the charset applied (BODY: every text/* part,
  inside encapsulated messages too, but no header block; TEXT: the message's header,
  decoded or as written, and the body text).  ``HEADER name ""`` matches
  every message that has the field.
* BEFORE / ON / SINCE compare the internal date's calendar date in its own zone;
  SENTBEFORE / SENTON / SENTSINCE the date written in the Date: header; both ignore time
  and zone.  A missing or unreadable Date: matches no SENT* key.
* Keys in a list are ANDed; ``( ... )`` groups; OR takes two keys; NOT one.  ANDed keys
  are evaluated cheapest first (flags, sizes, sets, internal dates, then headers, then
  bodies), so a program never reads a message's content when a cheap key has already
  decided it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .dates import header_date, parse_search_date
from .parsed_message import Entity, decode_words, to_text
from .sequence_set import MAX_NUMBER, SequenceSet, format_sequence_set, parse_sequence_set
from .tokens import Atom
from .views import LazyMessage, MessageView
from .wire import ArgumentError

CHARSETS = ("US-ASCII", "UTF-8")
RETURN_OPTIONS = ("MIN", "MAX", "ALL", "COUNT", "SAVE")


@dataclass(frozen=True)
class SearchContext:
    count: int
    largest_uid: int
    saved_uids: frozenset[int] = frozenset()


class _Message:
    """One message being searched: the view plus its content, loaded on demand."""

    __slots__ = ("_body", "_header", "_plain", "context", "lazy", "view")

    def __init__(self, view: MessageView, context: SearchContext) -> None:
        self.view = view
        self.context = context
        self.lazy = LazyMessage(view)
        self._header: str | None = None
        self._body: str | None = None
        self._plain: bytes | None = None  # the octets lower-cased if plain, b"" if not

    def entity(self) -> Entity:
        return self.lazy.entity()

    def lacks(self, needle: str) -> bool:
        """True when no decoded text of the message can contain ``needle`` (casefolded)
        because its octets do not: a message whose decoding cannot make text its octets
        do not spell (``_is_plain``) is searched in its octets, without being parsed
        (most of a SEARCH TEXT's time). False means "look properly"."""
        if not _prefilterable(needle):
            return False
        if self._plain is None:
            raw = self.lazy.raw()
            lowered = raw.lower()
            self._plain = lowered if _is_plain(raw, lowered) else b""
        if not self._plain:
            return False
        # The text of a plain message is ASCII, and so is its casefold.
        return not needle.isascii() or needle.encode("ascii") not in self._plain

    def header_text(self) -> str:
        """The header as text, twice: decoded ("Name: value" lines) and as written, so
        TEXT finds a word whether the client looks for it decoded or encoded."""
        if self._header is None:
            entity = self.entity()
            self._header = entity.memo("search-header", lambda: _header_text(entity))
        return self._header

    def body_text(self) -> str:
        if self._body is None:
            entity = self.entity()
            self._body = entity.memo(
                "search-body", lambda: "\n".join(_body_texts(entity)).casefold()
            )
        return self._body


# Charsets in which ASCII octets decode to themselves.
_PLAIN_CHARSET = re.compile(
    rb'charset[ \t]*=[ \t]*"?(?:us-ascii|ascii|utf-8|iso-8859-[0-9]{1,2}|windows-125[0-8])'
    rb"(?![a-z0-9_.:+*'-])"
)


def _is_plain(raw: bytes, lowered: bytes) -> bool:
    """Whether every text the search decodes from this message is a stretch of its
    octets (up to case, and line ends and the whitespace of unfolding): only ASCII
    octets, no RFC 2047 encoded word, no base64 or quoted-printable anywhere, and every
    ``charset`` one in which ASCII decodes to itself (not UTF-7, UTF-16, EBCDIC,
    ISO-2022, RFC 2231 forms). Conservative: the word "base64" in a text is enough to
    search that message the long way."""
    if not raw.isascii() or b"=?" in raw or b"base64" in lowered:
        return False
    if b"quoted-printable" in lowered:
        return False
    mentions = lowered.count(b"charset")
    return mentions == 0 or mentions == len(_PLAIN_CHARSET.findall(lowered))


def _prefilterable(needle: str) -> bool:
    """Needles the octets can answer for: not empty, and nothing the decoded texts
    add between stretches of octets -- whitespace (line ends, the joins between fields
    and parts, unfolding) or a colon (``Name: value`` is rebuilt from a name written
    ``Name :``)."""
    return bool(needle) and ":" not in needle and not any(c.isspace() for c in needle)


def _header_text(entity: Entity) -> str:
    decoded = "\n".join(f"{f.name}: {decode_words(f.value)}" for f in entity.fields)
    return (decoded + "\n" + to_text(entity.header_bytes(), "utf-8")).casefold()


def _body_texts(entity: Entity) -> list[str]:
    """The decoded text of every text/* leaf, inside encapsulated messages too.  The
    header of an encapsulated message is not body text: BODY looks at what is written,
    not at header blocks, whichever part they belong to (the reading of the suite's
    search oracle and of Dovecot, where RFC 3501 says only "in the body")."""
    if entity.is_multipart:
        return [text for part in entity.parts for text in _body_texts(part)]
    if entity.message is not None:
        return _body_texts(entity.message)
    if entity.maintype == "text":
        return [entity.text()]
    return []


# -- keys --------------------------------------------------------------------------------
# cost: 0 = from the view alone, 1 = needs the header, 2 = needs the body.


class Key:
    cost = 0

    def matches(self, message: _Message) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class All(Key):
    def matches(self, message: _Message) -> bool:
        return True


@dataclass(frozen=True)
class HasFlag(Key):
    flag: str  # compared case-insensitively: keywords are atoms the client spells freely

    def matches(self, message: _Message) -> bool:
        wanted = self.flag.casefold()
        return any(f.casefold() == wanted for f in message.view.flags)


@dataclass(frozen=True)
class Size(Key):
    larger: bool
    octets: int

    def matches(self, message: _Message) -> bool:
        size = message.view.size
        return size > self.octets if self.larger else size < self.octets


def _compare(value: dt.date, op: str, date: dt.date) -> bool:
    if op == "BEFORE":
        return value < date
    if op == "ON":
        return value == date
    return value >= date  # SINCE


@dataclass(frozen=True)
class InternalDate(Key):
    op: str  # BEFORE / ON / SINCE
    date: dt.date

    def matches(self, message: _Message) -> bool:
        return _compare(message.view.internal_date.date(), self.op, self.date)


@dataclass(frozen=True)
class SentDate(Key):
    op: str
    date: dt.date
    cost = 1

    def matches(self, message: _Message) -> bool:
        value = message.entity().value("Date")
        sent = None if value is None else header_date(value)
        return sent is not None and _compare(sent, self.op, self.date)


@dataclass(frozen=True)
class Header(Key):
    name: str
    needle: str  # casefolded
    cost = 1

    def matches(self, message: _Message) -> bool:
        key = self.name.lower()
        for f in message.entity().fields:
            if f.key == key and (
                not self.needle or self.needle in decode_words(f.value).casefold()
            ):
                return True
        return False


@dataclass(frozen=True)
class Body(Key):
    needle: str
    cost = 2

    def matches(self, message: _Message) -> bool:
        if message.lacks(self.needle):
            return False
        return self.needle in message.body_text()


@dataclass(frozen=True)
class Text(Key):
    needle: str
    cost = 2

    def matches(self, message: _Message) -> bool:
        if message.lacks(self.needle):
            return False
        return self.needle in message.header_text() or self.needle in message.body_text()


@dataclass(frozen=True)
class InSet(Key):
    numbers: SequenceSet
    by_uid: bool

    def matches(self, message: _Message) -> bool:
        view, context = message.view, message.context
        if self.numbers.saved and view.uid in context.saved_uids:
            return True
        if self.by_uid:
            return self.numbers.contains(view.uid, context.largest_uid)
        return self.numbers.contains(view.seq, context.count)


@dataclass(frozen=True)
class Not(Key):
    key: Key

    @property
    def cost(self) -> int:  # type: ignore[override]
        return self.key.cost

    def matches(self, message: _Message) -> bool:
        return not self.key.matches(message)


@dataclass(frozen=True)
class Or(Key):
    left: Key
    right: Key

    @property
    def cost(self) -> int:  # type: ignore[override]
        return max(self.left.cost, self.right.cost)

    def matches(self, message: _Message) -> bool:
        first, second = sorted((self.left, self.right), key=lambda k: k.cost)
        return first.matches(message) or second.matches(message)


@dataclass(frozen=True)
class And(Key):
    keys: tuple[Key, ...]

    @property
    def cost(self) -> int:  # type: ignore[override]
        return max((k.cost for k in self.keys), default=0)

    def matches(self, message: _Message) -> bool:
        return all(k.matches(message) for k in self.keys)


def _and(keys: list[Key]) -> Key:
    if len(keys) == 1:
        return keys[0]
    # Stable sort: equal-cost keys keep the client's order.
    return And(tuple(sorted(keys, key=lambda k: k.cost)))


# -- parsing -----------------------------------------------------------------------------

_FLAG_KEYS = {
    "ANSWERED": ("\\Answered", True), "UNANSWERED": ("\\Answered", False),
    "DELETED": ("\\Deleted", True), "UNDELETED": ("\\Deleted", False),
    "DRAFT": ("\\Draft", True), "UNDRAFT": ("\\Draft", False),
    "FLAGGED": ("\\Flagged", True), "UNFLAGGED": ("\\Flagged", False),
    "SEEN": ("\\Seen", True), "UNSEEN": ("\\Seen", False),
    "RECENT": ("\\Recent", True),
}  # fmt: skip
_HEADER_KEYS = {"FROM": "From", "TO": "To", "CC": "Cc", "BCC": "Bcc", "SUBJECT": "Subject"}
_DATE_KEYS = {"BEFORE", "ON", "SINCE"}
_SENT_KEYS = {"SENTBEFORE": "BEFORE", "SENTON": "ON", "SENTSINCE": "SINCE"}
# ATOM-CHAR without the flag's backslash: a flag-keyword (RFC 3501 §9).
_ATOM_SPECIALS = set('(){ %*"\\]') | {chr(c) for c in range(0x20)} | {"\x7f"}


@dataclass(frozen=True)
class ReturnOptions:
    options: frozenset[str]  # subset of RETURN_OPTIONS; RETURN () means ALL

    def __contains__(self, name: object) -> bool:
        return name in self.options


@dataclass(frozen=True)
class SearchProgram:
    key: Key
    charset: str = "US-ASCII"
    returns: ReturnOptions | None = None

    @property
    def needs_content(self) -> bool:
        return self.key.cost > 0


# Deeper nesting than this is refused rather than risking the interpreter's recursion
# limit on a hostile command (NOT NOT NOT ... or ((((...)))).
MAX_DEPTH = 100


@dataclass
class _Parser:
    tokens: Sequence[object]
    charset: str
    pos: int = 0
    depth: int = 0

    def next(self, what: str) -> object:
        if self.pos >= len(self.tokens):
            raise ArgumentError(f"Missing {what} in SEARCH")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def atom(self, what: str) -> str:
        token = self.next(what)
        if not isinstance(token, Atom):
            raise ArgumentError(f"Expected {what} in SEARCH")
        return str(token)

    def string(self, what: str) -> str:
        token = self.next(what)
        if isinstance(token, Atom):
            data = str(token).encode("ascii", "replace")
        elif isinstance(token, bytes):
            data = bytes(token)
        else:
            raise ArgumentError(f"Expected {what} (a string) in SEARCH")
        try:
            text = data.decode("ascii" if self.charset == "US-ASCII" else "utf-8")
        except UnicodeDecodeError:
            raise ArgumentError(f"The search string is not valid {self.charset}") from None
        return text.casefold()

    def number(self, what: str) -> int:
        text = self.atom(what)
        if not text.isdigit() or not text.isascii() or int(text) > MAX_NUMBER:
            raise ArgumentError(f"Invalid number {text!r} for {what}")
        return int(text)

    def date(self, what: str) -> dt.date:
        token = self.next(what)
        if not isinstance(token, Atom | bytes):
            raise ArgumentError(f"Expected a date for {what}")
        return parse_search_date(token)

    def keys(self) -> list[Key]:
        keys = [self.key()]
        while self.pos < len(self.tokens):
            keys.append(self.key())
        return keys

    def key(self) -> Key:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ArgumentError("Search program nested too deeply")
            return self._key()
        finally:
            self.depth -= 1

    def _key(self) -> Key:
        token = self.next("search key")
        if isinstance(token, list):
            if not token:
                raise ArgumentError("Empty parenthesised search key")
            inner = _Parser(token, self.charset, depth=self.depth + 1)
            return _and(inner.keys())
        if not isinstance(token, Atom):
            raise ArgumentError("Expected a search key")
        text = str(token)
        name = text.upper()
        if name == "ALL":
            return All()
        if name in _FLAG_KEYS:
            flag, present = _FLAG_KEYS[name]
            return HasFlag(flag) if present else Not(HasFlag(flag))
        if name == "NEW":  # RECENT UNSEEN
            return _and([HasFlag("\\Recent"), Not(HasFlag("\\Seen"))])
        if name == "OLD":  # NOT RECENT
            return Not(HasFlag("\\Recent"))
        if name in ("KEYWORD", "UNKEYWORD"):
            keyword = self.atom(f"{name} flag")
            if any(c in _ATOM_SPECIALS for c in keyword) or not keyword.isascii():
                raise ArgumentError(f"Invalid keyword {keyword!r}")
            return HasFlag(keyword) if name == "KEYWORD" else Not(HasFlag(keyword))
        if name in ("LARGER", "SMALLER"):
            return Size(name == "LARGER", self.number(name))
        if name in _DATE_KEYS:
            return InternalDate(name, self.date(name))
        if name in _SENT_KEYS:
            return SentDate(_SENT_KEYS[name], self.date(name))
        if name in _HEADER_KEYS:
            return Header(_HEADER_KEYS[name], self.string(name))
        if name == "HEADER":
            field_name = self.string("HEADER field name")
            if not field_name or any(
                ord(c) < 0x21 or ord(c) > 0x7E or c == ":" for c in field_name
            ):
                raise ArgumentError(f"Invalid header field name {field_name!r}")
            return Header(field_name, self.string("HEADER string"))
        if name == "BODY":
            return Body(self.string("BODY string"))
        if name == "TEXT":
            return Text(self.string("TEXT string"))
        if name == "NOT":
            return Not(self.key())
        if name == "OR":
            return Or(self.key(), self.key())
        if name == "UID":
            return InSet(parse_sequence_set(self.atom("UID set")), by_uid=True)
        if text[:1].isdigit() or text[:1] in ("*", "$"):
            return InSet(parse_sequence_set(text), by_uid=False)
        raise ArgumentError(f"Unknown search key {text!r}")


def _return_options(token: object) -> ReturnOptions:
    if not isinstance(token, list):
        raise ArgumentError("RETURN needs a parenthesised list of options")
    options: set[str] = set()
    for item in token:
        if not isinstance(item, Atom) or item.upper() not in RETURN_OPTIONS:
            raise ArgumentError(f"Unknown RETURN option {item!r}")
        options.add(item.upper())
    return ReturnOptions(frozenset(options or {"ALL"}))  # RFC 4731 §3.1: () means ALL


def parse_search(tokens: Sequence[object], *, esearch: bool = False) -> SearchProgram:
    pos = 0
    returns = None
    if esearch and tokens and isinstance(tokens[0], Atom) and tokens[0].upper() == "RETURN":
        if len(tokens) < 2:
            raise ArgumentError("RETURN needs a list of options")
        returns = _return_options(tokens[1])
        pos = 2
    charset = "US-ASCII"
    if (
        len(tokens) > pos
        and isinstance(tokens[pos], Atom)
        and str(tokens[pos]).upper() == "CHARSET"
    ):
        if len(tokens) < pos + 2 or not isinstance(tokens[pos + 1], Atom | bytes):
            raise ArgumentError("CHARSET needs a charset name")
        raw = tokens[pos + 1]
        name = (raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)).upper()
        if name not in CHARSETS:
            raise ArgumentError(
                f"Unsupported charset {name}",
                status="NO",
                code=f"BADCHARSET ({' '.join(CHARSETS)})",
            )
        charset = name
        pos += 2
    rest = list(tokens[pos:])
    if not rest:
        raise ArgumentError("SEARCH needs at least one search key")
    parser = _Parser(rest, charset)
    return SearchProgram(_and(parser.keys()), charset, returns)


# -- evaluation and results ----------------------------------------------------------


def matches(program: SearchProgram, view: MessageView, context: SearchContext) -> bool:
    return program.key.matches(_Message(view, context))


def search(
    program: SearchProgram, views: Iterable[MessageView], context: SearchContext
) -> list[MessageView]:
    return [view for view in views if program.key.matches(_Message(view, context))]


def render_search(numbers: Iterable[int]) -> bytes:
    return b"".join([b"* SEARCH", *(b" %d" % n for n in numbers), b"\r\n"])


def render_esearch(
    numbers: Sequence[int], returns: ReturnOptions, *, tag: str | None, uid: bool
) -> bytes | None:
    wanted = returns.options
    if wanted == {"SAVE"}:
        return None
    ordered = sorted(numbers)
    out = [b"* ESEARCH"]
    if tag is not None:
        out.append(
            b' (TAG "' + tag.encode("ascii").replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'")'
        )
    if uid:
        out.append(b" UID")
    # RFC 4731 §3.1: MIN, MAX and ALL are left out when nothing matched; COUNT is 0.
    if ordered:
        if "MIN" in wanted:
            out.append(b" MIN %d" % ordered[0])
        if "MAX" in wanted:
            out.append(b" MAX %d" % ordered[-1])
        if "ALL" in wanted:
            out.append(b" ALL " + format_sequence_set(ordered).encode("ascii"))
    if "COUNT" in wanted:
        out.append(b" COUNT %d" % len(ordered))
    out.append(b"\r\n")
    return b"".join(out)


def saved_result(numbers: Sequence[int], returns: ReturnOptions) -> list[int]:
    ordered = sorted(numbers)
    wanted = returns.options
    if not ordered or "ALL" in wanted or "COUNT" in wanted or not (wanted & {"MIN", "MAX"}):
        return ordered
    kept = set()
    if "MIN" in wanted:
        kept.add(ordered[0])
    if "MAX" in wanted:
        kept.add(ordered[-1])
    return sorted(kept)
