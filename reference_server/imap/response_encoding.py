"""Encoding values into server responses (RFC 3501 §9): strings, mailbox names, flags.

Each function returns the octets of one response item; the session joins them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import mailbox_names

CRLF = b"\r\n"

# ATOM-CHAR (RFC 3501 §9): printable US-ASCII other than atom-specials.
_ATOM = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\\]]+')
# Octets a quoted string may carry (TEXT-CHAR: no CR, LF, NUL, no 8-bit).
_QUOTABLE = re.compile(rb"[\x01-\x09\x0b\x0c\x0e-\x7f]*")

SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
_CANONICAL = {f.upper(): f for f in (*SYSTEM_FLAGS, "\\Recent")}


def string(value: bytes) -> bytes:
    """A ``string``: quoted when it can be, a literal otherwise."""
    if _QUOTABLE.fullmatch(value) and len(value) < 1024:
        return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return b"{%d}\r\n" % len(value) + value


def nstring(value: bytes | None) -> bytes:
    return b"NIL" if value is None else string(value)


def astring(value: bytes) -> bytes:
    """An ``astring``: a bare atom when it is one (and not NIL), a string otherwise."""
    if _ATOM.fullmatch(value) and value.upper() != b"NIL":
        return value
    return string(value)


def mailbox(name: str) -> bytes:
    """A mailbox name in responses: modified UTF-7, as an astring (INBOX as INBOX)."""
    return astring(mailbox_names.encode(name))


# A name that is quoted as it is: printable US-ASCII without '"' and '\\'.
_PLAIN_QUOTED = re.compile(rb'[\x20\x21\x23-\x5b\x5d-\x7e]{0,1000}')


def list_mailbox(name: str) -> bytes:
    """A mailbox in LIST/LSUB: always quoted unless it needs a literal (many clients,
    curl among them, parse the name more easily that way; both forms are mailbox)."""
    encoded = mailbox_names.encode(name)
    if _PLAIN_QUOTED.fullmatch(encoded):
        return b'"' + encoded + b'"'  # the common case: nothing to escape (LIST speed)
    return string(encoded)


def canonical_flag(flag: str) -> str:
    """System flags in their canonical spelling; keywords as given."""
    return _CANONICAL.get(flag.upper(), flag)


def flag_list(flags: Iterable[str]) -> bytes:
    """``(\\Seen \\Flagged kw)``: system flags first in RFC order, then keywords sorted."""
    order = {f: i for i, f in enumerate(("\\Recent", *SYSTEM_FLAGS))}
    items = sorted(set(flags), key=lambda f: (order.get(f, len(order)), f))
    return b"(" + b" ".join(f.encode("ascii") for f in items) + b")"


def is_atom(value: bytes) -> bool:
    return bool(_ATOM.fullmatch(value))
