"""A small suite for pytester runs: the rfc marker, plain checks, one pop3 test."""

SAMPLE_SUITE = '''
import os

import pytest
from mailspec.fixtures.requirements import expect


@pytest.mark.rfc(1939, "5", "MUST")
def test_list_answers():
    """LIST answers +OK."""


@pytest.mark.rfc(1939, "5", "MUST")
def test_stat_counts(pop3):
    """STAT answers +OK, the count and the size."""
    client = pop3.login()
    reply = client.command("STAT")
    expect(os.environ.get("SAMPLE_STAT") != "broken", "STAT of a maildrop",
           expected="+OK 1 120", actual=f"{reply} 1 121")


@pytest.mark.rfc(2449, "6.6", "SHOULD")
def test_pipelining_batch():
    """A server announcing PIPELINING processes a batch of commands."""
    assert os.environ.get("SAMPLE_PIPE") != "broken", "the batch lost a reply"


@pytest.mark.rfc(1939, "7", "MAY")
@pytest.mark.parametrize("argument", ["zero", "minus"])
def test_uidl_argument(argument):
    """UIDL with a bad argument answers -ERR."""


@pytest.mark.rfc(2449, "6.1", "MUST")
def test_top_needs_capability():
    """TOP answers the header and the first lines."""
    pytest.skip("CAPA does not announce TOP")
'''
