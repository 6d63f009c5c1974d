"""RFC 3501 §6.1: commands valid in any state - CAPABILITY, NOOP, LOGOUT.

A small end-to-end proof of the IMAP path (client, parser, fixtures, sandbox); the
detailed CAPABILITY checks live in test_rfc3501_6_1_1_capability.py.
"""

import pytest
from mailspec.fixtures.imap.command_args import Astring
from mailspec.fixtures.requirements import expect, expect_equal


def _states(imap, imap_sandbox, state):
    """A client in 'not-authenticated', 'authenticated' or 'selected' state."""
    if state == "not-authenticated":
        client = imap.open()
        if client.state != "not authenticated":
            pytest.skip(f"the greeting is {client.greeting.kind}, not OK")
        return client
    client = imap.login()
    if state == "selected":
        folder = imap_sandbox.create("selected")
        result = client.command("EXAMINE", Astring(folder))
        expect(result.ok, "EXAMINE of the suite's own folder", expected="OK", actual=result)
    return client


@pytest.mark.rfc(3501, "6.1.1", "MUST")
@pytest.mark.parametrize("state", ["not-authenticated", "authenticated", "selected"])
def test_capability_answers_untagged_capability_then_ok(imap, imap_sandbox, state):
    """CAPABILITY is valid in any state: exactly one untagged CAPABILITY response that
    lists IMAP4rev1, then the tagged OK."""
    client = _states(imap, imap_sandbox, state)
    result = client.command("CAPABILITY")
    expect(result.ok, "CAPABILITY", expected="a tagged OK", actual=result)
    answers = result.untagged_of("CAPABILITY")
    expect_equal(len(answers), 1, "untagged CAPABILITY responses")
    names = {name.upper() for name in answers[0].data}
    expect("IMAP4REV1" in names, "CAPABILITY lists IMAP4rev1", expected="IMAP4rev1", actual=result)


@pytest.mark.rfc(3501, "6.1.2", "MUST")
@pytest.mark.parametrize("state", ["not-authenticated", "authenticated", "selected"])
def test_noop_answers_ok(imap, imap_sandbox, state):
    """NOOP always succeeds; it does nothing else (it may let the server report
    updates as untagged responses)."""
    client = _states(imap, imap_sandbox, state)
    result = client.command("NOOP")
    expect(result.ok, "NOOP", expected="a tagged OK", actual=result)
    unexpected = [r for r in result.untagged if r.kind in ("BYE", "BAD", "NO")]
    expect(not unexpected, "NOOP answers no BYE / BAD / NO", expected="none", actual=result)


@pytest.mark.rfc(3501, "6.1.3", "MUST")
@pytest.mark.parametrize("state", ["not-authenticated", "authenticated", "selected"])
def test_logout_sends_bye_then_ok_then_closes(imap, imap_sandbox, state):
    """LOGOUT: the server sends an untagged BYE before the tagged OK, then closes the
    connection."""
    client = _states(imap, imap_sandbox, state)
    result = client.command("LOGOUT")
    expect(result.ok, "LOGOUT", expected="* BYE ..., then a tagged OK", actual=result)
    kinds = [r.kind for r in result.untagged]
    expect(
        "BYE" in kinds, "an untagged BYE before the tagged OK", expected="* BYE ...", actual=result
    )
    expect(
        client.connection_closed(wait=imap.timeout),
        "the server closes the connection after the tagged OK",
        expected="the connection closed",
        actual=f"still open; pending {client.pending()!r}",
    )
