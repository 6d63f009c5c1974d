"""RFC 2449 §5 and §9: the CAPA command in the AUTHORIZATION and TRANSACTION states.

CAPA itself is the subject here, so these tests are not gated on any capability: a
server that does not implement CAPA fails them (RFC 2449 servers MUST implement it;
the suite's whole extension part depends on it).
"""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal
from mailspec.suites.pop3._ext_helpers import CAPA_LINE, capa_lines, parse_capa

STATES = ["authorization", "transaction"]


def _session(pop3, state):
    return pop3.login() if state == "transaction" else pop3.open()


@pytest.mark.rfc(2449, "5", "MUST")
@pytest.mark.parametrize("state", STATES)
def test_capa_answers_multiline_ok(pop3, state):
    """CAPA is valid in both the AUTHORIZATION and TRANSACTION states and answers +OK
    followed by a multi-line list of capabilities ending in a line with a single dot."""
    client = _session(pop3, state)
    response = capa_lines(client)
    expect(
        response.lines is not None,
        "CAPA's +OK is followed by a multi-line capability list",
        expected="capability lines then '.'",
        actual=response,
    )
    # The session is still in sync: a second CAPA gets its own, identical answer.
    again = client.command("CAPA", multiline=True)
    expect_equal(
        again.lines, response.lines, "a second CAPA right after the first (list was terminated)"
    )


@pytest.mark.rfc(2449, "9", "MUST")
@pytest.mark.parametrize("state", STATES)
def test_capa_lines_follow_the_grammar(pop3, state):
    """Each capability line is capa-tag *(SP param): a tag of printable ASCII without '.',
    parameters of printable ASCII, separated by single spaces, at most 512 octets."""
    client = _session(pop3, state)
    response = capa_lines(client)
    bad = [
        line
        for line in response.raw_lines
        if len(line) > 512 or not line.endswith(b"\r\n") or not CAPA_LINE.match(line[:-2])
    ]
    expect(
        not bad,
        "every capability line matches capability = capa-tag *(SP param) CRLF",
        expected="lines like b'SASL PLAIN LOGIN\\r\\n'",
        actual=bad,
    )
    expect(
        not any(line.startswith(b".") for line in response.raw_lines),
        "no capability tag starts with '.' (cchar excludes it)",
        expected="no dot-stuffed capability lines",
        actual=[line for line in response.raw_lines if line.startswith(b".")],
    )


@pytest.mark.rfc(2449, "5", "MUST")
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("spelling", ["capa", "Capa"])
def test_capa_keyword_is_case_insensitive(pop3, state, spelling):
    """Command keywords are case-insensitive (RFC 1939 §3, RFC 2449 §3): 'capa' gets the
    same capability list as 'CAPA'."""
    client = _session(pop3, state)
    upper = capa_lines(client)
    other = client.command(spelling, multiline=True)
    expect(other.ok, f"{spelling} is CAPA", expected="+OK and the list", actual=other)
    expect_equal(
        sorted(parse_capa(other)), sorted(parse_capa(upper)), f"{spelling} lists the same tags"
    )


@pytest.mark.rfc(2449, "5", "MUST")
def test_authorization_capabilities_announced_in_both_states(pop3):
    """Capabilities available in the AUTHORIZATION state MUST be announced in both states.

    STLS is the exception: RFC 2595 §4 defines it as "present and permitted in the
    current state", and STLS is only permitted in the AUTHORIZATION state."""
    client = pop3.open()
    before = parse_capa(capa_lines(client))
    pop3.login(client)
    after = parse_capa(capa_lines(client))
    missing = sorted(set(before) - set(after) - {"STLS"})
    expect(
        not missing,
        "every AUTHORIZATION-state capability is also listed in the TRANSACTION state",
        expected=sorted(before),
        actual=f"TRANSACTION lists {sorted(after)}; missing {missing}",
    )


@pytest.mark.rfc(2449, "5", "MUST")
def test_capa_does_not_change_state(pop3):
    """CAPA in the AUTHORIZATION state leaves the session in that state: a TRANSACTION
    command (STAT) is still refused, and USER/PASS still log in."""
    client = pop3.open()
    capa_lines(client)
    stat = client.command("STAT")
    expect(not stat.ok, "STAT before login, after CAPA", expected="-ERR", actual=stat)
    pop3.login(client)
    stat = client.command("STAT")
    expect(stat.ok, "STAT after login", expected="+OK", actual=stat)
