"""Parsing --target and the account options (pure functions)."""

import pytest
from mailspec.fixtures.core.target_spec import (
    AddressSpec,
    ProviderSpec,
    TargetSpecError,
    expand_accounts,
    parse_seed,
    parse_target,
)

KNOWN = {"reference", "dovecot"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reference", ProviderSpec("reference")),
        ("Dovecot", ProviderSpec("dovecot")),
        ("docker:greenmail", ProviderSpec("docker:greenmail")),
        ("docker:dovecot:2.4", ProviderSpec("docker:dovecot:2.4")),
        ("mail.example.org:110", AddressSpec("mail.example.org", 110, None, "plain")),
        ("[::1]:1110", AddressSpec("::1", 1110, None, "plain")),
        ("pop3://h", AddressSpec("h", 110, "pop3", "plain")),
        ("pop3s://h", AddressSpec("h", 995, "pop3", "implicit")),
        ("imap://h:1143", AddressSpec("h", 1143, "imap", "plain")),
        ("imaps://h", AddressSpec("h", 993, "imap", "implicit")),
        ("pop3://bob:s%40cret@h:2110", AddressSpec("h", 2110, "pop3", "plain", "bob", "s@cret")),
        ("POP3://bob@h", AddressSpec("h", 110, "pop3", "plain", "bob", None)),
    ],
)
def test_valid_targets(text, expected):
    assert parse_target(text, KNOWN) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("nonsense", "not a known server"),
        ("smtp://h", "unknown scheme"),
        ("h:0", "out of range"),
        ("h:70000", "out of range"),
        ("pop3://h:99999", "bad port"),
        ("pop3:///", "no host"),
        ("imap://h/INBOX", "path"),
    ],
)
def test_invalid_targets_say_why(text, message):
    with pytest.raises(TargetSpecError, match=message):
        parse_target(text, KNOWN)


def test_account_pool_expands_user_and_password():
    assert expand_accounts("t%d", "pw-%d", "2-4") == [
        ("t2", "pw-2"),
        ("t3", "pw-3"),
        ("t4", "pw-4"),
    ]


def test_single_account():
    assert expand_accounts("bob", "x", None) == [("bob", "x")]


@pytest.mark.parametrize(
    ("user", "users", "message"),
    [
        ("t%d", None, "--users"),
        ("t", "1-3", "%d"),
        ("t%d", "3-1", "empty"),
        ("t%d", "a-b", "range"),
    ],
)
def test_bad_account_pools(user, users, message):
    with pytest.raises(TargetSpecError, match=message):
        expand_accounts(user, "pw", users)


def test_seed_urls():
    assert parse_seed("smtp://127.0.0.1:2525") == ("smtp", "127.0.0.1", 2525)
    assert parse_seed("lmtp://h") == ("lmtp", "h", 24)
    with pytest.raises(TargetSpecError):
        parse_seed("http://h")
