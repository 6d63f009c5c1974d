"""SEARCH TEXT / BODY look at a plain message's octets before parsing it
(search._Message.lacks): the answer must be the one the full decode gives, for every
message and needle below, including the ones where decoding makes text the octets do
not spell (base64, quoted-printable, RFC 2047, UTF-7, RFC 2231 charset, ``Name :``)."""

from __future__ import annotations

import base64

import pytest

from reference_server.imap import search as search_lib
from reference_server.imap.search import SearchContext, matches, parse_search

from .helpers import view

B64 = base64.b64encode(b"the hidden zanzibar word").decode()
UTF7 = "+AHoAYQBuAHoAaQBiAGEAcg-"  # "zanzibar" in UTF-7: ASCII octets, other text
MESSAGES = [
    "Subject: plain\n\nA zanzibar line.\n",
    "Subject: plain\n\nNothing to see.\n",
    f"Subject: b64\nContent-Transfer-Encoding: base64\n\n{B64}\n",
    "Subject: qp\nContent-Transfer-Encoding: quoted-printable\n\nzanzi=\nbar\n",
    "Subject: =?us-ascii?q?zanzi=62ar?=\n\nbody\n",
    f"Subject: utf7\nContent-Type: text/plain; charset=utf-7\n\n{UTF7}\n",
    f"Subject: 2231\nContent-Type: text/plain; charset*=''utf-7\n\n{UTF7}\n",
    "Subject: latin\nContent-Type: text/plain; charset=iso-8859-1\n\nZANZIBAR\n",
    "Subject : folded\n  zanzibar\n\nbody\n",
    "Subject: caf\xe9\n\nzanzibar\n",
]
NEEDLES = [
    "zanzibar", "ZanZibar", "subject:", "subject: folded", "folded  zanzibar", "hidden",
    "caf\xe9", "zanzi",
]  # fmt: skip


def _context() -> SearchContext:
    return SearchContext(count=1, largest_uid=1)


@pytest.mark.parametrize("key", ["TEXT", "BODY"])
@pytest.mark.parametrize("needle", NEEDLES)
@pytest.mark.parametrize("text", MESSAGES)
def test_prefilter_agrees_with_the_full_decode(
    monkeypatch: pytest.MonkeyPatch, text: str, needle: str, key: str
) -> None:
    program = parse_search([search_lib.Atom("CHARSET"), search_lib.Atom("UTF-8"),
                            search_lib.Atom(key), needle.encode()])  # fmt: skip
    fast = matches(program, view(text), _context())
    monkeypatch.setattr(search_lib, "_prefilterable", lambda needle: False)
    slow = matches(program, view(text), _context())
    assert fast == slow


def test_plain_is_refused_where_decoding_makes_text() -> None:
    for text in MESSAGES[2:7]:
        raw = view(text).raw()
        assert not search_lib._is_plain(raw, raw.lower()), text
    for text in (MESSAGES[0], MESSAGES[7]):
        raw = view(text).raw()
        assert search_lib._is_plain(raw, raw.lower()), text


def test_a_plain_message_without_the_needle_is_not_parsed() -> None:
    message = view("Subject: plain\n\nNothing to see.\n")
    program = parse_search([search_lib.Atom("TEXT"), b"zanzibar"])
    assert not matches(program, message, _context())
    assert message._parsed is None  # answered from the octets
