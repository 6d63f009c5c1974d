"""RFC 1939 §3, §5, §10 with generated input (Hypothesis): bodies that stress
byte-stuffing and sizes, and argument tokens that must not name a message.

Each example talks to the real server, so the example counts are small.
"""

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mailspec.fixtures import corpus
from mailspec.fixtures.requirements import expect, expect_equal

from ._rfc1939_helpers import body_lines, expect_ok, header_and_body, retr, stuffed, two_numbers

LIVE = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F)) + "\t"
_text = st.text(alphabet=_PRINTABLE, max_size=60)
body_line = st.one_of(
    _text,
    _text.map(lambda s: "." + s),  # begins with the termination octet
    st.sampled_from(["", ".", "..", "...", ". ", ".\t", "From the start", ">From here"]),
    st.integers(min_value=200, max_value=998).map(lambda n: "." + "d" * (n - 1)),
    st.integers(min_value=200, max_value=998).map(lambda n: "w" * n),
).map(lambda s: s.encode("ascii"))
bodies = st.lists(body_line, min_size=0, max_size=25)


@pytest.mark.rfc(1939, "3", "MUST")
@LIVE
@given(lines=bodies)
@example(lines=[])  # the empty body, always: random runs must not decide the verdict
def test_generated_body_survives_stuffing(pop3, maildrop, lines):
    """Byte-stuffing is exact and transparent: every body line beginning with '.' is sent
    with one more '.', and the unstuffed body equals what was delivered."""
    # A session an earlier example left open after a deviation may hold the maildrop
    # lock (Mailutils locks the mbox per session): end it before seeding and logging in.
    pop3.close_all()
    [message] = maildrop.seed(corpus.generated("gen-stuffing", body_lines=lines))
    client = pop3.login()
    response = retr(client, message.number)
    _, body = header_and_body(response.payload)
    expect_equal(body, message.body, "the unstuffed body vs the delivered body")
    raw = response.raw_lines
    wire_body = raw[raw.index(b"\r\n") + 1 :]
    expect_equal(
        wire_body,
        [stuffed(line) for line in body_lines(message)],
        "the body lines on the wire (stuffed)",
    )
    client.close()


@pytest.mark.rfc(1939, "10", "MUST")
@LIVE
@given(lines=bodies)
def test_generated_message_size_matches_retr(pop3, maildrop, lines):
    """The message size (LIST n, and its share of STAT) counts CRLF line ends and no
    stuffing octets: it equals the length of the retrieved, unstuffed message."""
    pop3.close_all()  # see test_generated_body_survives_stuffing
    [message] = maildrop.seed(corpus.generated("gen-size", body_lines=lines))
    client = pop3.login()
    listing = expect_ok(client.command(f"LIST {message.number}"), "LIST n")
    size = two_numbers(listing, "LIST n")[1]
    payload = retr(client, message.number).payload
    expect_equal(size, len(payload), "LIST size vs RETR octets")
    client.close()


_token = st.one_of(
    st.text(alphabet="".join(chr(c) for c in range(0x21, 0x7F)), min_size=1, max_size=12),
    st.integers(min_value=-(10**12), max_value=10**25).map(str),
    st.integers(min_value=0, max_value=3).map(lambda k: str(2**32 * (k + 1) + 1)),
    st.integers(min_value=0, max_value=3).map(lambda k: str(2**64 * (k + 1) + 1)),
)
_NUMBER = re.compile(r"\+?0*([1-9][0-9]*)")


def _names_a_message(token: str, count: int) -> bool:
    match = _NUMBER.fullmatch(token)
    return match is not None and int(match.group(1)) <= count


@pytest.mark.rfc(1939, "5", "MUST")
@pytest.mark.parametrize(
    "template",
    [
        "LIST {}",
        "RETR {}",
        pytest.param("TOP {} 0", marks=pytest.mark.pop3_optional("TOP")),
        pytest.param("UIDL {}", marks=pytest.mark.pop3_optional("UIDL")),
    ],
)
@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(token=_token)
@example(token="1x")  # trailing garbage, always: random runs must not decide the verdict
def test_random_argument_never_names_a_missing_message(pop3, maildrop, template, token):
    """A message-number argument that does not name an existing message (any token that
    is not a number 1..count) is answered -ERR, never +OK."""
    pop3.close_all()  # see test_generated_body_survives_stuffing
    if not maildrop.seeded:
        maildrop.seed("plain")
    if _names_a_message(token, maildrop.view.count):
        return
    client = pop3.login()
    line = template.format(token)
    response = client.command(line, multiline=template.split()[0] in ("RETR", "TOP"))
    expect(not response.ok, f"{line!r} names no existing message", expected="-ERR", actual=response)
    client.close()
