"""BODY[section]<partial> and BINARY[section] extraction (RFC 3501 §6.4.5, RFC 3516).

Public API::

    parse_section(spec: str, *, binary: bool = False) -> Section
        ``spec`` is the text between the brackets (``1.2.HEADER.FIELDS (FROM TO)``).
        ``binary=True`` allows part numbers only (RFC 3516 ``section-binary``).
        ArgumentError BAD outside the grammar.
    Section.render() -> bytes          the spec as echoed in the FETCH response
    resolve(entity: Entity, part: tuple[int, ...]) -> Entity | None
    extract(entity: Entity, section: Section) -> bytes | None
        The section's exact octets; None when the part does not exist or the section
        does not apply to it (HEADER/TEXT of a part that is not message/rfc822).
    extract_binary(entity: Entity, section: Section) -> bytes | None
        The part's content with its transfer encoding removed; ArgumentError
        ``NO [UNKNOWN-CTE]`` for an encoding the server does not know (RFC 3516 §4.3).
    apply_partial(data: bytes, partial: tuple[int, int] | None) -> bytes
        ``<start.count>``: octets start .. start+count-1; empty when start is past the end.

Section rules (RFC 3501 §6.4.5):

* ``[]`` is the whole message; ``HEADER`` its header with the blank line; ``TEXT`` its
  body; ``HEADER.FIELDS (list)`` / ``.NOT`` the header lines whose field name is / is
  not in the list (case-insensitive, exact), in message order with their folding, plus
  the blank line — which every header fetch keeps unless the message has none.
* A part number ``1.2.3`` walks multipart children; a non-multipart message has one
  part, ``1``, which is its body; inside a message/rfc822 part the numbers continue in
  the encapsulated message (``2.1`` is its first part, or its body).
* ``<part>`` alone is that part's body (for message/rfc822: the whole encapsulated
  message); ``<part>.MIME`` the part's MIME header; ``<part>.HEADER``, ``.TEXT``,
  ``.HEADER.FIELDS`` apply to a message/rfc822 part's encapsulated message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .parsed_message import Entity
from .wire import ArgumentError

_TEXTS = ("HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME")
_PART = re.compile(r"[1-9][0-9]*(?:\.[1-9][0-9]*)*")
# header-list items: astring = 1*ASTRING-CHAR / string (a quoted string here: literals
# cannot sit inside an atom).
_HEADER_NAME = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s()"{]+)')
# RFC 5322 §3.6.8 field-name: printable US-ASCII except the colon.
_FIELD_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+")


@dataclass(frozen=True)
class Section:
    part: tuple[int, ...] = ()
    text: str = ""  # "" or one of _TEXTS
    fields: tuple[str, ...] = ()  # for HEADER.FIELDS[.NOT], as the client wrote them

    def render(self) -> bytes:
        pieces = [".".join(str(n) for n in self.part)] if self.part else []
        if self.text:
            pieces.append(self.text)
        spec = ".".join(pieces)
        if self.text.startswith("HEADER.FIELDS"):
            names = " ".join(n if _FIELD_NAME.fullmatch(n) else _quote(n) for n in self.fields)
            spec += f" ({names})"
        return spec.encode("ascii")


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _header_list(text: str, whole: str) -> tuple[str, ...]:
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        raise ArgumentError(f"Invalid header list in section [{whole}]")
    inner = text[1:-1]
    names: list[str] = []
    pos = 0
    while pos < len(inner):
        if inner[pos] == " ":
            pos += 1
            continue
        match = _HEADER_NAME.match(inner, pos)
        if match is None:
            raise ArgumentError(f"Invalid header list in section [{whole}]")
        name = (
            match.group(2)
            if match.group(2) is not None
            else re.sub(r"\\(.)", r"\1", match.group(1))
        )
        if not _FIELD_NAME.fullmatch(name):
            raise ArgumentError(f"Invalid header field name {name!r}")
        names.append(name)
        pos = match.end()
    if not names:
        raise ArgumentError(f"Empty header list in section [{whole}]")
    return tuple(names)


def parse_section(spec: str, *, binary: bool = False) -> Section:
    if spec == "":
        return Section()
    head, space, rest = spec.partition(" ")
    pieces = head.split(".")
    numbers: list[int] = []
    while pieces and pieces[0].isdigit():
        piece = pieces.pop(0)
        if not _PART.fullmatch(piece):  # nz-number: no 0, no leading zero
            raise ArgumentError(f"Invalid section part in [{spec}]")
        numbers.append(int(piece))
    text = ".".join(pieces).upper()
    if pieces and not all(pieces):
        raise ArgumentError(f"Invalid section [{spec}]")
    if binary and (text or space):
        raise ArgumentError(f"BINARY takes part numbers only, not [{spec}]")
    if text and text not in _TEXTS:
        raise ArgumentError(f"Invalid section text in [{spec}]")
    if text == "MIME" and not numbers:
        raise ArgumentError("MIME needs a part number (RFC 3501 section-text)")
    fields: tuple[str, ...] = ()
    if text.startswith("HEADER.FIELDS"):
        if not space:
            raise ArgumentError(f"{text} needs a header list")
        fields = _header_list(rest, spec)
    elif space:
        raise ArgumentError(f"Invalid section [{spec}]")
    return Section(tuple(numbers), text, fields)


def resolve(entity: Entity, part: tuple[int, ...]) -> Entity | None:
    node = entity
    for depth, number in enumerate(part):
        if depth:
            if node.is_message and node.message is not None:
                node = node.message
            elif not node.is_multipart:
                return None
        if node.is_multipart:
            if number > len(node.parts):
                return None
            node = node.parts[number - 1]
        elif number != 1:
            return None
    return node


def _header_subset(message: Entity, names: tuple[str, ...], *, keep: bool) -> bytes:
    wanted = {n.lower() for n in names}
    lines = [f.raw for f in message.fields if (f.key in wanted) == keep]
    if message.has_blank_line:
        lines.append(b"\r\n")
    return b"".join(lines)


def extract(entity: Entity, section: Section) -> bytes | None:
    node = resolve(entity, section.part)
    if node is None:
        return None
    text = section.text
    if not text:
        return node.whole_bytes() if not section.part else node.body_bytes()
    if text == "MIME":
        return node.header_bytes()
    if section.part:
        if node.message is None:
            return None
        node = node.message
    if text == "HEADER":
        return node.header_bytes()
    if text == "TEXT":
        return node.body_bytes()
    return _header_subset(node, section.fields, keep=text == "HEADER.FIELDS")


def extract_binary(entity: Entity, section: Section) -> bytes | None:
    if not section.part:
        return entity.whole_bytes()
    node = resolve(entity, section.part)
    if node is None:
        return None
    decoded = node.decoded_body()
    if decoded is None:
        raise ArgumentError(
            f"Unknown Content-Transfer-Encoding {node.encoding!r}", status="NO", code="UNKNOWN-CTE"
        )
    return decoded


def apply_partial(data: bytes, partial: tuple[int, int] | None) -> bytes:
    if partial is None:
        return data
    start, count = partial
    return data[start : start + count]
