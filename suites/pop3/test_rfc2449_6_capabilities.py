"""RFC 2449 §6: every announced capability actually works, and its arguments follow
the syntax the RFC gives for it (TOP, USER, SASL, UIDL, LOGIN-DELAY, EXPIRE,
IMPLEMENTATION). RESP-CODES is in the §8 module, PIPELINING in the §6.6 module."""

import re

import pytest
from mailspec.fixtures.requirements import expect, expect_equal
from mailspec.suites.pop3._ext_helpers import (
    DRIVABLE_MECHANISMS,
    b64,
    capa_lines,
    mechanisms,
    parse_capa,
    plain_token,
    read_continuation,
    require_mechanism,
)

NUMBER = re.compile(r"^[0-9]+$")


@pytest.mark.rfc(2449, "6.1", "MUST")
@pytest.mark.pop3_capability("TOP", state="transaction")
def test_announced_top_works(pop3, maildrop):
    """TOP announced: TOP msg n answers +OK with the header, the blank line and exactly
    the first n lines of the body."""
    [message] = maildrop.seed("numbered-lines")
    client = pop3.login()
    top = client.command(f"TOP {message.number} 3", multiline=True)
    expect(top.ok, "TOP of a seeded message", expected="+OK and the lines", actual=top)
    lines = top.lines or []
    expect(
        b"" in lines,
        "TOP sends the header and the blank line",
        expected="a blank line",
        actual=lines,
    )
    body = lines[lines.index(b"") + 1 :]
    expect_equal(body, message.body.split(b"\r\n")[:3], "TOP n sends the first n body lines")


@pytest.mark.rfc(2449, "6.8", "MUST")
@pytest.mark.pop3_capability("UIDL", state="transaction")
def test_announced_uidl_works(pop3, maildrop):
    """UIDL announced: UIDL msg answers +OK msg uid, and the UIDL listing has the same id."""
    [message] = maildrop.seed("plain")
    client = pop3.login()
    single = client.command(f"UIDL {message.number}")
    expect(single.ok, "UIDL of a seeded message", expected="+OK n uid", actual=single)
    number, uid = single.text.split()[:2]
    expect_equal(int(number), message.number, "UIDL names the message asked for")
    listing = client.command("UIDL", multiline=True)
    expect(listing.ok, "UIDL without argument", expected="+OK and a listing", actual=listing)
    listed = dict(line.decode("ascii", "replace").split()[:2] for line in listing.lines or [])
    expect_equal(listed.get(str(message.number)), uid, "the listing gives the same unique-id")


@pytest.mark.rfc(2449, "6.2", "MUST")
@pytest.mark.pop3_capability("USER", state="authorization")
def test_announced_user_works(pop3, account):
    """USER announced: USER name then PASS string log in (+OK to both)."""
    client = pop3.open()
    user = client.command(f"USER {account.user}")
    expect(user.ok, "USER with a valid name", expected="+OK", actual=user)
    password = client.command(f"PASS {account.password}")
    expect(password.ok, "PASS with the right password", expected="+OK", actual=password)
    stat = client.command("STAT")
    expect(stat.ok, "STAT in the TRANSACTION state", expected="+OK", actual=stat)


@pytest.mark.rfc(2449, "6.3", "MUST")
@pytest.mark.pop3_capability("SASL", state="authorization")
@pytest.mark.parametrize("mechanism", DRIVABLE_MECHANISMS)
def test_announced_sasl_mechanism_logs_in(pop3, account, pop3_capabilities, mechanism):
    """SASL announced: each listed mechanism works with AUTH and logs the user in."""
    require_mechanism(pop3_capabilities, mechanism)
    client = pop3.open()
    if mechanism == "PLAIN":
        response = client.command(f"AUTH PLAIN {plain_token(account.user, account.password)}")
    else:
        client.send_line("AUTH LOGIN")
        for answer in (account.user, account.password):
            _, final = read_continuation(client)
            expect(
                final is None,
                "AUTH LOGIN asks with '+ ' continuations",
                expected="+ ...",
                actual=final,
            )
            client.send_line(b64(answer))
        response = client.read_response()
    expect(response.ok, f"AUTH {mechanism} with valid credentials", expected="+OK", actual=response)
    stat = client.command("STAT")
    expect(stat.ok, "STAT after AUTH", expected="+OK", actual=stat)


