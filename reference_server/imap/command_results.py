"""What a command handler returns or raises: the tagged outcome of one IMAP command.

``Done`` is the tagged OK, ``Continue`` a continuation request (the command goes on),
``Failure`` (raised) a tagged NO or BAD with an optional response code.
"""

from __future__ import annotations

from dataclasses import dataclass

CRLF = b"\r\n"


@dataclass(frozen=True)
class Done:
    """The tagged OK. ``text`` defaults to "<NAME> completed"."""

    text: str | None = None
    code: str = ""


@dataclass(frozen=True)
class Continue:
    """A command continuation request ``+ text``; the command goes on (IDLE, SASL)."""

    text: str = ""


class Failure(Exception):
    """A command failed: tagged ``status`` (NO or BAD) with an optional [code]."""

    def __init__(self, status: str, text: str, code: str = "") -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.code = code


def no(text: str, code: str = "") -> Failure:
    return Failure("NO", text, code)


def bad(text: str, code: str = "") -> Failure:
    return Failure("BAD", text, code)


def status_line(tag: str, status: str, text: str, code: str = "") -> bytes:
    bracket = f"[{code}] " if code else ""
    return f"{tag} {status} {bracket}{text}".encode() + CRLF
