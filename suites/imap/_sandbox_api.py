"""This test's own folder inside the run's sandbox (the `imap_sandbox` fixture)."""

from __future__ import annotations

from typing import Any

from mailspec.fixtures.imap.client import ImapClient

from ._imap_helpers import Area, Quoted, run, setup_ok, unique_word


def new_area(imap_sandbox: Any, client: ImapClient) -> Area:
    """Create a fresh folder for one test under the sandbox and return it as an Area."""
    root = imap_sandbox.root
    delimiter = imap_sandbox.delimiter
    area = Area(f"{root}{delimiter}{unique_word('area')}", delimiter)
    setup_ok(run(client, "CREATE", Quoted(area.root)), f"CREATE {area.root}")
    return area
