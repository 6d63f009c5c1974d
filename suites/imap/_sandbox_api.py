"""This test's own folder inside the run's sandbox (the `imap_sandbox` fixture)."""

from __future__ import annotations

from typing import Any

from mailspec.fixtures.imap.client import ImapClient

from ._imap_helpers import Area, Quoted, run, setup_ok, unique_word


def new_area(imap_sandbox: Any, client: ImapClient) -> Area:
    """A fresh folder level for one test (or one part of it) under the sandbox.

    It is created with the trailing delimiter, the RFC 3501 §6.3.3 declaration that
    names will be created under it: servers whose mailboxes cannot have inferiors
    (Mailutils' mbox files) then make a directory level, others a mailbox. Tests do
    not select the area itself."""
    root = imap_sandbox.root
    delimiter = imap_sandbox.delimiter
    area = Area(f"{root}{delimiter}{unique_word('area')}", delimiter)
    setup_ok(run(client, "CREATE", Quoted(area.root + delimiter)), f"CREATE {area.root}{delimiter}")
    return area
