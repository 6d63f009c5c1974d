"""RFC 3206: the SYS (SYS/TEMP, SYS/PERM) and AUTH response codes, and the
AUTH-RESP-CODE capability."""

import pytest
from mailspec.fixtures.pop3.session import login
from mailspec.fixtures.requirements import expect, expect_equal
from mailspec.suites.pop3._ext_helpers import RESP_CODE, plain_token


def failed_login(pop3, account, how):
    client = pop3.open()
    if how == "wrong-password":
        response = client.command(f"USER {account.user}")
        if response.ok:
            response = client.command(f"PASS {account.password}-wrong")
    elif how == "unknown-user":
        response = client.command("USER mailspec-no-such-user-3206")
        if response.ok:
            response = client.command("PASS whatever-password")
    else:  # auth-plain
        response = client.command(
            f"AUTH PLAIN {plain_token(account.user, account.password + '-wrong')}"
        )
    return response


FAILURES = ["wrong-password", "unknown-user", "auth-plain"]


def _needs(pop3_capabilities, how):
    if how == "auth-plain":
        mechs = [m.upper() for m in pop3_capabilities.args("SASL") or []]
        if "PLAIN" not in mechs:
            pytest.skip("SASL PLAIN is not announced")
    elif not pop3_capabilities.has("USER", "authorization"):
        pytest.skip("USER is not announced")


@pytest.mark.rfc(3206, "6", "MUST")
@pytest.mark.pop3_capability("AUTH-RESP-CODE")
@pytest.mark.parametrize("how", FAILURES)
def test_auth_code_on_credential_failure(pop3, account, pop3_capabilities, how):
    """A server announcing AUTH-RESP-CODE includes the AUTH response code with any
    authentication error caused by the user's credentials: -ERR [AUTH] ..."""
    _needs(pop3_capabilities, how)
    response = failed_login(pop3, account, how)
    expect(not response.ok, f"login with {how}", expected="-ERR [AUTH] ...", actual=response)
    expect_equal(response.code, "AUTH", "response code of the credential failure")


@pytest.mark.rfc(3206, "4", "SHOULD")
@pytest.mark.pop3_capability("RESP-CODES")
@pytest.mark.parametrize("how", FAILURES)
def test_credential_failure_is_not_a_system_error(pop3, account, pop3_capabilities, how):
    """SYS codes mean a failure of the system, not of the user's credentials: wrong
    credentials are not reported as SYS/TEMP or SYS/PERM."""
    _needs(pop3_capabilities, how)
    response = failed_login(pop3, account, how)
    expect(not response.ok, f"login with {how}", expected="-ERR", actual=response)
    expect(
        not (response.code or "").upper().startswith("SYS"),
        "no SYS code for wrong credentials",
        expected="-ERR [AUTH] ... or no code",
        actual=response,
    )


@pytest.mark.rfc(3206, "4", "MUST")
@pytest.mark.pop3_capability("RESP-CODES")
@pytest.mark.parametrize("how", FAILURES)
def test_codes_on_login_failures_are_well_formed(pop3, account, pop3_capabilities, how):
    """Login failure codes follow the RFC 2449 grammar; a SYS code is SYS/TEMP or
    SYS/PERM, and AUTH is the AUTH code (RFC 3206 §4, §5)."""
    _needs(pop3_capabilities, how)
    response = failed_login(pop3, account, how)
    text = response.text
    expect(
        not text.startswith("[") or bool(RESP_CODE.match(text)),
        "code syntax",
        expected="[CODE] or [CODE/SUB]",
        actual=response,
    )
    levels = (response.code or "").upper().split("/")
    if levels[0] == "SYS":
        expect(
            levels[1:2] in (["TEMP"], ["PERM"]),
            "SYS code sub-level",
            expected="SYS/TEMP or SYS/PERM",
            actual=response.code,
        )


@pytest.mark.rfc(3206, "5", "SHOULD")
@pytest.mark.pop3_capability("RESP-CODES")
def test_in_use_is_not_reported_as_auth(pop3, maildrop):
    """A login refused because another session holds the maildrop is not an
    authentication failure: it carries [IN-USE], not [AUTH] (the credentials were
    fine, retrying with other credentials would be wrong)."""
    maildrop.seed("plain")
    pop3.login()
    second = pop3.open(label="second session")
    attempt = login(second, pop3.account)
    if attempt.ok:
        pytest.skip("the server let the second session in: no lock to report")
    expect(
        (attempt.code or "").upper() != "AUTH",
        "code of the locked-maildrop refusal",
        expected="[IN-USE]",
        actual=attempt,
    )
