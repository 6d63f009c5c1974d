"""RFC 6856: the UTF8 command (§2) and the LANG command (§3)."""

import re

import pytest
from mailspec.fixtures.pop3.session import login
from mailspec.fixtures.requirements import expect, expect_equal

LANG_LINE = re.compile(rb"^([A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*|i-default) \S.*$")


@pytest.mark.rfc(6856, "2", "MUST")
@pytest.mark.pop3_capability("UTF8", state="authorization")
def test_utf8_in_authorization_then_login(pop3, account):
    """UTF8 in the AUTHORIZATION state answers +OK; the session then logs in normally."""
    client = pop3.open()
    response = client.command("UTF8")
    expect(response.ok, "UTF8 in the AUTHORIZATION state", expected="+OK", actual=response)
    logged_in = login(client, account)
    expect(logged_in.ok, "login after UTF8", expected="+OK", actual=logged_in)


@pytest.mark.rfc(6856, "2", "MUST")
@pytest.mark.pop3_capability("UTF8", state="authorization")
def test_utf8_in_transaction_is_refused(pop3):
    """UTF8 is valid only in the AUTHORIZATION state: in the TRANSACTION state it
    answers -ERR and the session continues."""
    client = pop3.login()
    response = client.command("UTF8")
    expect(not response.ok, "UTF8 in the TRANSACTION state", expected="-ERR", actual=response)
    stat = client.command("STAT")
    expect(stat.ok, "STAT afterwards", expected="+OK", actual=stat)


@pytest.mark.rfc(6856, "2", "MUST")
@pytest.mark.pop3_capability("UTF8", state="authorization")
def test_utf8_user_name_is_handled(pop3, pop3_capabilities, account):
    """With UTF8 USER announced and UTF8 issued, a USER argument in UTF-8 is a user name
    like any other: it gets one answer (+OK, or -ERR for an unknown user) and the session
    stays in sync (a failing PASS, then a normal login, work)."""
    if "USER" not in [a.upper() for a in (pop3_capabilities.authorization or {}).get("UTF8", [])]:
        pytest.skip("UTF8 is announced without the USER argument")
    client = pop3.open()
    expect(client.command("UTF8").ok, "UTF8", expected="+OK", actual="-ERR")
    user = client.command("USER mailspec-ünïcødé-名前".encode())
    if user.ok:
        password = client.command("PASS not-the-password")
        expect(not password.ok, "PASS for the unknown UTF-8 user", expected="-ERR", actual=password)
    logged_in = login(client, account)
    expect(logged_in.ok, "normal login afterwards", expected="+OK", actual=logged_in)


@pytest.mark.rfc(6856, "2", "SHOULD")
@pytest.mark.pop3_capability("UTF8", state="authorization")
def test_invalid_utf8_user_name_is_refused(pop3, pop3_capabilities):
    """After UTF8, arguments are UTF-8: a USER argument that is not valid UTF-8 is
    refused with -ERR.

    A server that answers +OK to every USER (RFC 1939 §7 lets it judge the name at PASS,
    as Courier does) must refuse the invalid name at PASS instead."""
    if "USER" not in [a.upper() for a in (pop3_capabilities.authorization or {}).get("UTF8", [])]:
        pytest.skip("UTF8 is announced without the USER argument")
    client = pop3.open()
    expect(client.command("UTF8").ok, "UTF8", expected="+OK", actual="-ERR")
    response = client.command(b"USER mailspec-\xff\xfe-bad")
    if response.ok:
        probe = pop3.open(label="does USER judge names?")
        expect(probe.command("UTF8").ok, "UTF8", expected="+OK", actual="-ERR")
        if probe.command("USER mailspec-unknown-ascii-name").ok:
            password = client.command("PASS not-the-password")
            expect(
                not password.ok,
                "PASS after USER with invalid UTF-8 (USER accepts any name here)",
                expected="-ERR",
                actual=password,
            )
            return
    expect(not response.ok, "USER with invalid UTF-8", expected="-ERR", actual=response)


@pytest.mark.rfc(6856, "3", "MUST")
@pytest.mark.pop3_capability("LANG")
@pytest.mark.parametrize("state", ["authorization", "transaction"])
def test_lang_lists_languages(pop3, state):
    """LANG (valid in the AUTHORIZATION and TRANSACTION states) without an argument
    answers +OK and a multi-line list, one language per line: a language tag, a space,
    a description."""
    client = pop3.login() if state == "transaction" else pop3.open()
    response = client.command("LANG", multiline=True)
    expect(response.ok, "LANG", expected="+OK and a list", actual=response)
    bad = [line for line in response.lines or [] if not LANG_LINE.match(line)]
    expect(
        bool(response.lines) and not bad,
        "language lines",
        expected="<tag> SP <description>",
        actual=bad or "empty list",
    )


@pytest.mark.rfc(6856, "3", "MUST")
@pytest.mark.pop3_capability("LANG")
def test_lang_star_selects_default(pop3):
    """LANG * asks the server to pick its default language: +OK."""
    client = pop3.open()
    response = client.command("LANG *")
    expect(response.ok, "LANG *", expected="+OK", actual=response)


@pytest.mark.rfc(6856, "3", "MUST")
@pytest.mark.pop3_capability("LANG")
def test_lang_selects_a_listed_language(pop3):
    """LANG with a tag from the server's own list answers +OK."""
    client = pop3.open()
    listing = client.command("LANG", multiline=True)
    expect(listing.ok and listing.lines, "LANG list", expected="+OK and languages", actual=listing)
    tag = listing.lines[0].split(b" ")[0].decode("ascii", "replace")
    response = client.command(f"LANG {tag}")
    expect(response.ok, f"LANG {tag}", expected="+OK", actual=response)


@pytest.mark.rfc(6856, "3", "MUST")
@pytest.mark.pop3_capability("LANG")
def test_lang_unsupported_is_refused(pop3):
    """LANG with a language the server does not support answers -ERR; the session
    continues (another LANG list is answered)."""
    client = pop3.open()
    response = client.command("LANG x-mailspec-nope")
    expect(not response.ok, "LANG of an unsupported language", expected="-ERR", actual=response)
    listing = client.command("LANG", multiline=True)
    expect_equal(listing.status, "+OK", "LANG list afterwards")