@pytest.mark.rfc(2449, "6.3", "MUST")
@pytest.mark.pop3_capability("SASL", state="authorization")
def test_every_announced_mechanism_is_accepted_by_auth(pop3, pop3_capabilities):
    """Every mechanism SASL lists is supported: AUTH with it starts an exchange (a '+ '
    continuation), never 'unsupported mechanism'; '*' then cancels it with -ERR."""
    listed = [m for m in mechanisms(pop3_capabilities) if m not in ("EXTERNAL", "ANONYMOUS")]
    if not listed:
        pytest.skip("SASL lists only mechanisms that may finish without a challenge")
    client = pop3.open()
    refused = []
    for mechanism in listed:
        client.send_line(f"AUTH {mechanism}")
        _, final = read_continuation(client)
        if final is not None:
            refused.append(str(final))
            continue
        client.send_line("*")
        cancel = client.read_response()
        expect(not cancel.ok, f"'*' cancels AUTH {mechanism}", expected="-ERR", actual=cancel)
    expect(
        not refused,
        "AUTH with each listed mechanism asks for data",
        expected="'+ ' for each of " + " ".join(listed),
        actual=refused,
    )


def _delay_or_expire_args(args, state, *, values):
    problems = []
    if not args:
        problems.append("no argument")
        return problems
    if not (NUMBER.match(args[0]) or args[0] in values):
        problems.append(f"first argument {args[0]!r} is not {' / '.join(['a number', *values])}")
    rest = args[1:]
    if state == "authorization":
        if rest not in ([], ["USER"]):
            problems.append(f"extra arguments {rest} (only USER may follow)")
    elif rest:
        problems.append(f"extra arguments {rest} (USER is only for the AUTHORIZATION state)")
    return problems


@pytest.mark.rfc(2449, "6.5", "MUST")
@pytest.mark.parametrize("state", ["authorization", "transaction"])
def test_login_delay_syntax(pop3, pop3_capabilities, state):
    """LOGIN-DELAY's argument is the minimum seconds between logins, optionally followed
    by USER in the AUTHORIZATION state only; in the TRANSACTION state the value is the
    one for this user (a number, no USER)."""
    caps = getattr(pop3_capabilities, state)
    if not caps or "LOGIN-DELAY" not in caps:
        pytest.skip(f"CAPA does not announce LOGIN-DELAY in the {state.upper()} state")
    args = caps["LOGIN-DELAY"]
    problems = _delay_or_expire_args(args, state, values=())
    expect(
        not problems,
        "LOGIN-DELAY argument syntax",
        expected="LOGIN-DELAY <seconds> [USER]",
        actual=f"LOGIN-DELAY {' '.join(args)}: {problems}",
    )


@pytest.mark.rfc(2449, "6.7", "MUST")
@pytest.mark.parametrize("state", ["authorization", "transaction"])
def test_expire_syntax(pop3, pop3_capabilities, state):
    """EXPIRE's argument is the server-guaranteed minimum retention days or NEVER,
    optionally followed by USER in the AUTHORIZATION state only."""
    caps = getattr(pop3_capabilities, state)
    if not caps or "EXPIRE" not in caps:
        pytest.skip(f"CAPA does not announce EXPIRE in the {state.upper()} state")
    args = caps["EXPIRE"]
    problems = _delay_or_expire_args(args, state, values=("NEVER",))
    expect(
        not problems,
        "EXPIRE argument syntax",
        expected="EXPIRE <days>|NEVER [USER]",
        actual=f"EXPIRE {' '.join(args)}: {problems}",
    )


