"""Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3) both ways, strictly.

The store speaks Unicode names; IMAP4rev1 clients speak modified UTF-7, in which
printable US-ASCII (0x20-0x7E) other than "&" stands for itself, "&" is written "&-",
and any other run of characters is "&" + modified BASE64 of its UTF-16BE form ("," for
"/", no "=" padding) + "-".

``decode`` refuses every spelling RFC 3501 forbids, so that one name has exactly one
spelling: raw 8-bit or control octets, an unterminated or empty shift ("&" + "-" only
as "&-"), printable ASCII inside a shift, two adjacent shifts (they must be one run),
non-zero padding bits, a partial UTF-16 unit, and unpaired surrogates.
"""

from __future__ import annotations

import base64
import binascii
import re


class InvalidName(ValueError):
    """The octets are not a valid modified UTF-7 mailbox name."""


_B64_ALPHABET = re.compile(rb"[A-Za-z0-9+,]*")


def _printable(char: str) -> bool:
    return 0x20 <= ord(char) <= 0x7E


# Printable US-ASCII other than "&": the whole name stands for itself (the common case,
# tested with one regex instead of a loop over the characters: LIST encodes every name).
_PLAIN = re.compile(r"[\x20-\x25\x27-\x7e]*")
# A run of characters that must be shifted (anything not printable US-ASCII).
_SHIFTED = re.compile(r"[^\x20-\x7e]+")


def encode(name: str) -> bytes:
    """Unicode name -> modified UTF-7 octets (RFC 3501 §5.1.3)."""
    if _PLAIN.fullmatch(name):
        return name.encode("ascii")
    out: list[bytes] = []
    position = 0
    for run in _SHIFTED.finditer(name):
        out.append(name[position : run.start()].replace("&", "&-").encode("ascii"))
        data = run.group().encode("utf-16-be")
        out.append(b"&" + base64.b64encode(data).rstrip(b"=").replace(b"/", b",") + b"-")
        position = run.end()
    out.append(name[position:].replace("&", "&-").encode("ascii"))
    return b"".join(out)


def decode(raw: bytes) -> str:
    """Modified UTF-7 octets -> Unicode name; InvalidName for anything non-canonical."""
    out: list[str] = []
    i = 0
    previous_was_shift = False
    while i < len(raw):
        octet = raw[i]
        if not 0x20 <= octet <= 0x7E:
            raise InvalidName(f"octet 0x{octet:02x} must be encoded as modified UTF-7")
        if octet != ord("&"):
            out.append(chr(octet))
            i += 1
            previous_was_shift = False
            continue
        end = raw.find(b"-", i + 1)
        if end < 0:
            raise InvalidName("unterminated '&' shift")
        body = raw[i + 1 : end]
        i = end + 1
        if not body:
            out.append("&")
            previous_was_shift = False
            continue
        if previous_was_shift:
            raise InvalidName("two adjacent '&...-' shifts must be written as one")
        out.append(_decode_run(body))
        previous_was_shift = True
    return "".join(out)


def _decode_run(body: bytes) -> str:
    if not _B64_ALPHABET.fullmatch(body):
        raise InvalidName("invalid character inside an '&...-' shift")
    if len(body) % 4 == 1:
        raise InvalidName("truncated base64 inside an '&...-' shift")
    padded = body.replace(b",", b"/") + b"=" * (-len(body) % 4)
    try:
        data = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidName("invalid base64 inside an '&...-' shift") from None
    # Canonical form: re-encoding gives the same characters (no stray padding bits).
    if base64.b64encode(data).rstrip(b"=") != padded.rstrip(b"="):
        raise InvalidName("non-zero padding bits in an '&...-' shift")
    if len(data) % 2:
        raise InvalidName("an '&...-' shift holds a partial UTF-16 unit")
    try:
        text = data.decode("utf-16-be")
    except UnicodeDecodeError:
        raise InvalidName("unpaired UTF-16 surrogate in an '&...-' shift") from None
    if any(_printable(c) for c in text):
        raise InvalidName("printable US-ASCII must not be encoded in an '&...-' shift")
    return text
