"""RFC 1939 §4 (AUTHORIZATION state) and the §7 USER/PASS/QUIT rules that apply there."""

import pytest
from mailspec.fixtures.requirements import ServerTimeout, expect

from ._rfc1939_helpers import (
    AUTH_FAILURE_TIMEOUT,
    expect_err,
    expect_ok,
    settle_failed_auth,
)


@pytest.mark.rfc(1939, "4", "MUST")
def test_greeting_is_positive(pop3):
    """Once the TCP connection has been opened, the POP3 server issues a one-line
    greeting with a positive status indicator (+OK)."""
    client = pop3.open()
    expect(
        client.greeting is not None and client.greeting.ok,
        "the greeting",
        expected="+OK ...",
        actual=client.greeting,
    )


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("USER")
def test_user_then_pass_enters_transaction(pop3, account):
    """USER name followed by PASS with the right password answers +OK both times and
    the session enters the TRANSACTION state."""
    client = pop3.open()
    expect_ok(client.command(f"USER {account.user}"), "USER with a valid name")
    expect_ok(client.command(f"PASS {account.password}"), "PASS with the right password")
    expect_ok(client.command("STAT"), "STAT works: the session is in TRANSACTION")


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("USER")
def test_user_without_a_name_is_rejected(pop3):
    """USER takes one argument, "a string identifying a mailbox (required ...)": USER
    with no name answers -ERR."""
    client = pop3.open()
    expect_err(client.command("USER"), "USER without a name")


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("USER")
def test_wrong_password_is_rejected(pop3, account):
    """PASS with a wrong password is answered -ERR and the session stays in the
    AUTHORIZATION state (transaction commands are still refused)."""
    client = pop3.open()
    client.timeout = AUTH_FAILURE_TIMEOUT  # servers may delay a failed login
    expect_ok(client.command(f"USER {account.user}"), "USER with a valid name")
    wrong = account.password + "-wrong"
    expect_err(client.command(f"PASS {wrong}"), "PASS with a wrong password")
    if not client.connection_closed(wait=0.2):
        expect_err(client.command("STAT"), "STAT after a failed login (still AUTHORIZATION)")
    client.close()
    settle_failed_auth(pop3)


@pytest.mark.rfc(1939, "7", "MUST")
def test_pass_without_user_is_rejected(pop3, account):
    """PASS may only be given immediately after a successful USER command: PASS as the
    first command is answered -ERR."""
    client = pop3.open()
    client.timeout = AUTH_FAILURE_TIMEOUT
    expect_err(client.command(f"PASS {account.password}"), "PASS without a preceding USER")
    if not client.connection_closed(wait=0.2):
        expect_err(client.command("STAT"), "STAT after the rejected PASS (still AUTHORIZATION)")


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("USER")
def test_pass_after_failed_pass_without_new_user_is_rejected(pop3, account):
    """PASS may only be given immediately after a successful USER command: after a
    failed PASS, another PASS (even with the right password) is answered -ERR."""
    client = pop3.open()
    client.timeout = AUTH_FAILURE_TIMEOUT
    expect_ok(client.command(f"USER {account.user}"), "USER with a valid name")
    expect_err(client.command(f"PASS {account.password}-wrong"), "PASS with a wrong password")
    if client.connection_closed(wait=0.2):
        settle_failed_auth(pop3)
        pytest.skip("the server closed the connection after the failed PASS (allowed)")
    expect_err(client.command(f"PASS {account.password}"), "a second PASS without a new USER")
    client.close()
    settle_failed_auth(pop3)


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.pop3_optional("USER")
def test_unknown_user_cannot_log_in(pop3, account):
    """USER with a name that has no maildrop may be answered +OK (the server need not
    reveal it), but the login then fails: USER or the following PASS answers -ERR."""
    client = pop3.open()
    client.timeout = AUTH_FAILURE_TIMEOUT
    user = client.command("USER mailspec-no-such-user-7f3a")
    if user.ok:
        expect_err(client.command(f"PASS {account.password}"), "PASS for a user with no maildrop")
    client.close()
    settle_failed_auth(pop3)


@pytest.mark.rfc(1939, "4", "MUST")
@pytest.mark.pop3_optional("USER")
def test_after_failed_login_the_client_may_start_again(pop3, account):
    """After a negative answer to authentication the server may close the connection;
    if it does not, the client may issue a new authentication command and start again."""
    client = pop3.open()
    client.timeout = AUTH_FAILURE_TIMEOUT
    expect_ok(client.command(f"USER {account.user}"), "USER with a valid name")
    expect_err(client.command(f"PASS {account.password}-wrong"), "PASS with a wrong password")
    if client.connection_closed(wait=0.2):
        settle_failed_auth(pop3)
        return  # closing is one of the two allowed outcomes
    expect_ok(client.command(f"USER {account.user}"), "USER again after the failure")
    expect_ok(client.command(f"PASS {account.password}"), "PASS with the right password")
    expect_ok(client.command("STAT"), "the new login reached TRANSACTION")


