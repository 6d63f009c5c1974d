"""Whatever octets a message holds, FETCH and SEARCH answer without an exception."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_server.imap.fetch import parse_fetch_items, render_fetch
from reference_server.imap.search import SearchContext, parse_search, search
from reference_server.imap.tokens import Atom
from reference_server.imap.views import SimpleMessageView
from reference_server.imap.wire import ArgumentError

# Pieces that steer generated octets into the interesting corners of the MIME parser.
_PIECES = [
    b"\r\n", b"\n", b"\r", b" ", b"\t", b":", b";", b"=", b'"', b"(", b")", b"<", b">", b"@",
    b",", b"--b", b"--b--", b"--c", b"Content-Type: multipart/mixed; boundary=b",
    b"Content-Type: multipart/digest; boundary=c", b"Content-Type: message/rfc822",
    b"Content-Type: text/plain; charset=", b"utf-8", b"undefined", b"iso-8859-1",
    b"Content-Transfer-Encoding: ", b"base64", b"quoted-printable", b"x-unknown",
    b"From: ", b"To: g:;", b"Subject: =?utf-8?q?", b"?=", b"=?x?b?", b"Date: ", b"1 Feb 94",
    b"name*0*=utf-8''%E2", b"name*1=x", b"\x00", b"\xff", b"\xc3\xa9", b"word", b"AAAA",
]  # fmt: skip
_message = st.lists(st.sampled_from(_PIECES), max_size=60).map(b"".join)

_FETCH = [
    "ENVELOPE", "BODY", "BODYSTRUCTURE", "RFC822", "RFC822.HEADER", "RFC822.TEXT",
    "BODY[]", "BODY[HEADER]", "BODY[TEXT]", "BODY[1]", "BODY[1.MIME]", "BODY[1.1]",
    "BODY[2.HEADER]", "BODY[1.2.TEXT]", "BODY[HEADER.FIELDS (FROM TO)]", "BODY[]<3.7>",
    "BINARY[1]", "BINARY.SIZE[2]", "BINARY[1.1]<1.2>",
]  # fmt: skip
_SEARCH = [
    "TEXT word", "BODY word", "FROM a", "SUBJECT x", "HEADER Content-Type b", "SENTON 1-Feb-1994",
    "SENTBEFORE 1-Jan-2000", "NOT TEXT xyz", "OR BODY AAAA CC g",
]  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_message)
def test_any_message_can_be_fetched_and_searched(data: bytes) -> None:
    view = SimpleMessageView(1, 1, data, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    for name in _FETCH:
        try:
            out = render_fetch(view, parse_fetch_items(Atom(name)))
        except ArgumentError as error:  # BINARY of an unknown transfer encoding
            assert error.code == "UNKNOWN-CTE"
            continue
        assert out.startswith(b"(") and out.endswith(b")")
    context = SearchContext(count=1, largest_uid=1)
    for text in _SEARCH:
        search(parse_search([Atom(w) for w in text.split()]), [view], context)
