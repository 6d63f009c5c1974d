"""How the message library's values go out on the wire, and how a bad argument comes back.

Output forms (RFC 3501 §4, §9):

* :func:`imap_string` — a ``string``: quoted when every octet is a TEXT-CHAR (no NUL,
  CR, LF or 8-bit octet) and the value is short; otherwise a literal ``{n}\\r\\n...``.
  NUL cannot appear in either form (RFC 3501 §4.3); it is dropped.
* :func:`nstring` — ``NIL`` for ``None``, else :func:`imap_string`.
* :func:`literal` — always a literal; :func:`literal8` — ``~{n}`` (RFC 3516).
* :func:`render_list` — a parenthesised list of already rendered items.

Errors: :class:`ArgumentError` is what every parser in the message library raises on an
argument it refuses. It carries the tagged status (``BAD`` for syntax, ``NO`` for a
well-formed request the server declines), an optional response code (``BADCHARSET
(US-ASCII UTF-8)``, ``UNKNOWN-CTE``, ...) and the human text; ``str(error)`` (also
``error.reply``) is the complete text after the tag, e.g.
``"NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


class ArgumentError(Exception):
    """A command argument the message library refuses; see the module docstring."""

    def __init__(self, text: str, *, status: str = "BAD", code: str = "") -> None:
        self.status = status
        self.code = code
        self.text = text
        bracket = f"[{code}] " if code else ""
        super().__init__(f"{status} {bracket}{text}")

    @property
    def reply(self) -> str:
        """What follows the tag in the tagged response."""
        return str(self)


# Longest value sent as a quoted string; longer ones go as literals so that a response
# line stays bounded (any length would be legal).
_MAX_QUOTED = 1000


# TEXT-CHAR: CHAR (0x01-0x7F) except CR and LF.
_TEXT_CHARS = re.compile(rb"[\x01-\x09\x0b\x0c\x0e-\x7f]*")


def _quotable(value: bytes) -> bool:
    return len(value) <= _MAX_QUOTED and _TEXT_CHARS.fullmatch(value) is not None


def imap_string(value: bytes) -> bytes:
    """``string`` (RFC 3501 §9): quoted if it can be, else a literal."""
    value = value.replace(b"\x00", b"")
    if _quotable(value):
        return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return literal(value)


def nstring(value: bytes | None) -> bytes:
    """``nstring``: NIL for None."""
    return b"NIL" if value is None else imap_string(value)


def literal(value: bytes) -> bytes:
    """``literal``: ``{n}\\r\\n`` followed by exactly n octets."""
    return b"{%d}\r\n" % len(value) + value


def literal8(value: bytes) -> bytes:
    """``literal8`` (RFC 3516 §4.2): ``~{n}\\r\\n`` followed by n octets, NUL allowed."""
    return b"~{%d}\r\n" % len(value) + value


def render_list(items: Iterable[bytes]) -> bytes:
    """A parenthesised, space-separated list of rendered items."""
    return b"(" + b" ".join(items) + b")"
