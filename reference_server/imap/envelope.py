"""ENVELOPE (RFC 3501 §7.4.2) from a message's header.

Public API::

    envelope(entity: Entity) -> bytes
        ``(date subject from sender reply-to to cc bcc in-reply-to message-id)`` ready to
        put after ``ENVELOPE ``.  ``entity`` is parsed_message.parse_message(raw) or an
        encapsulated message/rfc822 part (``part.message``).
    parse_address_list(value: bytes) -> list[Address]
        RFC 5322 §3.4 address-list (with the obsolete forms of §4.4: empty list
        elements, routes, CFWS anywhere) into IMAP address structures.

Rules taken from RFC 3501 §7.4.2 and §9 (``envelope``, ``address``):

* Fields come from the first occurrence of each header field; an absent field is NIL.
  Values are the raw header text, unfolded (RFC 5322 §2.2.3: folding is not part of the
  value) and trimmed; encoded words stay encoded (IMAP4rev1 returns header text, not
  decoded text).  Strings with 8-bit octets go out as literals (wire.imap_string).
* ``sender`` and ``reply-to`` are the ``from`` value when the field is absent or holds
  no address.  An address field that holds no address is NIL.
* An address is ``(name adl mailbox host)``: the display name with its quoting removed
  (NIL if none), the obsolete source route (``@a,@b``, NIL if none), the local part with
  its quoting removed, and the domain.  A group ``g: a, b;`` is ``(NIL NIL "g" NIL)``,
  its members, then ``(NIL NIL NIL NIL)``.  The addresses of a list follow each other
  without a space (``env-from = "(" 1*address ")"``).
* An address without a domain would read as a group marker (host NIL); it gets the host
  ``.MISSING-HOST-NAME.`` instead (the UW IMAP convention several clients recognise).
  ``<>`` (a null reverse path) has no mailbox at all and is left out.
* Comments are ignored (the old ``user@host (Full Name)`` form has no display name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .parsed_message import Entity
from .wire import nstring, render_list

MISSING_HOST = b".MISSING-HOST-NAME."


@dataclass(frozen=True)
class Address:
    name: bytes | None
    adl: bytes | None
    mailbox: bytes | None
    host: bytes | None

    def render(self) -> bytes:
        return render_list(nstring(v) for v in (self.name, self.adl, self.mailbox, self.host))


GROUP_END = Address(None, None, None, None)


@dataclass(frozen=True)
class _Token:
    kind: str  # "atom", "quoted", "literal" (domain literal), or the special character
    text: str
    space_before: bool


_SPECIALS = set("<>@,;:.")


# One lexical item of RFC 5322 §3.2 at a time; comments are handled by hand (they nest).
_LEXEME = re.compile(
    r"""(?P<blank>[ \t\r\n]+)"""
    r"""|"(?P<quoted>(?:[^"\\]|\\.)*)"?"""
    r"""|(?P<literal>\[[^\]]*\]?)"""
    r"""|(?P<special>[<>@,;:.])"""
    r"""|(?P<atom>[^ \t\r\n"()\[<>@,;:.]+)"""
    r"""|(?P<stray>.)""",
    re.S,
)
_QUOTED_PAIR = re.compile(r"\\(.)", re.S)


def _skip_comment(text: str, index: int) -> int:
    depth = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return index


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    space = False
    while index < len(text):
        if text[index] == "(":
            index = _skip_comment(text, index)
            space = True
            continue
        match = _LEXEME.match(text, index)
        assert match is not None  # "stray" matches any one character
        index = match.end()
        kind = match.lastgroup
        if kind in ("blank", "stray"):  # a stray ")" or a lone "\\" acts as a separator
            space = True
            continue
        if kind == "quoted":
            tokens.append(_Token("quoted", _QUOTED_PAIR.sub(r"\1", match.group("quoted")), space))
        elif kind == "special":
            tokens.append(_Token(match.group(), match.group(), space))
        else:
            tokens.append(_Token(str(kind), match.group(), space))
        space = False
    return tokens


def _join(tokens: list[_Token]) -> str:
    """Words of a phrase or local part, one space where the original had whitespace."""
    out = []
    for position, token in enumerate(tokens):
        if position and token.space_before:
            out.append(" ")
        out.append(token.text)
    return "".join(out)


