"""FETCH: the data items a client asks for, and one message's FETCH response.

Public API::

    parse_fetch_items(token: Token) -> FetchRequest
        ``token`` is what follows the sequence set: one Atom (an item or a macro ALL /
        FAST / FULL) or a list of Atoms (RFC 3501 §6.4.5, §9 ``fetch``; RFC 3516
        BINARY[...], BINARY.PEEK[...], BINARY.SIZE[...]).  ArgumentError BAD otherwise.
    FetchRequest.items: tuple[FetchItem, ...]     in the client's order, duplicates dropped
    FetchRequest.sets_seen -> bool
        True if an item implicitly sets \\Seen (BODY[...] without .PEEK, BINARY[...],
        RFC822, RFC822.TEXT).  The caller stores \\Seen (unless the mailbox is read-only)
        before rendering and passes ``add_flags=True`` when that changed the flags, so
        that FLAGS goes with the response (RFC 3501 §6.4.5: "they SHOULD be included").
    FetchRequest.needs_content -> bool
        False when only FLAGS / UID / INTERNALDATE / RFC822.SIZE are asked for: no raw().
    render_fetch(view: MessageView, request: FetchRequest, *, uid: bool = False,
                 add_flags: bool = False) -> bytes
        ``(ITEM value ...)``.  ``uid=True`` for UID FETCH: UID is put first if the client
        did not ask for it (RFC 3501 §6.4.8).  Literals are ``{n}\\r\\n...``; BINARY
        content with a NUL goes as ``~{n}`` (RFC 3516 §4.2).  A section that does not
        exist is NIL.  ArgumentError NO [UNKNOWN-CTE] from BINARY (RFC 3516 §4.3).
    fetch_response(view, request, *, uid=False, add_flags=False) -> bytes
        ``* <seq> FETCH (...)\\r\\n``.
    render_flags(flags: Iterable[str]) -> bytes      ``(\\Seen \\Recent kw)``
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

# Modules, not names: a deliberately broken variant of the server (tests/sensitivity)
# can replace one function (sections.apply_partial, envelope.envelope, ...) and FETCH
# picks the replacement up.
from . import bodystructure, dates, envelope, sections
from .sections import Section, parse_section
from .tokens import Atom
from .views import LazyMessage, MessageView
from .wire import ArgumentError, literal, literal8

MACROS = {
    "ALL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"),
    "FAST": ("FLAGS", "INTERNALDATE", "RFC822.SIZE"),
    "FULL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"),
}
SIMPLE_ITEMS = frozenset(
    {"ENVELOPE", "FLAGS", "INTERNALDATE", "RFC822", "RFC822.HEADER", "RFC822.SIZE",
     "RFC822.TEXT", "BODY", "BODYSTRUCTURE", "UID"}
)  # fmt: skip
_METADATA = frozenset({"FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE"})

# fetch-att with a section: BODY[...] / BODY.PEEK[...] <partial>, BINARY[.PEEK|.SIZE][...]
_SECTIONED = re.compile(
    r"(BODY|BODY\.PEEK|BINARY|BINARY\.PEEK|BINARY\.SIZE)\[(.*)\](?:<([0-9]+)\.([0-9]+)>)?\Z",
    re.I | re.S,
)
MAX_NUMBER = 4294967295


@dataclass(frozen=True)
class FetchItem:
    # "FLAGS", "UID", ... for the simple items; "BODY[]" for BODY[section] (with .PEEK
    # in ``peek``), "BINARY[]" and "BINARY.SIZE[]" for the RFC 3516 items.
    name: str
    section: Section | None = None
    peek: bool = False
    partial: tuple[int, int] | None = None

    @property
    def sets_seen(self) -> bool:
        if self.name in ("BODY[]", "BINARY[]"):
            return not self.peek
        return self.name in ("RFC822", "RFC822.TEXT")

    @functools.cached_property
    def prefix(self) -> bytes:
        """``response_name()`` and the space after it, computed once per request."""
        return self.response_name() + b" "

    def response_name(self) -> bytes:
        if self.section is None:
            return self.name.encode("ascii")
        kind = self.name[:-2].encode("ascii")
        origin = b"" if self.partial is None else b"<%d>" % self.partial[0]
        return kind + b"[" + self.section.render() + b"]" + origin


_UID = FetchItem("UID")
_FLAGS = FetchItem("FLAGS")


@dataclass(frozen=True)
class FetchRequest:
    items: tuple[FetchItem, ...]

    @property
    def sets_seen(self) -> bool:
        return any(item.sets_seen for item in self.items)

    @functools.cached_property
    def needs_content(self) -> bool:
        return any(item.name not in _METADATA for item in self.items)

    @functools.cached_property
    def _plans(self) -> dict[tuple[bool, bool], tuple[FetchItem, ...]]:
        return {}

    def plan(self, *, uid: bool, add_flags: bool) -> tuple[FetchItem, ...]:
        """The items rendered, in order: UID first for UID FETCH if not asked for
        (RFC 3501 §6.4.8), FLAGS last when \\Seen was just set. Once per request, not
        once per message."""
        key = (uid, add_flags)
        found = self._plans.get(key)
        if found is None:
            items = list(self.items)
            if uid and _UID not in items:
                items.insert(0, _UID)
            if add_flags and _FLAGS not in items:
                items.append(_FLAGS)
            found = self._plans[key] = tuple(items)
        return found


def _parse_item(text: str) -> FetchItem:
    upper = text.upper()
    if upper in SIMPLE_ITEMS:
        return FetchItem(upper)
    match = _SECTIONED.match(text)
    if match is None:
        raise ArgumentError(f"Unknown FETCH data item {text!r}")
    kind = match.group(1).upper()
    binary = kind.startswith("BINARY")
    section = parse_section(match.group(2), binary=binary)
    partial = None
    if match.group(3) is not None:
        if kind == "BINARY.SIZE":
            raise ArgumentError("BINARY.SIZE takes no partial range")
        start, count = int(match.group(3)), int(match.group(4))
        # partial = "<" number "." nz-number ">"
        if count == 0 or start > MAX_NUMBER or count > MAX_NUMBER or match.group(4).startswith("0"):
            raise ArgumentError(f"Invalid partial range in {text!r}")
        partial = (start, count)
    name = {"BODY": "BODY[]", "BODY.PEEK": "BODY[]", "BINARY": "BINARY[]",
            "BINARY.PEEK": "BINARY[]", "BINARY.SIZE": "BINARY.SIZE[]"}[kind]  # fmt: skip
    return FetchItem(name, section, peek=kind.endswith(".PEEK"), partial=partial)


def parse_fetch_items(token: object) -> FetchRequest:
    if isinstance(token, Atom):
        macro = MACROS.get(token.upper())
        if macro is not None:
            return FetchRequest(tuple(FetchItem(name) for name in macro))
        atoms: list[object] = [token]
    elif isinstance(token, list):
        if not token:
            raise ArgumentError("Empty FETCH item list")
        atoms = token
    else:
        raise ArgumentError("FETCH items must be an atom or a parenthesised list")
    items: list[FetchItem] = []
    for atom in atoms:
        if not isinstance(atom, Atom):
            raise ArgumentError("FETCH items must be atoms")
        if atom.upper() in MACROS:
            raise ArgumentError(f"The macro {atom.upper()} cannot be inside a list")
        item = _parse_item(str(atom))
        if item not in items:
            items.append(item)
    return FetchRequest(tuple(items))


_SYSTEM_ORDER = ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "\\Recent")


# frozenset of flags -> its rendering. A folder's messages share a few flag sets (the
# store interns them), so FETCH 1:* FLAGS renders each set once, not once per message.
_RENDERED_FLAGS: dict[frozenset[str], bytes] = {}
_RENDERED_FLAGS_MAX = 4096


def _render_flags(flags: Iterable[str]) -> bytes:
    chosen = set(flags)
    ordered = [f for f in _SYSTEM_ORDER if f in chosen]
    ordered += sorted(chosen.difference(_SYSTEM_ORDER))
    return ("(" + " ".join(ordered) + ")").encode("ascii")


def render_flags(flags: Iterable[str]) -> bytes:
    if not isinstance(flags, frozenset):
        return _render_flags(flags)
    rendered = _RENDERED_FLAGS.get(flags)
    if rendered is None:
        if len(_RENDERED_FLAGS) >= _RENDERED_FLAGS_MAX:
            _RENDERED_FLAGS.clear()
        rendered = _RENDERED_FLAGS[flags] = _render_flags(flags)
    return rendered


def _content(data: bytes | None) -> bytes:
    return b"NIL" if data is None else literal(data)


def _render_item(item: FetchItem, view: MessageView, message: LazyMessage) -> bytes:
    name = item.name
    if name == "UID":
        value = b"%d" % view.uid
    elif name == "FLAGS":
        value = render_flags(view.flags)
    elif name == "INTERNALDATE":
        value = dates.format_date_time(view.internal_date)
    elif name == "RFC822.SIZE":
        value = b"%d" % view.size
    elif name == "ENVELOPE":
        value = envelope.envelope(message.entity())
    elif name in ("BODY", "BODYSTRUCTURE"):
        value = bodystructure.body_structure(message.entity(), extensible=name == "BODYSTRUCTURE")
    elif name == "RFC822":
        value = literal(message.raw())
    elif name == "RFC822.HEADER":
        value = literal(message.entity().header_bytes())
    elif name == "RFC822.TEXT":
        value = literal(message.entity().body_bytes())
    elif name == "BODY[]":
        assert item.section is not None
        if item.section == Section():
            data: bytes | None = message.raw()  # no parse for the whole message
        else:
            data = sections.extract(message.entity(), item.section)
        value = _content(None if data is None else sections.apply_partial(data, item.partial))
    elif name == "BINARY[]":
        assert item.section is not None
        data = sections.extract_binary(message.entity(), item.section)
        if data is None:
            value = b"NIL"
        else:
            data = sections.apply_partial(data, item.partial)
            value = literal8(data) if b"\x00" in data else literal(data)
    elif name == "BINARY.SIZE[]":
        assert item.section is not None
        data = sections.extract_binary(message.entity(), item.section)
        value = b"NIL" if data is None else b"%d" % len(data)
    else:  # parse_fetch_items admits nothing else
        raise AssertionError(name)
    return item.prefix + value


def _render_metadata(item: FetchItem, view: MessageView) -> bytes:
    name = item.name
    if name == "UID":
        return b"UID %d" % view.uid
    if name == "FLAGS":
        return b"FLAGS " + render_flags(view.flags)
    if name == "RFC822.SIZE":
        return b"RFC822.SIZE %d" % view.size
    return item.prefix + dates.format_date_time(view.internal_date)


def render_fetch(
    view: MessageView, request: FetchRequest, *, uid: bool = False, add_flags: bool = False
) -> bytes:
    items = request.plan(uid=uid, add_flags=add_flags)
    if not request.needs_content:
        # FETCH 1:* (FLAGS UID) of a large folder: no content object per message.
        return b"(" + b" ".join([_render_metadata(item, view) for item in items]) + b")"
    message = LazyMessage(view)
    return b"(" + b" ".join([_render_item(item, view, message) for item in items]) + b")"


def fetch_response(
    view: MessageView, request: FetchRequest, *, uid: bool = False, add_flags: bool = False
) -> bytes:
    return (
        b"* %d FETCH " % view.seq
        + render_fetch(view, request, uid=uid, add_flags=add_flags)
        + b"\r\n"
    )
