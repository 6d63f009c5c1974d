"""Shared helpers for the IMAP session and folder modules (RFC 3501 §6.1-6.4, extensions).

They keep the tests short: run a command and check its tagged status, collect the
untagged data of one kind, read what SELECT / EXAMINE / STATUS / LIST answered.
Everything here is the suite's own reading of the RFC, never a server's code.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from mailspec.fixtures.imap.client import CommandResult, ImapClient
from mailspec.fixtures.imap.command_args import Literal, Quoted
from mailspec.fixtures.imap.response_types import ListData, StatusData, Tagged, Untagged
from mailspec.fixtures.requirements import Deviation, SetupError, expect

__all__ = ["Literal", "Quoted", "run"]

# RFC 3501 §2.3.2: the system flags every mailbox offers (FLAGS lists them at a minimum).
SYSTEM_FLAGS = ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft")
STATUS_ITEMS = ("MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN")

_unique = itertools.count(1)


def run(client: ImapClient, name: str, *args: Any) -> CommandResult:
    return client.command(name, *args)


def _expect_status(result: CommandResult, allowed: tuple[str, ...], what: str) -> CommandResult:
    expect(
        result.status in allowed,
        what,
        expected="a tagged " + " or ".join(allowed),
        actual=result,
    )
    return result


def expect_ok(result: CommandResult, what: str) -> CommandResult:
    return _expect_status(result, ("OK",), what)


def expect_no(result: CommandResult, what: str) -> CommandResult:
    return _expect_status(result, ("NO",), what)


def expect_bad(result: CommandResult, what: str) -> CommandResult:
    return _expect_status(result, ("BAD",), what)


def expect_refused(result: CommandResult, what: str) -> CommandResult:
    """NO or BAD: the command was not carried out (wrong state, unknown name...)."""
    return _expect_status(result, ("NO", "BAD"), what)


def strictness(document: int, section: str) -> list[Any]:
    """Two cases for one malformed command: refused at all - never OK - (MUST), and
    answered BAD (SHOULD: RFC 3501 gives "BAD - command unknown or arguments invalid"
    as the result, not with a MUST). The level goes on each case, not the test."""
    return [
        pytest.param("refused", marks=pytest.mark.rfc(document, section, "MUST"), id="refused"),
        pytest.param("bad", marks=pytest.mark.rfc(document, section, "SHOULD"), id="bad"),
    ]


def expect_malformed(result: CommandResult, how: str, what: str) -> CommandResult:
    if how == "bad":
        return expect_bad(result, what)
    return expect_refused(result, what)


def setup_ok(result: CommandResult, what: str) -> CommandResult:
    """Preparing a test: a refusal here is a broken setup, not a verdict."""
    if not result.ok:
        raise SetupError(f"{what}: {result}")
    return result


def untagged_of(result: CommandResult, kind: str) -> list[Untagged]:
    return result.untagged_of(kind)


def capabilities_in(response: Tagged | Untagged | None) -> tuple[str, ...] | None:
    """The capabilities of a CAPABILITY response code, None without one."""
    code = getattr(response, "code", None)
    if code is None or code.name != "CAPABILITY":
        return None
    return tuple(code.value)


def code_of(response: Tagged | Untagged | None) -> str | None:
    code = getattr(response, "code", None)
    return None if code is None else code.name


# -- names -------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A folder of this test's own inside the run's sandbox: every name a test makes
    lives under ``root`` so two tests never meet, whatever failed before."""

    root: str
    delimiter: str

    def name(self, *parts: str) -> str:
        return self.delimiter.join((self.root, *parts))

    def relative(self, full: str) -> str | None:
        prefix = self.root + self.delimiter
        return full[len(prefix) :] if full.startswith(prefix) else None


def create_mailbox_with_inferior(client: ImapClient, parent: str, child: str) -> None:
    """CREATE parent, then parent/child: a selectable mailbox that has an inferior. A
    server whose mailboxes cannot have inferiors says so with \\Noinferiors (RFC 3501
    §7.2.2); the test then skips, since it needs such a mailbox."""
    setup_ok(run(client, "CREATE", Quoted(parent)), f"CREATE {parent}")
    result = run(client, "CREATE", Quoted(child))
    if result.ok:
        return
    entries = [e for e in listing(client, "", parent) if e.name == parent]
    if entries and entries[0].has("\\Noinferiors"):
        pytest.skip(f"mailboxes cannot have inferiors here ({parent} is \\Noinferiors)")
    raise SetupError(f"CREATE {child} under the mailbox {parent}: {result}")


