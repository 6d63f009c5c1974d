"""RFC 6154 SPECIAL-USE: the attributes, and CREATE's ``(USE (...))`` parameter.

The store keeps each folder's uses (storage: the ``special_use`` table); this module
only reads the client's request. \\All and \\Flagged name virtual mailboxes (every
message of the account; every flagged one); this server's folders are mbox files and
cannot be that, so CREATE refuses them with ``NO [USEATTR]`` (RFC 6154 §3), as it does
attributes it does not know.
"""

from __future__ import annotations

from .tokens import Atom, Token

ATTRIBUTES = ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")
_CANONICAL = {a.upper(): a for a in ATTRIBUTES}
# What a CREATE may assign: the real-folder roles.
ASSIGNABLE = frozenset({"\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash"})


class CreateParamError(ValueError):
    """The create-params are malformed (BAD)."""


class UseRefused(ValueError):
    """A use the server cannot give a folder (NO [USEATTR], RFC 6154 §3)."""


def canonical(attribute: str) -> str | None:
    """``\\sent`` -> ``\\Sent``; None for a name that is not a special use."""
    return _CANONICAL.get(attribute.upper())


def create_uses(params: Token) -> frozenset[str]:
    """The uses asked for by RFC 4466 ``create-params``::

        create-params = SP "(" create-param *( SP create-param) ")"
        create-param  =/ "USE" SP "(" [use-attr *(SP use-attr)] ")"   ; RFC 6154 §6

    CreateParamError for anything malformed or a parameter this server does not know;
    UseRefused for a use-attr it cannot assign (checked before anything is created)."""
    if not isinstance(params, list) or not params:
        raise CreateParamError("create parameters must be a non-empty list")
    uses: frozenset[str] | None = None
    i = 0
    while i < len(params):
        name = params[i]
        if not isinstance(name, Atom) or name.upper() != "USE":
            raise CreateParamError(f"unknown CREATE parameter {name!s}")
        if uses is not None:
            raise CreateParamError("USE given twice")
        if i + 1 >= len(params) or not isinstance(params[i + 1], list):
            raise CreateParamError("USE needs a parenthesised list of attributes")
        uses = _use_attrs(params[i + 1])
        i += 2
    return uses or frozenset()


def _use_attrs(tokens: list[Token]) -> frozenset[str]:
    found: set[str] = set()
    for token in tokens:
        # use-attr-ext = "\" atom: anything else is a syntax error.
        if not isinstance(token, Atom) or not token.startswith("\\") or len(token) < 2:
            raise CreateParamError(f"not a use-attr: {token!r}")
        attribute = canonical(token)
        if attribute is None:
            raise UseRefused(f"special use {token} is not supported")
        if attribute not in ASSIGNABLE:
            raise UseRefused(f"{attribute} is a virtual mailbox this server cannot create")
        found.add(attribute)
    return frozenset(found)
