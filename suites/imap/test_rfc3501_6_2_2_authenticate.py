"""RFC 3501 §6.2.2: AUTHENTICATE (PLAIN, RFC 4616), with SASL-IR (RFC 4959)."""

import pytest
from mailspec.fixtures.requirements import expect

from ._imap_helpers import Quoted, expect_bad, expect_no, expect_ok, expect_refused, run
from ._sessions import authenticate_lines, authenticate_plain, b64, plain_token

pytestmark = pytest.mark.imap_capability("AUTH=PLAIN", state="not-authenticated")


def _needs_auth_plain(imap_capabilities):
    # The SASL-IR marker on a test replaces the module's AUTH=PLAIN gate (the closest
    # marker wins), so PLAIN is checked here.
    if "PLAIN" not in imap_capabilities.auth_mechanisms:
        pytest.skip("CAPABILITY does not announce AUTH=PLAIN before login")


def _still_not_authenticated(client, what):
    expect_refused(run(client, "LIST", Quoted(""), Quoted("")), f"LIST after {what}")


def _authenticated(client, what):
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), f"LIST after {what}")


@pytest.mark.rfc(3501, "6.2.2", "MUST")
def test_authenticate_plain_succeeds(imap, account):
    """AUTHENTICATE PLAIN: the server sends a continuation request, the client answers
    with one BASE64 line, the server answers OK and the session is authenticated."""
    client = imap.open()
    result = authenticate_plain(client, plain_token(account.user, account.password))
    expect(
        bool(result.continuations),
        "a '+' continuation before the credentials",
        expected="+",
        actual=result,
    )
    expect_ok(result, "AUTHENTICATE PLAIN with valid credentials")
    _authenticated(client, "AUTHENTICATE PLAIN")


@pytest.mark.rfc(3501, "6.2.2", "SHOULD")
def test_authenticate_mechanism_name_is_case_insensitive(imap, account):
    """A mechanism name in lower case ('plain') names the same mechanism. SASL names are
    registered in upper case (RFC 4422 §3.1) and the RFCs do not say how servers match
    them, so this is reported at SHOULD, as IMAP keywords are case-insensitive."""
    client = imap.open()
    result = authenticate_lines(client, "plain", plain_token(account.user, account.password))
    expect_ok(result, "AUTHENTICATE plain (lower case)")


@pytest.mark.rfc(3501, "6.2.2", "MUST")
def test_authenticate_plain_wrong_password_is_no(imap, account):
    """Rejected credentials end AUTHENTICATE with a tagged NO; the session stays not
    authenticated."""
    client = imap.open()
    result = authenticate_plain(client, plain_token(account.user, account.password + "-wrong"))
    expect_no(result, "AUTHENTICATE PLAIN with a wrong password")
    _still_not_authenticated(client, "the failed AUTHENTICATE")


@pytest.mark.rfc(3501, "6.2.2", "MUST")
def test_authenticate_cancel_is_bad(imap):
    """A client response of a single "*" cancels the exchange: the server MUST reject
    the AUTHENTICATE command with a tagged BAD."""
    client = imap.open()
    result = authenticate_lines(client, "PLAIN", "*")
    expect(bool(result.continuations), "a '+' continuation first", expected="+", actual=result)
    expect_bad(result, "AUTHENTICATE PLAIN cancelled with *")
    _still_not_authenticated(client, "the cancelled AUTHENTICATE")


@pytest.mark.rfc(3501, "6.2.2", "MUST")
def test_authenticate_bad_base64_fails(imap):
    """The client response is a BASE64 string; one that is not BASE64 does not
    authenticate (tagged NO or BAD) and the session stays not authenticated."""
    client = imap.open()
    result = authenticate_lines(client, "PLAIN", "!!!not*base64!!!")
    expect_refused(result, "AUTHENTICATE PLAIN with a non-BASE64 response")
    _still_not_authenticated(client, "the failed AUTHENTICATE")


@pytest.mark.rfc(3501, "6.2.2", "SHOULD")
def test_authenticate_bad_base64_is_bad(imap):
    """A response that is not BASE64 is an invalid argument, answered "BAD - command
    unknown or arguments invalid" rather than NO (the RFC gives no MUST for it)."""
    client = imap.open()
    expect_bad(authenticate_lines(client, "PLAIN", "!!!not*base64!!!"), "a non-BASE64 response")


@pytest.mark.rfc(3501, "6.2.2", "SHOULD")
def test_authenticate_unknown_mechanism_is_no(imap):
    """An unsupported mechanism: the server SHOULD reject AUTHENTICATE with a tagged NO."""
    client = imap.open()
    expect_no(
        run(client, "AUTHENTICATE", "X-MAILSPEC-NO-SUCH-MECH"),
        "AUTHENTICATE with an unknown mechanism",
    )


