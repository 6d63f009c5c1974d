"""RFC 3501 §6.1.3 and §7.1.5: LOGOUT — an untagged BYE, the tagged OK, then the
server closes the connection."""

import pytest
from mailspec.fixtures.imap.client import ServerClosed
from mailspec.fixtures.imap.response_types import Tagged, Untagged
from mailspec.fixtures.requirements import ServerTimeout, expect, expect_equal

from ._imap_helpers import expect_bad, run
from ._sessions import STATES, in_state

# Seconds the server gets to close the connection after the tagged OK.
CLOSE_WAIT = 5.0


def _logout_responses(client):
    tag = client.send_command("LOGOUT")
    responses = []
    while True:
        try:
            response = client.read_response()
        except ServerClosed:
            break
        responses.append(response)
        if isinstance(response, Tagged):
            break
    return tag, responses


@pytest.mark.rfc(3501, "6.1.3", "MUST")
@pytest.mark.parametrize("state", STATES)
def test_logout_sends_bye_then_tagged_ok(imap, imap_sandbox, state):
    """LOGOUT is valid in any state: the server sends an untagged BYE before the
    tagged OK."""
    client = in_state(imap, imap_sandbox, state)
    tag, responses = _logout_responses(client)
    kinds = [r.kind if isinstance(r, Untagged) else f"{r.tag} {r.status}" for r in responses]
    expect(
        len(responses) >= 2
        and isinstance(responses[-1], Tagged)
        and responses[-1].tag == tag
        and responses[-1].status == "OK"
        and any(isinstance(r, Untagged) and r.kind == "BYE" for r in responses[:-1]),
        f"the responses to LOGOUT in the {state} state",
        expected=f"* BYE ..., then {tag} OK ...",
        actual=kinds,
    )


@pytest.mark.rfc(3501, "6.1.3", "MUST")
@pytest.mark.parametrize("state", STATES)
def test_logout_closes_the_connection(imap, imap_sandbox, state):
    """After the tagged OK to LOGOUT the server closes the network connection."""
    client = in_state(imap, imap_sandbox, state)
    _, responses = _logout_responses(client)
    expect(
        responses and isinstance(responses[-1], Tagged) and responses[-1].status == "OK",
        "LOGOUT completes",
        expected="tagged OK",
        actual=[getattr(r, "raw", r) for r in responses],
    )
    expect(
        client.connection_closed(CLOSE_WAIT),
        f"the connection is closed within {CLOSE_WAIT:g} s of the LOGOUT completion",
        expected="EOF",
        actual=client.pending() or "the connection stays open",
    )


@pytest.mark.rfc(3501, "6.1.3", "MUST")
def test_nothing_follows_the_logout_completion(imap):
    """The tagged OK is the last response of a normal logout: a command sent after it
    is not answered (the connection is closing)."""
    client = imap.login()
    _, responses = _logout_responses(client)
    expect_equal(getattr(responses[-1], "status", None), "OK", "LOGOUT completion")
    try:
        client.send_line("z1 NOOP")
        answer = client.read_response(timeout=2.0)
    except ServerTimeout:  # includes ServerClosed: nothing answered
        return
    expect(False, "no answer after the LOGOUT completion", expected="EOF", actual=answer.raw)


@pytest.mark.rfc(3501, "7.1.5", "MUST")
def test_bye_of_logout_is_untagged(imap):
    """The BYE response is always untagged."""
    client = imap.open()
    result = run(client, "LOGOUT")
    byes = result.untagged_of("BYE")
    expect(len(byes) >= 1, "LOGOUT answers * BYE", expected="* BYE ...", actual=result)


@pytest.mark.rfc(3501, "6.1.3", "SHOULD")
def test_logout_with_argument_is_bad(imap):
    """LOGOUT takes no arguments: with one it is an invalid command (BAD), and the
    session goes on. Lenient servers log out anyway: SHOULD."""
    client = imap.open()
    result = run(client, "LOGOUT", "now")
    expect_bad(result, "LOGOUT with an argument")
