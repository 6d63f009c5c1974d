"""RFC 3501 §6.2.3: LOGIN — user name and password as atoms, quoted strings or literals."""

import pytest

from ._imap_helpers import (
    Literal,
    Quoted,
    expect_malformed,
    expect_no,
    expect_ok,
    expect_refused,
    run,
    strictness,
)
from ._sessions import capability_set


@pytest.fixture
def login_client(imap):
    client = imap.open()
    if "LOGINDISABLED" in capability_set(client):
        pytest.skip("LOGINDISABLED: LOGIN is refused by configuration here")
    return client


def _authenticated(client, what):
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), f"LIST after {what}")


def _not_authenticated(client, what):
    expect_refused(run(client, "LIST", Quoted(""), Quoted("")), f"LIST after {what}")


ARGUMENT_FORMS = {
    "quoted": lambda text: Quoted(text),
    "literal": lambda text: Literal(text.encode()),
    "sync-literal": lambda text: Literal(text.encode(), mode="sync"),
}


@pytest.mark.rfc(3501, "6.2.3", "MUST")
@pytest.mark.parametrize("user_form", list(ARGUMENT_FORMS))
@pytest.mark.parametrize("password_form", list(ARGUMENT_FORMS))
def test_login_with_any_string_form(login_client, account, user_form, password_form):
    """User name and password are astrings: a quoted string and a literal carry the same
    credentials, and LOGIN succeeds in every combination."""
    user = ARGUMENT_FORMS[user_form](account.user)
    password = ARGUMENT_FORMS[password_form](account.password)
    expect_ok(run(login_client, "LOGIN", user, password), f"LOGIN {user_form} {password_form}")
    _authenticated(login_client, "LOGIN")


@pytest.mark.rfc(3501, "6.2.3", "MUST")
def test_login_with_atoms(login_client, account):
    """Credentials that are atoms may be sent as atoms."""
    for text in (account.user, account.password):
        if not text or any(c in text for c in ' (){%*"\\]') or not text.isascii():
            pytest.skip("the account's credentials are not atoms")
    expect_ok(run(login_client, "LOGIN", account.user, account.password), "LOGIN with atoms")


@pytest.mark.rfc(3501, "6.2.3", "MUST")
def test_login_wrong_password_is_no(login_client, account):
    """A rejected password: tagged NO, and the session is still not authenticated."""
    expect_no(
        run(login_client, "LOGIN", Quoted(account.user), Quoted(account.password + "x")),
        "LOGIN with a wrong password",
    )
    _not_authenticated(login_client, "the failed LOGIN")


@pytest.mark.rfc(3501, "6.2.3", "MUST")
def test_login_unknown_user_is_no(login_client):
    """An unknown user name: tagged NO."""
    expect_no(
        run(login_client, "LOGIN", Quoted("mailspec-no-such-user-x"), Quoted("whatever")),
        "LOGIN of an unknown user",
    )


@pytest.mark.rfc(3501, "6.2.3", "MUST")
def test_login_after_failed_login(login_client, account):
    """A failed LOGIN changes nothing: the next LOGIN with valid credentials works."""
    run(login_client, "LOGIN", Quoted(account.user), Quoted("wrong-" + account.password))
    expect_ok(
        run(login_client, "LOGIN", Quoted(account.user), Quoted(account.password)),
        "the second LOGIN",
    )


@pytest.mark.parametrize("how", strictness(3501, "6.2.3"))
@pytest.mark.parametrize(
    "args",
    [[], ["onlyuser"], ["a", "b", "c"], ["(list)", "x"]],
    ids=["no-arguments", "one-argument", "three-arguments", "list-as-user"],
)
def test_login_with_malformed_arguments_is_bad(login_client, args, how):
    """LOGIN takes exactly a user name and a password (astrings): anything else is
    refused (MUST) with "BAD - command unknown or arguments invalid" (SHOULD)."""
    expect_malformed(run(login_client, "LOGIN", *args), how, f"LOGIN {' '.join(args)}")


@pytest.mark.rfc(3501, "6.2", "MUST")
def test_login_in_authenticated_state_is_refused(imap, account):
    """LOGIN is a not-authenticated-state command; once authenticated, the state cannot
    be re-entered: a second LOGIN is refused."""
    client = imap.login()
    expect_refused(
        run(client, "LOGIN", Quoted(account.user), Quoted(account.password)), "a second LOGIN"
    )
    _authenticated(client, "the refused second LOGIN")


@pytest.mark.rfc(3501, "7.2.1", "MUST")
@pytest.mark.imap_capability("LOGINDISABLED", state="not-authenticated")
def test_logindisabled_refuses_valid_login(imap, account):
    """While LOGINDISABLED is announced, LOGIN with valid credentials gets a tagged NO."""
    client = imap.open()
    expect_no(
        run(client, "LOGIN", Quoted(account.user), Quoted(account.password)),
        "LOGIN under LOGINDISABLED",
    )
    _not_authenticated(client, "LOGIN under LOGINDISABLED")
