"""Property tests of the response parser: round trips, truncations, corruptions."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mailspec.fixtures.imap.response_parser import ImapSyntaxError, Incomplete, parse_response
from mailspec.fixtures.imap.response_types import Literal8

from .strategies import binary_fetches, responses, tagged, untagged
from .wire_writer import Writer

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def wire(response, seed: int) -> bytes:
    return Writer(random.Random(seed)).response(response)


def _has_literal8(data: bytes) -> bool:
    return b"~{" in data


@SETTINGS
@given(responses, st.integers(0, 2**16))
def test_well_formed_responses_round_trip(response, seed):
    data = wire(response, seed)
    parsed = parse_response(data)
    assert parsed == response
    assert parsed.raw == data


@SETTINGS
@given(binary_fetches, st.integers(0, 2**16), st.data())
def test_binary_fetches_round_trip_and_frame(response, seed, data):
    """RFC 3516: BINARY[...]<origin> values as literal8 (NUL and CRLF inside) parse back
    to the same octets and type; cut anywhere, the response is incomplete, not wrong."""
    raw = wire(response, seed)
    parsed = parse_response(raw)
    assert parsed == response
    for key, value in response.data.items.items():
        assert type(parsed.data[key]) is type(value)
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(Incomplete):
        parse_response(raw[:cut])


@SETTINGS
@given(responses, st.integers(0, 2**16), st.data())
def test_every_proper_prefix_is_incomplete(response, seed, data):
    """Framing: a response cut anywhere is never taken as complete nor as an error."""
    raw = wire(response, seed)
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(Incomplete):
        parse_response(raw[:cut])


@SETTINGS
@given(responses, st.integers(0, 2**16), st.data())
def test_a_nul_octet_anywhere_is_rejected_at_its_position(response, seed, data):
    """NUL is valid nowhere but inside literal8, so the error points exactly at it."""
    raw = wire(response, seed)
    if _has_literal8(raw):
        return
    position = data.draw(st.integers(0, len(raw)))
    corrupted = raw[:position] + b"\0" + raw[position:]
    with pytest.raises(ImapSyntaxError) as caught:
        parse_response(corrupted)
    assert caught.value.offset == position
    rendered = caught.value.render()
    assert "^" in rendered and rendered.startswith("S: ")


@SETTINGS
@given(responses, st.integers(0, 2**16))
def test_a_bare_lf_line_end_is_rejected_at_the_lf(response, seed):
    raw = wire(response, seed)
    corrupted = raw[:-2] + b"\n"
    with pytest.raises(ImapSyntaxError) as caught:
        parse_response(corrupted)
    assert caught.value.offset == len(raw) - 2


@SETTINGS
@given(untagged() | tagged, st.integers(0, 2**16))
def test_a_doubled_space_after_the_first_token_is_rejected(response, seed):
    """Exactly one SP separates the tag (or *) from what follows (after "+ " a space
    is text)."""
    raw = wire(response, seed)
    first_space = raw.index(b" ")
    corrupted = raw[: first_space + 1] + b" " + raw[first_space + 1 :]
    with pytest.raises(ImapSyntaxError) as caught:
        parse_response(corrupted)
    assert caught.value.offset == first_space + 1


def test_literal8_values_keep_their_type():
    parsed = parse_response(b"* 1 FETCH (BINARY[1] ~{3}\r\na\0b)\r\n")
    value = parsed.data["BINARY[1]"]
    assert isinstance(value, Literal8) and value == b"a\0b"