@pytest.mark.rfc(3501, "6.2.2", "MUST")
def test_authenticate_unknown_mechanism_is_refused(imap):
    """An unsupported mechanism never authenticates (NO or BAD) and asks for nothing."""
    client = imap.open()
    result = run(client, "AUTHENTICATE", "X-MAILSPEC-NO-SUCH-MECH")
    expect_refused(result, "AUTHENTICATE with an unknown mechanism")
    _still_not_authenticated(client, "the refused AUTHENTICATE")


@pytest.mark.rfc(4616, "2", "MUST")
def test_authenticate_plain_foreign_authzid_is_refused(imap, account):
    """PLAIN with an authorization identity the user may not act as (another name)
    fails: the server verifies the authzid, it does not log in as it."""
    client = imap.open()
    result = authenticate_plain(
        client, plain_token(account.user, account.password, "mailspec-nobody-x")
    )
    expect_refused(result, "AUTHENTICATE PLAIN with a foreign authzid")


@pytest.mark.rfc(4616, "2", "MUST")
def test_authenticate_plain_own_authzid_is_accepted(imap, account):
    """PLAIN with the authorization identity equal to the user's own name succeeds."""
    client = imap.open()
    result = authenticate_plain(client, plain_token(account.user, account.password, account.user))
    expect_ok(result, "AUTHENTICATE PLAIN with authzid = authcid")


@pytest.mark.rfc(3501, "6.2", "MUST")
def test_authenticate_after_login_is_refused(imap, account):
    """Once authenticated it is not possible to authenticate again: AUTHENTICATE in
    the authenticated state is refused."""
    client = imap.login()
    tag = client.send_command("AUTHENTICATE", "PLAIN", plain_token(account.user, account.password))
    result = client.read_until_tagged(tag)
    expect_refused(result, "AUTHENTICATE in the authenticated state")


@pytest.mark.rfc(4959, "3", "MUST")
@pytest.mark.imap_capability("SASL-IR", state="not-authenticated")
def test_sasl_ir_initial_response(imap, account, imap_capabilities):
    """With SASL-IR the initial response travels with the command; the server asks no
    continuation and answers OK."""
    _needs_auth_plain(imap_capabilities)
    client = imap.open()
    result = run(client, "AUTHENTICATE", "PLAIN", plain_token(account.user, account.password))
    expect(
        not result.continuations,
        "no continuation with an initial response",
        expected="none",
        actual=result,
    )
    expect_ok(result, "AUTHENTICATE PLAIN <initial response>")
    _authenticated(client, "AUTHENTICATE with SASL-IR")


@pytest.mark.rfc(4959, "3", "MUST")
@pytest.mark.imap_capability("SASL-IR", state="not-authenticated")
def test_sasl_ir_wrong_password_is_no(imap, account, imap_capabilities):
    """A wrong password sent as initial response gets a tagged NO."""
    _needs_auth_plain(imap_capabilities)
    client = imap.open()
    result = run(
        client, "AUTHENTICATE", "PLAIN", plain_token(account.user, "wrong-" + account.password)
    )
    expect_no(result, "AUTHENTICATE PLAIN <bad initial response>")
    _still_not_authenticated(client, "the failed AUTHENTICATE")


@pytest.mark.rfc(4959, "3", "MUST")
@pytest.mark.imap_capability("SASL-IR", state="not-authenticated")
def test_sasl_ir_empty_initial_response_is_an_empty_plain_message(imap, imap_capabilities):
    """'=' is an empty initial response, distinct from none (RFC 4959 §3): for PLAIN
    that is an empty PLAIN message, which lacks the NUL-separated fields RFC 4616 §2
    requires, so it never authenticates."""
    _needs_auth_plain(imap_capabilities)
    client = imap.open()
    result = authenticate_lines(client, "PLAIN", "*", initial="=")
    expect(not result.ok, "AUTHENTICATE PLAIN =", expected="NO or BAD", actual=result)
    _still_not_authenticated(client, "AUTHENTICATE PLAIN =")


@pytest.mark.rfc(4959, "3", "MUST")
@pytest.mark.imap_capability("SASL-IR", state="not-authenticated")
def test_sasl_ir_bad_base64_fails(imap, imap_capabilities):
    """An initial response that is not BASE64 does not authenticate."""
    _needs_auth_plain(imap_capabilities)
    client = imap.open()
    result = run(client, "AUTHENTICATE", "PLAIN", b64("x")[:-1] + "!")
    expect_refused(result, "AUTHENTICATE PLAIN with a non-BASE64 initial response")
