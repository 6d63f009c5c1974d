"""The suite's IMAP client and sandbox against every local server the suite can start:
LOGIN, EXAMINE INBOX, and a sandbox round trip (nested folders, APPEND with UIDs,
clean-up that leaves nothing but what the server cannot delete)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mailspec.fixtures.core.target import Target
from mailspec.fixtures.imap.command_args import Astring
from mailspec.fixtures.imap.sandbox import Sandbox, WorkerArea
from mailspec.fixtures.imap.session import ImapConnections, read_capabilities, target_owns_inbox
from mailspec.fixtures.providers import get_provider
from mailspec.fixtures.providers.base import ProviderSettings, ProviderUnavailable

SERVERS = ["reference", "dovecot", "mailutils", "cyrus", "courier"]


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    provide = get_provider(request.param)
    try:
        with provide(ProviderSettings(workdir=tmp_path, accounts=1)) as target:
            yield target
    except ProviderUnavailable as exc:
        pytest.skip(f"{request.param} is not available: {exc}")


def test_login_examine_and_sandbox_round_trip(server: Target):
    assert server.imap is not None, f"{server.name} has no IMAP endpoint"
    assert target_owns_inbox(server), "a server the suite started owns its INBOX"
    connections = ImapConnections(server, server.accounts[0], 10)
    try:
        capabilities = read_capabilities(connections)
        assert capabilities.has("IMAP4rev1")
        client = connections.login()
        examined = client.command("EXAMINE", "INBOX")
        assert examined.ok and examined.code_name == "READ-ONLY", examined
        assert examined.untagged_of("EXISTS") and examined.untagged_of("FLAGS")

        area = WorkerArea(connections, run_token="0123456789ab", worker="gw7")
        area.open()
        sandbox = Sandbox(area, connections)
        sandbox.prepare()
        folder = sandbox.create("parent", "child", subscribe=True)
        seeded = sandbox.seed(folder, "plain", "multipart")
        assert all(m.uid for m in seeded) and len({m.uid for m in seeded}) == 2
        probe = connections.login()
        status = probe.command("STATUS", Astring(folder), ["MESSAGES"])
        assert status.ok and status.data_of("STATUS")[0].items == {"MESSAGES": 2}, status
        sandbox.cleanup()
        area.close()
        check = connections.login()
        left = check.command("LIST", '""', Astring(area.root + "*"))
        remaining = [d for d in left.data_of("LIST")]
        assert all(d.has("\\Noselect") for d in remaining), left
        assert set(area.undeletable) >= {d.name for d in remaining}
    finally:
        connections.close_all()