def _bytes(text: str) -> bytes:
    return text.encode("latin-1")  # the value was decoded latin-1: octets round-trip


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str:
        return self.tokens[self.pos].kind if self.pos < len(self.tokens) else ""

    def words_until(self, stops: str) -> list[_Token]:
        start = self.pos
        while self.pos < len(self.tokens) and self.tokens[self.pos].kind not in stops:
            self.pos += 1
        return self.tokens[start : self.pos]

    def skip_element(self) -> None:
        """Error recovery: drop the rest of this list element."""
        while self.peek() not in ("", ",", ";"):
            self.pos += 1

    def address_list(self, *, in_group: bool = False) -> list[Address]:
        out: list[Address] = []
        while True:
            kind = self.peek()
            if kind == "" or (in_group and kind == ";"):
                return out
            if kind in (",", ";"):
                self.pos += 1  # obs-addr-list: empty elements; a stray ";"
                continue
            out.extend(self.element(in_group=in_group))

    def element(self, *, in_group: bool) -> list[Address]:
        phrase = self.words_until("<:@,;>")
        kind = self.peek()
        if kind == ":" and not in_group:
            self.pos += 1
            members = self.address_list(in_group=True)
            if self.peek() == ";":
                self.pos += 1
            start = Address(None, None, _bytes(_join(phrase)), None)
            return [start, *members, GROUP_END]
        if kind == "<":
            self.pos += 1
            return self.angle_addr(phrase)
        if kind == "@":
            return self.addr_spec(phrase, name=None)
        if kind in ("", ",", ";") and phrase:
            # A bare local part without a domain.
            return [self.make(None, None, phrase, None)]
        self.skip_element()
        return []

    def angle_addr(self, phrase: list[_Token]) -> list[Address]:
        name = _bytes(_join(phrase)) if phrase else None
        adl = None
        if self.peek() == "@":  # obs-route: "@a,@b:" before the addr-spec
            start = self.pos
            while self.peek() not in ("", ":", ">"):
                self.pos += 1
            if self.peek() == ":":
                adl = _bytes("".join(t.text for t in self.tokens[start : self.pos]))
                self.pos += 1
            else:
                self.pos = start
        local = self.words_until("@>,;")
        if self.peek() == "@":
            self.pos += 1
            domain = self.words_until(">,;")
        else:
            domain = []
        if self.peek() == ">":
            self.pos += 1
        else:
            self.skip_element()
        if not local and not domain:
            return []  # "<>": no mailbox to describe
        return [self.make(name, adl, local, domain or None)]

    def addr_spec(self, local: list[_Token], *, name: bytes | None) -> list[Address]:
        self.pos += 1  # "@"
        domain = self.words_until(",;<>")
        if self.peek() in ("<", ">"):
            self.skip_element()
        if not local and not domain:
            return []  # a lone "@"
        return [self.make(name, None, local, domain)]

    @staticmethod
    def make(
        name: bytes | None, adl: bytes | None, local: list[_Token], domain: list[_Token] | None
    ) -> Address:
        mailbox = _bytes("".join(t.text for t in local))
        host = _bytes("".join(t.text for t in domain)) if domain else MISSING_HOST
        return Address(name, adl, mailbox, host)


def parse_address_list(value: bytes) -> list[Address]:
    return _Parser(_tokenize(value.decode("latin-1"))).address_list()


def _address_field(entity: Entity, name: str) -> list[Address] | None:
    value = entity.value(name)
    if value is None:
        return None
    return parse_address_list(value) or None


def _render_addresses(addresses: list[Address] | None) -> bytes:
    if not addresses:
        return b"NIL"
    # env-from = "(" 1*address ")": the addresses follow each other with no space.
    return b"(" + b"".join(a.render() for a in addresses) + b")"


def envelope(entity: Entity) -> bytes:
    return entity.memo("envelope", lambda: _envelope(entity))


def _envelope(entity: Entity) -> bytes:
    from_ = _address_field(entity, "From")
    sender = _address_field(entity, "Sender") or from_
    reply_to = _address_field(entity, "Reply-To") or from_
    return render_list(
        [
            nstring(entity.value("Date")),
            nstring(entity.value("Subject")),
            _render_addresses(from_),
            _render_addresses(sender),
            _render_addresses(reply_to),
            _render_addresses(_address_field(entity, "To")),
            _render_addresses(_address_field(entity, "Cc")),
            _render_addresses(_address_field(entity, "Bcc")),
            nstring(entity.value("In-Reply-To")),
            nstring(entity.value("Message-ID")),
        ]
    )
