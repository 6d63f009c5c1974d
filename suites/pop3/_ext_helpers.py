"""Shared helpers for the POP3 extension modules (RFC 2449, 2595, 3206, 5034, 6856, 8314).

Grammar is transcribed from the RFCs, never taken from a server implementation.
"""

from __future__ import annotations

import base64
import binascii
import re

import pytest
from mailspec.fixtures.pop3.client import Pop3Client, Pop3Response, parse_status_line
from mailspec.fixtures.requirements import expect

# RFC 2449 §9: capa-tag = 1*cchar; cchar = %x21-2D / %x2F-7F (printable ASCII but ".");
# param = 1*pchar; pchar = %x21-7F; capability = capa-tag *(SP param) CRLF (512 max).
CAPA_LINE = re.compile(rb"^[\x21-\x2d\x2f-\x7e]+( [\x21-\x7e]+)*$")
# RFC 2449 §9: resp-code = "[" resp-level *("/" resp-level) "]";
# resp-level = 1*rchar; rchar = %x21-2E / %x30-5C / %x5E-7F (printable but "/" and "]").
RESP_CODE = re.compile(r"^\[[\x21-\x2e\x30-\x5c\x5e-\x7e]+(/[\x21-\x2e\x30-\x5c\x5e-\x7e]+)*\]")
# RFC 4648 base64 (RFC 5034 §4 uses it for every SASL line).
BASE64 = re.compile(rb"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")

# Mechanisms the suite can drive with the account's password.
DRIVABLE_MECHANISMS = ("PLAIN", "LOGIN")


def b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def plain_token(user: str, password: str, authzid: str = "") -> str:
    """RFC 4616 PLAIN message, base64: [authzid] NUL authcid NUL passwd."""
    return b64(f"{authzid}\0{user}\0{password}")


def capa_lines(client: Pop3Client) -> Pop3Response:
    response = client.command("CAPA", multiline=True)
    expect(response.ok, "CAPA is answered with a multi-line +OK", expected="+OK", actual=response)
    return response


def parse_capa(response: Pop3Response) -> dict[str, list[str]]:
    caps: dict[str, list[str]] = {}
    for line in response.lines or []:
        words = line.decode("utf-8", "replace").split(" ")
        if words and words[0]:
            caps[words[0].upper()] = words[1:]
    return caps


def mechanisms(pop3_capabilities) -> list[str]:
    args = pop3_capabilities.args("SASL")
    if pop3_capabilities.authorization and "SASL" in pop3_capabilities.authorization:
        args = pop3_capabilities.authorization["SASL"]
    return [m.upper() for m in (args or [])]


def require_mechanism(pop3_capabilities, mechanism: str) -> None:
    if mechanism not in mechanisms(pop3_capabilities):
        pytest.skip(f"SASL in CAPA does not list {mechanism}")


def read_continuation(client: Pop3Client) -> tuple[bytes | None, Pop3Response | None]:
    """One server line during an AUTH exchange: ``(challenge, None)`` for ``+ base64``
    (decoded), or ``(None, response)`` for a final +OK / -ERR status line."""
    raw = client.read_line()
    if raw.startswith(b"+ ") or raw == b"+\r\n" or raw == b"+ \r\n":
        expect(
            raw.endswith(b"\r\n"),
            "a SASL continuation line ends in CRLF",
            expected="+ base64 CRLF",
            actual=raw,
        )
        data = raw[2:-2] if raw.startswith(b"+ ") else b""
        expect(
            raw.startswith(b"+ ") and bool(BASE64.match(data)),
            "a SASL continuation is '+' SP followed by base64 (possibly empty) [RFC 5034 §4]",
            expected="+ <base64> CRLF",
            actual=raw,
        )
        try:
            return base64.b64decode(data, validate=True), None
        except binascii.Error:  # pragma: no cover - BASE64 matched above
            return b"", None
    return None, parse_status_line(raw)


def read_responses(client: Pop3Client, multiline: list[bool]) -> list[Pop3Response]:
    """Read one response per expected command; multi-line bodies where flagged."""
    responses = []
    for is_multi in multiline:
        response = client.read_response()
        if is_multi and response.ok:
            client.read_multiline(response)
        responses.append(response)
    return responses


def error_codes_ok(text: str) -> bool:
    """With RESP-CODES, text starting with '[' must be a well-formed response code."""
    return not text.startswith("[") or bool(RESP_CODE.match(text))
