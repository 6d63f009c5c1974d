"""The sandbox's background clean-up (fixtures/imap/reaper.py), against the reference
server with the reaper switched on by hand: finished areas handed to it are deleted
with their folders and subscriptions, the worker's close() waits for it, and it refuses
a name outside the worker's area."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mailspec.fixtures.core.target import Target
from mailspec.fixtures.imap.command_args import Astring
from mailspec.fixtures.imap.sandbox import Sandbox, WorkerArea
from mailspec.fixtures.imap.session import ImapConnections
from mailspec.fixtures.providers import get_provider
from mailspec.fixtures.providers.base import ProviderSettings
from mailspec.fixtures.requirements import SetupError


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[Target]:
    with get_provider("reference")(ProviderSettings(workdir=tmp_path, accounts=1)) as target:
        yield target


def test_retired_areas_are_deleted_in_the_background(reference: Target):
    connections = ImapConnections(reference, reference.accounts[0], 10)
    try:
        area = WorkerArea(connections, run_token="0123456789ab", worker="gw5")
        area.open()
        area.start_reaper()
        roots = []
        for _ in range(3):
            sandbox = Sandbox(area, connections)
            sandbox.prepare()
            sandbox.create("a", "b", subscribe=True)
            sandbox.seed(sandbox.create("c"), "plain")
            roots.append(sandbox.root)
            sandbox.cleanup()  # handed to the reaper, not deleted here
        with pytest.raises(SetupError, match="outside"):
            area.retire("INBOX")
        assert area.reaper is not None
        assert area.reaper.close(timeout=60) == []  # every thread finished the queue
        check = connections.login()
        # The reaper did the deleting: only the worker's own root is left for close().
        listed = check.command("LIST", '""', Astring(area.root + "*"))
        assert [d.name for d in listed.data_of("LIST")] == [area.root], listed
        area.close()
        for command in ("LIST", "LSUB"):
            left = check.command(command, '""', Astring(area.root + "*"))
            assert left.ok and not left.data_of(command), left
        assert not area.reaper.errors
        assert len(set(roots)) == 3
    finally:
        connections.close_all()