@pytest.mark.rfc(2449, "6.5", "MUST")
@pytest.mark.pop3_capability("LOGIN-DELAY", state="authorization")
def test_login_delay_without_user_is_the_same_after_login(pop3):
    """A LOGIN-DELAY value that is not per-user (no USER in the AUTHORIZATION state) is
    the value for every user, so the TRANSACTION state announces the same delay."""
    client = pop3.open()
    before = parse_capa(capa_lines(client)).get("LOGIN-DELAY")
    if not before or "USER" in before[1:]:
        pytest.skip("LOGIN-DELAY is per-user (USER) here")
    pop3.login(client)
    after = parse_capa(capa_lines(client)).get("LOGIN-DELAY")
    expect_equal(after, before[:1], "LOGIN-DELAY in TRANSACTION equals the global value")


@pytest.mark.rfc(2449, "6.7", "MUST")
@pytest.mark.pop3_capability("EXPIRE", state="authorization")
def test_expire_without_user_is_the_same_after_login(pop3):
    """An EXPIRE value that is not per-user (no USER in the AUTHORIZATION state) holds for
    every user, so the TRANSACTION state announces the same policy."""
    client = pop3.open()
    before = parse_capa(capa_lines(client)).get("EXPIRE")
    if not before or "USER" in before[1:]:
        pytest.skip("EXPIRE is per-user (USER) here")
    pop3.login(client)
    after = parse_capa(capa_lines(client)).get("EXPIRE")
    expect_equal(after, before[:1], "EXPIRE in TRANSACTION equals the global value")


@pytest.mark.rfc(2449, "6.9", "MUST")
@pytest.mark.parametrize("state", ["authorization", "transaction"])
def test_implementation_is_one_parsable_line(pop3, state):
    """IMPLEMENTATION's argument is a string of implementation information; it stays on
    one capability line of printable text and does not break the list (later lines
    still parse, the list still ends with '.')."""
    client = pop3.login() if state == "transaction" else pop3.open()
    response = capa_lines(client)
    lines = [line for line in response.lines or [] if line.upper().startswith(b"IMPLEMENTATION")]
    if not lines:
        pytest.skip(f"CAPA does not announce IMPLEMENTATION in the {state.upper()} state")
    [line] = lines[:1]
    expect(
        len(lines) == 1
        and line[len(b"IMPLEMENTATION") : len(b"IMPLEMENTATION") + 1] == b" "
        and all(0x20 <= c <= 0x7E for c in line),
        "IMPLEMENTATION SP text on one line of printable ASCII",
        expected="IMPLEMENTATION <text>",
        actual=lines,
    )
    again = client.command("CAPA", multiline=True)
    expect_equal(again.lines, response.lines, "a second CAPA gives the same list (still in sync)")


@pytest.mark.rfc(2449, "5", "SHOULD")
@pytest.mark.parametrize("name", ["TOP", "UIDL", "USER"])
def test_working_optional_command_is_announced(pop3_capabilities, pop3_optional_support, name):
    """CAPA returns the list of capabilities the server supports (RFC 2449 §5): an RFC
    1939 optional command that works is announced, or clients that trust CAPA never
    use it. (RFC 2449 has no MUST for this, hence SHOULD.)"""
    works = pop3_optional_support.works(name)
    if works is None:
        pytest.skip(f"whether {name} works could not be told")
    if not works:
        pytest.skip(f"{name} is not implemented (RFC 1939 §7 makes it optional)")
    expect(
        pop3_capabilities.has(name),
        f"{name} works, so CAPA announces it",
        expected=f"{name} in CAPA (AUTHORIZATION or TRANSACTION)",
        actual=f"CAPA: {sorted((pop3_capabilities.authorization or {}) | (pop3_capabilities.transaction or {}))}",
    )
