"""A Hypothesis test that turns flaky against a real server is shown in the mailspec
failure format (requirement, Expected, Actual), not as a raw FlakyFailure group."""

from __future__ import annotations

from .fake_pop3 import FakeBehaviour, fake_pop3

FLAKY_TEST = """
import itertools

import pytest
from hypothesis import given, settings, strategies as st
from mailspec.fixtures.requirements import expect_equal

CALLS = itertools.count()


@pytest.mark.rfc(1939, "5", "MUST")
@settings(max_examples=5, database=None, derandomize=True)
@given(st.integers(min_value=0, max_value=3))
def test_sometimes(n):
    '''STAT answers the same count twice.'''
    # Fails the first time only: Hypothesis replays the failure, it passes, so flaky.
    expect_equal(0 if next(CALLS) else 1, 0, "the count in the second STAT")
"""


def test_a_flaky_hypothesis_failure_shows_the_requirement(pytester) -> None:
    pytester.makepyfile(test_flaky=FLAKY_TEST)
    with fake_pop3(FakeBehaviour()) as port:
        result = pytester.runpytest("--target", f"pop3://alice:wonderland@127.0.0.1:{port}")
    assert result.ret == 1
    text = "\n".join(result.outlines)
    assert "RFC 1939 §5 (MUST) STAT answers the same count twice." in text, text[-3000:]
    assert "Expected: 0" in text and "Actual:   1" in text, text[-3000:]
    assert "passed when Hypothesis ran it again" in text, text[-3000:]
    assert "FlakyFailure" in text  # named, once, in the explanation
    assert "ExceptionGroup" not in text and "+-+-" not in text, text[-3000:]