@pytest.mark.rfc(1939, "4", "MUST")
@pytest.mark.pop3_optional("USER")
def test_quit_after_failed_login_is_accepted(pop3, account):
    """After a failed authentication, if the server keeps the connection, the client may
    issue QUIT: +OK, and the connection is closed."""
    client = pop3.open()
    client.timeout = AUTH_FAILURE_TIMEOUT
    expect_ok(client.command(f"USER {account.user}"), "USER with a valid name")
    expect_err(client.command(f"PASS {account.password}-wrong"), "PASS with a wrong password")
    if not client.connection_closed(wait=0.2):
        expect_ok(client.command("QUIT"), "QUIT in AUTHORIZATION after a failed login")
        expect(
            client.connection_closed(),
            "the server closes the connection after QUIT",
            expected="connection closed",
            actual="still open",
        )
    settle_failed_auth(pop3)


# Commands valid only in TRANSACTION; {n} is a seeded message number.
TRANSACTION_ONLY = [
    ("STAT", "5"),
    ("LIST", "5"),
    ("LIST {n}", "5"),
    ("RETR {n}", "5"),
    ("DELE {n}", "5"),
    ("NOOP", "5"),
    ("RSET", "5"),
    ("TOP {n} 0", "7"),
    ("UIDL", "7"),
    ("UIDL {n}", "7"),
]


def _transaction_only_params():
    for command, section in TRANSACTION_ONLY:
        for stage in ("after the greeting", "after USER"):
            yield pytest.param(
                command,
                stage,
                marks=pytest.mark.rfc(1939, section, "MUST"),
                id=f"{command.split()[0]}{'-arg' if ' ' in command else ''}-{stage.split()[-1]}",
            )


@pytest.mark.parametrize("command,stage", list(_transaction_only_params()))
def test_transaction_command_in_authorization_is_rejected(pop3, maildrop, account, command, stage):
    """A command that may only be given in the TRANSACTION state is answered -ERR in
    the AUTHORIZATION state (before USER, and between USER and PASS)."""
    [message] = maildrop.seed("plain")  # the only message number ever named here
    client = pop3.open()
    if stage == "after USER" and not client.command(f"USER {account.user}").ok:
        pytest.skip("the server does not accept USER")
    response = client.command(command.format(n=message.number))
    expect_err(response, f"{command.split()[0]} before authentication")


@pytest.mark.rfc(1939, "7", "MUST")
@pytest.mark.parametrize("command", ["USER {user}", "PASS {password}", "APOP {user} " + "0" * 32])
def test_authorization_command_in_transaction_is_rejected(pop3, account, command):
    """USER, PASS and APOP may only be given in the AUTHORIZATION state: in TRANSACTION
    they are answered -ERR."""
    client = pop3.login()
    response = client.command(command.format(user=account.user, password=account.password))
    expect_err(response, f"{command.split()[0]} in the TRANSACTION state")
    expect_ok(client.command("STAT"), "the session is still in TRANSACTION")


@pytest.mark.rfc(1939, "4", "MUST")
def test_quit_in_authorization_answers_ok_and_closes(pop3):
    """QUIT in the AUTHORIZATION state answers +OK; the session terminates (without
    entering UPDATE) and the server closes the connection."""
    client = pop3.open()
    expect_ok(client.command("QUIT"), "QUIT right after the greeting")
    expect(
        client.connection_closed(),
        "the server closes the connection after QUIT",
        expected="connection closed",
        actual="connection still open",
    )


@pytest.mark.rfc(1939, "4", "MUST")
@pytest.mark.pop3_optional("USER")
def test_quit_after_user_answers_ok_and_closes(pop3, account):
    """QUIT in the AUTHORIZATION state (here between USER and PASS) answers +OK and the
    server closes the connection."""
    client = pop3.open()
    expect_ok(client.command(f"USER {account.user}"), "USER with a valid name")
    expect_ok(client.command("QUIT"), "QUIT between USER and PASS")
    expect(
        client.connection_closed(),
        "the server closes the connection after QUIT",
        expected="connection closed",
        actual="connection still open",
    )


@pytest.mark.rfc(1939, "4", "MUST")
def test_maildrop_is_protected_while_a_session_holds_it(pop3, maildrop):
    """The server acquires an exclusive-access lock on the maildrop "as necessary to
    prevent messages from being modified or removed before the session enters the UPDATE
    state": a second login is refused, or (if it is allowed) a deletion by the second
    session does not take a message away from the first.
    """
    [message] = maildrop.seed("plain")
    first = pop3.login()
    # A refusal counts only if it is the lock's: a transient -ERR (a busy auth
    # process) would pass by chance, so the second login is tried up to three times.
    for attempt in range(3):
        second = pop3.open(label=f"second session, attempt {attempt + 1}")
        second.timeout = AUTH_FAILURE_TIMEOUT
        try:
            response = second.login(pop3.account.user, pop3.account.password)
        except ServerTimeout:
            return  # the login waits for the lock: the first session is protected
        if response.ok:
            break
        second.close()
    else:
        return  # refused while the maildrop is locked: the RFC's behaviour
    expect_ok(second.command(f"DELE {message.number}"), "DELE in the second session")
    expect_ok(second.command("QUIT"), "QUIT in the second session")
    second.close()
    response = first.command(f"RETR {message.number}", multiline=True)
    expect(
        response.ok,
        "the first session still retrieves a message of its maildrop listing",
        expected="+OK (the maildrop was locked for the first session)",
        actual=response,
    )
