"""Modified UTF-7 mailbox names (RFC 3501 §5.1.3), both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mailspec.reference_server.imap.mailbox_names import InvalidName, decode, encode


def test_rfc_example() -> None:
    # RFC 3501 §5.1.3: "~peter/mail/台北/日本語"
    assert encode("~peter/mail/台北/日本語") == b"~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    assert decode(b"~peter/mail/&U,BTFw-/&ZeVnLIqe-") == "~peter/mail/台北/日本語"


def test_ampersand() -> None:
    assert encode("R&D") == b"R&-D"
    assert decode(b"R&-D") == "R&D"


@pytest.mark.parametrize(
    "raw",
    [b"&Jjo", b"&AGE-", b"&U,BTFw-&ZeVnLIqe-", "é".encode(), b"&Jjo!-", b"&2D0-", b"tab\there",
     b"&AO-", b"&AOkA-"],
    ids=["unterminated", "ascii-encoded", "adjacent-shifts", "raw-8bit", "bad-char",
         "lone-surrogate", "control", "padding-bits", "partial-unit"],
)  # fmt: skip
def test_refused_spellings(raw: bytes) -> None:
    with pytest.raises(InvalidName):
        decode(raw)


@given(st.text(max_size=30))
def test_round_trip(name: str) -> None:
    name = "".join(c for c in name if not 0xD800 <= ord(c) <= 0xDFFF)
    encoded = encode(name)
    assert encoded.isascii()
    assert decode(encoded) == name
