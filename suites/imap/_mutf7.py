"""Modified UTF-7 (RFC 3501 §5.1.3), the suite's own codec.

Written from the RFC text, not from any server: printable US-ASCII but "&" stands for
itself; "&" is "&-"; everything else is UTF-16 in base64 with "," for "/", between "&"
and "-", without padding. Decoding is strict: a name that is not in the one canonical
form (superfluous shifts, encoded printable ASCII, a missing "-", bad padding bits)
raises :class:`MUtf7Error`.
"""

from __future__ import annotations

import base64
import binascii


class MUtf7Error(ValueError):
    """The text is not a canonical modified UTF-7 mailbox name."""


def _printable(char: str) -> bool:
    return 0x20 <= ord(char) <= 0x7E


def encode(name: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            utf16 = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(utf16).decode("ascii").rstrip("=").replace("/", ","))
            out.append("-")
            pending.clear()

    for char in name:
        if _printable(char):
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def decode(name: str) -> str:
    out: list[str] = []
    index = 0
    previous_was_shift = False
    while index < len(name):
        char = name[index]
        if not _printable(char):
            raise MUtf7Error(f"octet {ord(char):#04x} at {index} is not printable US-ASCII")
        if char != "&":
            out.append(char)
            index += 1
            previous_was_shift = False
            continue
        end = name.find("-", index + 1)
        if end < 0:
            raise MUtf7Error(f"'&' at {index} has no closing '-'")
        chunk = name[index + 1 : end]
        if not chunk:
            out.append("&")
            previous_was_shift = False
        else:
            if previous_was_shift:
                raise MUtf7Error(f"superfluous shift before {index} ('-&' inside base64)")
            out.append(_decode_chunk(chunk, index))
            previous_was_shift = True
        index = end + 1
    return "".join(out)


def _decode_chunk(chunk: str, index: int) -> str:
    if any(
        c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+," for c in chunk
    ):
        raise MUtf7Error(f"invalid modified base64 in {chunk!r} at {index}")
    if len(chunk) % 4 == 1:
        raise MUtf7Error(f"truncated modified base64 {chunk!r} at {index}")
    padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
    except binascii.Error as exc:
        raise MUtf7Error(f"invalid modified base64 {chunk!r} at {index}: {exc}") from None
    if len(raw) % 2:
        raise MUtf7Error(f"modified base64 {chunk!r} at {index} is not whole UTF-16 units")
    if base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",") != chunk:
        raise MUtf7Error(f"non-zero padding bits in {chunk!r} at {index}")
    try:
        text = raw.decode("utf-16-be")
    except UnicodeDecodeError as exc:
        raise MUtf7Error(f"bad UTF-16 in {chunk!r} at {index}: {exc}") from None
    if any(_printable(c) for c in text):
        raise MUtf7Error(f"{chunk!r} at {index} encodes printable US-ASCII")
    return text
