"""BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, §9 ``body``).

Public API::

    body_structure(entity: Entity, *, extensible: bool) -> bytes
        ``extensible=False`` gives FETCH BODY (no extension data), True gives
        BODYSTRUCTURE.  ``entity`` is a parsed message (parsed_message.parse_message) or
        any part of one.
    line_count(body: bytes) -> int

What goes where (grammar names from RFC 3501 §9):

* ``body-type-mpart``: the parts, one after the other with no space between them, then
  the subtype; BODYSTRUCTURE adds ``body-fld-param`` (the boundary ...), disposition,
  language and location.
* ``body-type-1part``: type, subtype, ``body-fld-param`` (NIL when there is none; a
  text/* part without a charset says ``("CHARSET" "US-ASCII")``, the RFC 2046 §4.1.2
  default, as does a part without Content-Type, RFC 2045 §5.2), Content-ID,
  Content-Description, the transfer encoding (``7BIT`` by default), the body's size in
  octets as transmitted (still encoded).  text/* adds its line count; message/rfc822
  adds the ENVELOPE, the BODY(STRUCTURE) of the encapsulated message and the line count.
  BODYSTRUCTURE adds Content-MD5, disposition, language, location.
* Type, subtype, encoding, disposition type and parameter names are upper-cased (as in
  RFC 3501's own examples), parameter values kept as written, RFC 2231 continuations
  joined (parsed_message.merge_rfc2231).
* Lines: every line end counts, and a last line without one counts too (the CRLF before
  a boundary delimiter belongs to the delimiter, so a part's last line usually has none).
"""

from __future__ import annotations

from .envelope import envelope
from .parsed_message import Entity, parse_disposition
from .wire import imap_string, nstring, render_list


def line_count(body: bytes) -> int:
    lines = body.count(b"\n")
    if body and not body.endswith(b"\n"):
        lines += 1
    return lines


def _upper(text: str) -> bytes:
    return imap_string(text.upper().encode("latin-1", "replace"))


def _params(params: list[tuple[str, str]]) -> bytes:
    if not params:
        return b"NIL"
    items: list[bytes] = []
    for name, value in params:
        items.append(_upper(name))
        items.append(imap_string(value.encode("latin-1", "replace")))
    return render_list(items)


def _disposition(entity: Entity) -> bytes:
    parsed = parse_disposition(entity.value("Content-Disposition"))
    if parsed is None:
        return b"NIL"
    kind, params = parsed
    return render_list([_upper(kind), _params(params)])


def _language(entity: Entity) -> bytes:
    value = entity.value("Content-Language")
    if value is None:
        return b"NIL"
    # RFC 3282: a comma-separated list of language tags (comments allowed).
    text = value.decode("latin-1")
    tags = [t.strip() for t in _drop_comments(text).split(",") if t.strip()]
    if not tags:
        return b"NIL"
    if len(tags) == 1:
        return imap_string(tags[0].encode("latin-1"))
    return render_list(imap_string(t.encode("latin-1")) for t in tags)


def _drop_comments(text: str) -> str:
    out, depth = [], 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out)


def _fields(entity: Entity) -> list[bytes]:
    """body-fields: params, id, description, encoding, octets."""
    params = list(entity.params)
    if entity.maintype == "text" and entity.param("charset") is None:
        params.append(("CHARSET", "US-ASCII"))
    return [
        _params(params),
        nstring(entity.value("Content-ID")),
        nstring(entity.value("Content-Description")),
        _upper(entity.encoding),
        b"%d" % entity.body_size,
    ]


def body_structure(entity: Entity, *, extensible: bool) -> bytes:
    key = "bodystructure" if extensible else "body"
    return entity.memo(key, lambda: _body_structure(entity, extensible=extensible))


def _body_structure(entity: Entity, *, extensible: bool) -> bytes:
    if entity.is_multipart:
        items = [b"".join(body_structure(p, extensible=extensible) for p in entity.parts)]
        items.append(_upper(entity.subtype))
        if extensible:
            items += [
                _params(entity.params),
                _disposition(entity),
                _language(entity),
                nstring(entity.value("Content-Location")),
            ]
        return b"(" + items[0] + b" " + b" ".join(items[1:]) + b")"
    items = [_upper(entity.maintype), _upper(entity.subtype), *_fields(entity)]
    encapsulated = entity.message
    if encapsulated is not None:
        items += [
            envelope(encapsulated),
            body_structure(encapsulated, extensible=extensible),
            b"%d" % line_count(entity.body_bytes()),
        ]
    elif entity.maintype == "text":
        items.append(b"%d" % line_count(entity.body_bytes()))
    if extensible:
        items += [
            nstring(entity.value("Content-MD5")),
            _disposition(entity),
            _language(entity),
            nstring(entity.value("Content-Location")),
        ]
    return render_list(items)
