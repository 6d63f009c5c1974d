"""Fixtures for the reference server's own tests; helpers live in refsrv_helpers.py."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from refsrv_helpers import RunningServer, ServerFactory, start_server


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[ServerFactory]:
    factory = ServerFactory(tmp_path)
    yield factory
    for server in factory.started:
        server.stop(signal.SIGKILL)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start_server(
        tmp_path_factory.mktemp("shared"), "--tls-auto", "--pop3s-port", "0",
        "--write-timeout", "1.5", "--idle-timeout", "3",
    )  # fmt: skip
    yield server
    assert server.alive(), "the server died during the tests"
    assert server.stop() == 0
