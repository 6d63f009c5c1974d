"""Getting a connection into a given state, and logging in by hand (LOGIN, AUTHENTICATE)."""

from __future__ import annotations

import base64
from typing import Any

from mailspec.fixtures.imap.client import CommandResult, ImapClient
from mailspec.fixtures.imap.response_types import Tagged, Untagged
from mailspec.fixtures.requirements import expect

from ._imap_helpers import Area, Quoted, expect_ok, run, setup_ok, unique_word, untagged_of
from ._sandbox_api import new_area

STATES = ("not-authenticated", "authenticated", "selected")


def b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def plain_token(user: str, password: str, authzid: str = "") -> str:
    """RFC 4616 PLAIN message, base64: [authzid] NUL authcid NUL passwd."""
    return b64(f"{authzid}\0{user}\0{password}")


def capability_set(client: Any) -> set[str]:
    result = run(client, "CAPABILITY")
    expect_ok(result, "CAPABILITY")
    return {c.upper() for u in untagged_of(result, "CAPABILITY") for c in u.data}


def login_command(client: Any, account: Any) -> Any | None:
    """LOGIN with the account's credentials as quoted strings; None if LOGINDISABLED."""
    if "LOGINDISABLED" in capability_set(client):
        return None
    return run(client, "LOGIN", Quoted(account.user), Quoted(account.password))


def authenticate_lines(
    client: ImapClient, mechanism: str, *lines: str, initial: str | None = None
) -> CommandResult:
    """AUTHENTICATE driven by hand: each line answers one '+' continuation; stops
    early when the server completes the command first."""
    args = [mechanism] if initial is None else [mechanism, initial]
    tag = client.send_command("AUTHENTICATE", *args)
    result = CommandResult(tag, None)
    for line in lines:
        while True:
            response = client.read_response(auth=True)
            if isinstance(response, Untagged):
                result.untagged.append(response)
                continue
            if isinstance(response, Tagged):
                expect(
                    response.tag == tag,
                    "the AUTHENTICATE completion's tag",
                    expected=tag,
                    actual=response.raw,
                )
                result.tagged = response
                return result
            result.continuations.append(response)
            break
        client.send_line(line)
    return client.read_until_tagged(tag, result)


def authenticate_plain(client: ImapClient, token: str) -> CommandResult:
    """AUTHENTICATE PLAIN without an initial response: '+', then the token."""
    return authenticate_lines(client, "PLAIN", token)


def selected_area(imap_sandbox: Any, client: Any) -> tuple[Area, str]:
    """A fresh empty folder of this test's own, SELECTed (read-write) on ``client``."""
    area = new_area(imap_sandbox, client)
    folder = area.name(unique_word("sel"))
    setup_ok(run(client, "CREATE", Quoted(folder)), f"CREATE {folder}")
    setup_ok(run(client, "SELECT", Quoted(folder)), f"SELECT {folder}")
    return area, folder


def in_state(imap: Any, imap_sandbox: Any, state: str) -> Any:
    """A new connection in one of the three command states of RFC 3501 §3."""
    if state == "not-authenticated":
        return imap.open()
    client = imap.login()
    if state == "selected":
        selected_area(imap_sandbox, client)
    return client
