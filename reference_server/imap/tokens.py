"""What the IMAP command parser hands to command handlers: the contract between the
parser (command_parser.py) and the modules that interpret arguments (fetch, search,
sequence sets, APPEND, STORE).

A command's arguments arrive as a list of tokens:

* ``Atom`` — an atom as the client sent it (case preserved; compare with ``.upper()``).
  ``NIL``, numbers, sequence sets (``1:3,5,*``), flags (``\\Seen``), date strings sent
  unquoted are all atoms. An atom that contains ``[`` runs to the matching ``]``
  (spaces and parentheses inside belong to it) and goes on with atom characters, so
  ``BODY[HEADER.FIELDS (FROM TO)]<0.100>`` and ``BINARY.PEEK[1]`` are each one atom
  (RFC 3501 §9 ``fetch-att``; ``section`` may hold a parenthesised ``header-list``).
* ``bytes`` — a quoted string (escapes resolved) or a literal ``{n}`` / ``{n+}``
  (its octets exactly). A literal is a ``Literal`` (a ``bytes`` subclass), so the few
  places where the grammar wants one form only can tell them apart: APPEND's message
  is a literal and its date-time a quoted string (RFC 3501 §9, RFC 3502).
* ``Literal8`` — a ``~{n}`` literal (RFC 3516 BINARY / RFC 4469 CATENATE), bytes.
* ``list`` — a parenthesised list of tokens (nested lists allowed).

``astring`` arguments (mailbox names, user names, search strings) may be an ``Atom``
or ``bytes``: use :func:`as_bytes`.
"""

from __future__ import annotations


class Atom(str):
    """An IMAP atom (RFC 3501 §9 ``atom``), exactly as sent."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Atom({str(self)!r})"


class Literal(bytes):
    """The octets of a ``{n}`` / ``{n+}`` literal (never NUL: CHAR8)."""

    __slots__ = ()


class Literal8(bytes):
    """The octets of a ``~{n}`` literal (may contain NUL)."""

    __slots__ = ()


Token = Atom | bytes | list  # list elements are Tokens (recursive)


def as_bytes(token: object) -> bytes:
    """An astring argument's octets: atoms in ASCII, strings and literals as they are."""
    if isinstance(token, Atom):
        return token.encode("ascii")
    if isinstance(token, bytes):
        return bytes(token)
    raise TypeError(f"expected an atom or a string, got {type(token).__name__}")
