"""RFC 3501 §6.1.1 and §7.2.1: CAPABILITY, and whether what it announces is true."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import Quoted, capabilities_in, expect_bad, expect_ok, run, untagged_of
from ._sessions import authenticate_plain, in_state, plain_token


def _capabilities(client) -> tuple[str, ...]:
    result = run(client, "CAPABILITY")
    expect_ok(result, "CAPABILITY")
    answers = untagged_of(result, "CAPABILITY")
    expect_equal(len(answers), 1, "untagged CAPABILITY responses to one CAPABILITY command")
    return tuple(answers[0].data)


@pytest.mark.rfc(3501, "6.1.1", "MUST")
@pytest.mark.parametrize("state", ["not-authenticated", "authenticated", "selected"])
def test_capability_lists_imap4rev1(imap, imap_sandbox, state):
    """CAPABILITY is valid in any state; the server sends a single untagged CAPABILITY
    response with "IMAP4rev1" among the capabilities, before the tagged OK."""
    client = in_state(imap, imap_sandbox, state)
    caps = _capabilities(client)
    expect(
        "IMAP4REV1" in {c.upper() for c in caps}, "CAPABILITY", expected="IMAP4rev1", actual=caps
    )


@pytest.mark.rfc(3501, "6.1.1", "MUST")
@pytest.mark.parametrize("state", ["not-authenticated", "authenticated"])
def test_capability_untagged_before_tagged_ok(imap, imap_sandbox, state):
    """The untagged CAPABILITY response comes before the tagged OK of the command."""
    client = in_state(imap, imap_sandbox, state)
    result = run(client, "CAPABILITY")
    expect_ok(result, "CAPABILITY")
    expect(
        bool(untagged_of(result, "CAPABILITY")),
        "an untagged CAPABILITY before the tagged OK",
        expected="* CAPABILITY ... then the tagged OK",
        actual=result,
    )


@pytest.mark.rfc(3501, "6.1.1", "SHOULD")
def test_capability_with_argument_is_bad(imap):
    """CAPABILITY takes no arguments: with one it is a syntax error ("BAD - command
    unknown or arguments invalid"). Servers that ignore surplus arguments are lenient,
    so this is reported at SHOULD."""
    client = imap.open()
    expect_bad(run(client, "CAPABILITY", "IMAP4rev1"), "CAPABILITY with an argument")


@pytest.mark.rfc(3501, "7.1.1", "MUST")
def test_greeting_capability_code_lists_imap4rev1(imap):
    """A CAPABILITY response code in the greeting is a capability listing like any
    other: it includes IMAP4rev1 (§7.2.1, capability-data)."""
    client = imap.open()
    caps = capabilities_in(client.greeting)
    if caps is None:
        pytest.skip("the greeting carries no CAPABILITY response code")
    expect(
        "IMAP4REV1" in {c.upper() for c in caps},
        "greeting capabilities",
        expected="IMAP4rev1",
        actual=caps,
    )


@pytest.mark.rfc(3501, "7.2.1", "SHOULD")
def test_greeting_capabilities_agree_with_capability_command(imap):
    """Capabilities sent automatically in the greeting are the server's capabilities
    in that state (a client need not ask again): the same list CAPABILITY answers
    there. The RFC makes the automatic list optional and states no MUST for its
    contents, hence SHOULD."""
    client = imap.open()
    caps = capabilities_in(client.greeting)
    if caps is None:
        pytest.skip("the greeting carries no CAPABILITY response code")
    asked = _capabilities(client)
    expect_equal(
        sorted(c.upper() for c in caps), sorted(c.upper() for c in asked), "greeting vs CAPABILITY"
    )


@pytest.mark.rfc(3501, "6.2.3", "MUST")
def test_login_capability_code_agrees_with_capability_command(imap, account):
    """A CAPABILITY response code in the tagged OK of LOGIN sends the capabilities of
    the authenticated state automatically: they equal what CAPABILITY answers next."""
    client = imap.open()
    # Not asking CAPABILITY first: a server may leave the code out for a client that
    # already knows its capabilities.
    greeting_caps = {c.upper() for c in capabilities_in(client.greeting) or ()}
    if "LOGINDISABLED" in greeting_caps:
        pytest.skip("LOGIN is disabled here (LOGINDISABLED)")
    result = run(client, "LOGIN", Quoted(account.user), Quoted(account.password))
    if result.status == "NO" and "LOGINDISABLED" in {c.upper() for c in _capabilities(client)}:
        pytest.skip("LOGIN is disabled here (LOGINDISABLED)")
    expect_ok(result, "LOGIN")
    caps = capabilities_in(result.tagged)
    if caps is None:
        pytest.skip("the LOGIN completion carries no CAPABILITY response code")
    asked = _capabilities(client)
    expect_equal(
        sorted(c.upper() for c in caps),
        sorted(c.upper() for c in asked),
        "LOGIN code vs CAPABILITY",
    )


@pytest.mark.rfc(3501, "7.2.1", "MUST")
def test_logindisabled_means_login_is_refused(imap, account):
    """LOGINDISABLED means that the server answers a tagged NO to any LOGIN, even with
    a valid user name and password."""
    client = imap.open()
    caps = {c.upper() for c in _capabilities(client)}
    if "LOGINDISABLED" not in caps:
        pytest.skip("LOGINDISABLED is not announced")
    result = run(client, "LOGIN", Quoted(account.user), Quoted(account.password))
    expect_equal(result.tagged.status, "NO", "LOGIN while LOGINDISABLED is announced")


@pytest.mark.rfc(3501, "7.2.1", "MUST")
def test_login_works_unless_logindisabled(imap, account):
    """Without LOGINDISABLED in the capabilities, LOGIN with valid credentials succeeds
    (the capability list is what the client relies on)."""
    client = imap.open()
    caps = {c.upper() for c in _capabilities(client)}
    if "LOGINDISABLED" in caps:
        pytest.skip("LOGINDISABLED is announced")
    result = run(client, "LOGIN", Quoted(account.user), Quoted(account.password))
    expect_ok(result, "LOGIN with valid credentials and no LOGINDISABLED")


@pytest.mark.rfc(3501, "6.2.2", "MUST")
def test_announced_auth_plain_works(imap, account):
    """AUTH=PLAIN in the capabilities means AUTHENTICATE PLAIN works with valid
    credentials."""
    client = imap.open()
    caps = {c.upper() for c in _capabilities(client)}
    if "AUTH=PLAIN" not in caps:
        pytest.skip("AUTH=PLAIN is not announced before TLS")
    result = authenticate_plain(client, plain_token(account.user, account.password))
    expect_ok(result, "AUTHENTICATE PLAIN as announced")


@pytest.mark.rfc(3501, "6.1.1", "MUST")
def test_capability_lists_starttls_or_runs_on_tls(imap, target):
    """Servers implement STARTTLS (§6.1.1: "MUST implement the STARTTLS, LOGINDISABLED,
    and AUTH=PLAIN capabilities"): a plain-text endpoint of a server that has a TLS
    certificate announces STARTTLS before login."""
    if target.imap.tls == "implicit":
        pytest.skip("the endpoint is implicit TLS")
    if target.ca_file is None:
        pytest.skip("the suite did not configure TLS for this target (no CA file given)")
    client = imap.open()
    caps = {c.upper() for c in _capabilities(client)}
    expect("STARTTLS" in caps, "CAPABILITY before TLS", expected="STARTTLS", actual=sorted(caps))