def unique_word(stem: str = "t") -> str:
    return f"{stem}{next(_unique)}"


# -- LIST / LSUB -----------------------------------------------------------------


def list_data(result: Any, kind: str = "LIST") -> list[ListData]:
    return [u.data for u in untagged_of(result, kind)]


def listing(client: Any, reference: str, pattern: str, *, command: str = "LIST") -> list[ListData]:
    result = run(client, command, Quoted(reference), Quoted(pattern))
    expect_ok(result, f'{command} "{reference}" "{pattern}"')
    return list_data(result, command)


def names_of(entries: Iterable[ListData]) -> list[str]:
    return [entry.name for entry in entries]


def by_name(entries: Iterable[ListData]) -> dict[str, ListData]:
    return {entry.name: entry for entry in entries}


def expect_no_duplicates(entries: list[ListData], what: str) -> None:
    names = names_of(entries)
    twice = sorted({n for n in names if names.count(n) > 1})
    expect(not twice, f"{what}: each name is answered once", expected="no name twice", actual=twice)


def hierarchy_delimiter(client: Any) -> str | None:
    """LIST "" "" answers the delimiter (RFC 3501 §6.3.8)."""
    entries = listing(client, "", "")
    if not entries:
        raise Deviation(
            'LIST "" "" returns the hierarchy delimiter', expected="one LIST", actual="none"
        )
    return entries[0].delimiter


# -- SELECT / EXAMINE / STATUS -----------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What SELECT / EXAMINE answered."""

    result: CommandResult
    flags: tuple[str, ...] | None
    exists: int | None
    recent: int | None
    codes: dict[str, Any]  # untagged OK codes: UNSEEN, PERMANENTFLAGS, UIDNEXT, UIDVALIDITY
    untagged: tuple[Untagged, ...]

    @property
    def tagged(self) -> Tagged | None:
        return self.result.tagged

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def access(self) -> str | None:
        """READ-WRITE / READ-ONLY from the tagged completion (None: no code)."""
        return self.result.code_name


def selection(result: CommandResult) -> Selection:
    untagged = tuple(result.untagged)
    flags = next((u.data for u in untagged if u.kind == "FLAGS"), None)
    exists = next((u.number for u in untagged if u.kind == "EXISTS"), None)
    recent = next((u.number for u in untagged if u.kind == "RECENT"), None)
    codes = {u.code.name: u.code.value for u in untagged if u.kind == "OK" and u.code is not None}
    return Selection(result, flags, exists, recent, codes, untagged)


def select(client: Any, mailbox: str, *, examine: bool = False) -> Selection:
    return selection(run(client, "EXAMINE" if examine else "SELECT", Quoted(mailbox)))


def status(client: Any, mailbox: str, items: Iterable[str] = STATUS_ITEMS) -> dict[str, int]:
    result = run(client, "STATUS", Quoted(mailbox), list(items))
    expect_ok(result, f"STATUS {mailbox}")
    answers: list[StatusData] = [u.data for u in untagged_of(result, "STATUS")]
    expect(len(answers) == 1, "STATUS answers one untagged STATUS", expected=1, actual=len(answers))
    return dict(answers[0].items)


# -- messages (set-up only: APPEND is tested elsewhere) -------------------------------


def message_bytes(subject: str = "mailspec folder test") -> bytes:
    return (
        "From: mailspec <mailspec@example.org>\r\n"
        "To: mailspec <mailspec@example.org>\r\n"
        f"Subject: {subject}\r\n"
        "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
        "Message-ID: <folder-test@mailspec.invalid>\r\n"
        "\r\n"
        "A message the suite appended to a folder of its own.\r\n"
    ).encode("ascii")


def append(client: Any, mailbox: str, *, flags: Iterable[str] = (), subject: str = "t") -> None:
    args: list[Any] = [Quoted(mailbox)]
    flag_list = list(flags)
    if flag_list:
        args.append(flag_list)
    args.append(Literal(message_bytes(subject)))
    setup_ok(run(client, "APPEND", *args), f"APPEND to {mailbox}")


# Attempts at a UID-reuse check: a server that takes UIDVALIDITY from the clock in
# seconds (Mailutils) reuses UIDs only when a mailbox goes and comes back within one
# second, so each attempt starts just after a second begins and a few are made.
UID_REUSE_ATTEMPTS = 3


def at_the_start_of_a_second() -> None:
    """Wait (under a second) until this machine's clock has just begun a new second."""
    time.sleep(1.0 - time.time() % 1.0 + 0.01)
